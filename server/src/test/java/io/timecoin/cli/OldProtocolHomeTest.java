package io.timecoin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.node.config.GenesisFile;
import io.timecoin.node.config.NodeConfig;
import io.timecoin.storage.V1Stores;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A home whose chain store holds a protocol v1 chain (no protocol marker) is refused by timed start
 * and timed devnet with one line that says what to do, and a non-zero status: no stack trace.
 */
class OldProtocolHomeTest {
  @TempDir Path tmp;

  /**
   * Runs timed in a JVM of its own, as bin/timed does; returns its status and everything it
   * printed.
   */
  private static Object[] timed(String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(StartCommand.JVM_OPTIONS);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Object[] {p.exitValue(), out};
  }

  private static void makeV1(Path home) throws Exception {
    Path data = NodeConfig.read(home.resolve(NodeConfig.FILE_NAME)).dataDir(home);
    V1Stores.make(data.resolve("chain"), GenesisFile.read(home.resolve("genesis.json")));
  }

  @Test
  @Timeout(120)
  void startAndDevnetRefuseAV1HomeWithOneLine() throws Exception {
    TimedRun init = new TimedRun();
    assertEquals(
        0, init.timed("init", "--validators", "1", "--home", tmp.toString()), init.err.toString());
    Path home = tmp.resolve("node-0");
    makeV1(home);

    Object[] start = timed("start", "--home", home.toString());
    String line =
        "timed start: this home ("
            + home
            + ") holds a protocol v1 chain (blocks before protocol v2);"
            + " recreate it: delete "
            + home
            + " or use another --home"
            + System.lineSeparator();
    assertEquals(1, start[0], (String) start[1]);
    assertEquals(line, start[1]);

    Object[] devnet = timed("devnet", "--home", tmp.toString());
    assertEquals(1, devnet[0], (String) devnet[1]);
    String devnetLine =
        "timed devnet: this home ("
            + tmp
            + ") holds a protocol v1 chain (blocks before protocol v2);"
            + " recreate it: delete "
            + tmp
            + " or use another --home"
            + System.lineSeparator();
    assertEquals(
        "resuming the devnet in "
            + tmp.toAbsolutePath()
            + " (delete it to start over)"
            + System.lineSeparator()
            + devnetLine,
        devnet[1]);
  }
}
