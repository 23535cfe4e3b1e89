package io.timecoin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeygenCommandTest {
  @TempDir Path tmp;

  private final TimedRun run = new TimedRun();
  private final StringWriter out = run.out;
  private final StringWriter err = run.err;

  private int timed(String... args) {
    return run.timed(args);
  }

  @Test
  void writesAKeyAndPrintsItsAddressOnce() throws Exception {
    Path file = tmp.resolve("keys/wallet.key");
    assertEquals(0, timed("keygen", "--out", file.toString()), err.toString());
    Ed25519KeyPair key = KeyFile.read(file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertTrue(out.toString().contains("public key: " + key.publicKey().toHex()), out.toString());
    assertTrue(
        out.toString()
            .contains("address:    " + Address.of(key.publicKey()).toBech32m("timecoin-devnet")));

    assertEquals(1, timed("keygen", "--out", file.toString()));
    assertTrue(
        err.toString().startsWith("timed keygen: " + file + " already exists"), err.toString());
    assertEquals(key.publicKey(), KeyFile.read(file).publicKey());

    Path mainnet = tmp.resolve("main.key");
    assertEquals(0, timed("keygen", "--out", mainnet.toString(), "--chain-id", "timecoin-mainnet"));
    assertTrue(out.toString().contains("address:    time1"), out.toString());
  }
}
