package io.timecoin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KeygenCommandTest {
  @TempDir
  Path tmp;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int timed(String... args) {
    CommandLine cmd = new CommandLine(new TimedCommand());
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    return cmd.execute(args);
  }

  @Test
  void writesAKeyAndPrintsItsAddressOnce() throws Exception {
    Path file = tmp.resolve("keys/wallet.key");
    assertEquals(0, timed("keygen", "--out", file.toString()), err.toString());
    Ed25519KeyPair key = KeyFile.read(file);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertTrue(out.toString().contains("public key: " + key.publicKey().toHex()), out.toString());
    assertTrue(out.toString().contains("address:    " + Address.of(key.publicKey()).toBech32m("timecoin-devnet")));

    assertEquals(1, timed("keygen", "--out", file.toString()));
    assertTrue(err.toString().startsWith("timed keygen: " + file + " already exists"), err.toString());
    assertEquals(key.publicKey(), KeyFile.read(file).publicKey());

    Path mainnet = tmp.resolve("main.key");
    assertEquals(0, timed("keygen", "--out", mainnet.toString(), "--chain-id", "timecoin-mainnet"));
    assertTrue(out.toString().contains("address:    time1"), out.toString());
  }
}
