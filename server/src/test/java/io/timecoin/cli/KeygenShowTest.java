package io.timecoin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.crypto.Address;
import io.timecoin.crypto.KeyFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeygenShowTest {
  @TempDir Path tmp;

  private final TimedRun run = new TimedRun();

  @Test
  void showsTheAddressOfAnExistingKeyFile() throws Exception {
    Path file = tmp.resolve("alice.key");
    assertEquals(0, run.timed("keygen", "--out", file.toString()), run.err.toString());
    String address = Address.of(KeyFile.read(file).publicKey()).toBech32m("timecoin-devnet");
    run.out.getBuffer().setLength(0);
    assertEquals(0, run.timed("keygen", "--show", file.toString()), run.err.toString());
    assertTrue(run.out.toString().contains("address:    " + address), run.out.toString());

    assertEquals(1, run.timed("keygen", "--show", tmp.resolve("bob.key").toString()));
    assertEquals(
        "timed keygen: " + tmp.resolve("bob.key") + ": no such key file",
        run.err.toString().strip());

    run.err.getBuffer().setLength(0);
    Files.writeString(tmp.resolve("junk.key"), "not a key\n");
    assertEquals(1, run.timed("keygen", "--show", tmp.resolve("junk.key").toString()));
    assertTrue(
        run.err
            .toString()
            .startsWith("timed keygen: " + tmp.resolve("junk.key") + " is not a key file"),
        run.err.toString());
    assertEquals(1, run.err.toString().strip().lines().count(), run.err.toString());

    assertEquals(2, run.timed("keygen")); // neither --out nor --show: picocli's usage error
  }
}
