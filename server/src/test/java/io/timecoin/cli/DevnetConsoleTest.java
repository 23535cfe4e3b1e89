package io.timecoin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.node.Logs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The devnet's console line per block, and its logs: each node's lines in its own file, all in one.
 */
class DevnetConsoleTest {
  @TempDir Path tmp;

  @Test
  void oneLinePerBlockSaysHeightRoundSignersTxsAndLatency() {
    String line = DevnetCommand.BlockLine.line(12, 0, 3, 4, 4, 1, 17);
    assertTrue(
        line.matches(
            "\\d\\d:\\d\\d:\\d\\d height 12     round 0  signers 3/4  paid 4/4  txs 1       17 ms"),
        line);
    assertEquals(3, DevnetCommand.quorum(4));
    assertEquals(5, DevnetCommand.quorum(7));
    assertEquals(1, DevnetCommand.quorum(1));
  }

  @Test
  void eachNodesLinesGoToItsOwnFile() throws Exception {
    Map<String, Path> files = new LinkedHashMap<>();
    files.put("node-1", tmp.resolve("node-1/timed.log"));
    files.put("node-10", tmp.resolve("node-10/timed.log"));
    try {
      Logs.configureFiles(false, tmp.resolve("timed.log"), files);
      Logger log = Logger.getLogger("io.timecoin.node.Test");
      log.info("node-1 peer connected: 127.0.0.1:24100/abcd");
      log.info("node-10 block final: height 3");
      log.fine("node-1 a vote (not logged without -v)");
      log.info("a library's line");
    } finally {
      LogManager.getLogManager()
          .readConfiguration(); // back to the JVM's defaults for the other tests
    }
    String one = Files.readString(files.get("node-1"));
    String ten = Files.readString(files.get("node-10"));
    String all = Files.readString(tmp.resolve("timed.log"));
    assertEquals(1, one.lines().count(), one);
    assertTrue(one.contains("INFO    node-1 peer connected"), one);
    assertEquals(1, ten.lines().count(), ten);
    assertTrue(ten.contains("node-10 block final"), ten);
    assertEquals(3, all.lines().count(), all);
  }
}
