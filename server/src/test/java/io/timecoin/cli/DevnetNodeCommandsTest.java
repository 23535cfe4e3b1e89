package io.timecoin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * devnet stop-node / start-node answer a mistake in one line with a non-zero exit (the processes
 * themselves: DevnetProcessesTest).
 */
class DevnetNodeCommandsTest {
  @Test
  void aNodeThatIsNotThereOrNotRunning(@TempDir Path dir) {
    Path home = dir.resolve("net");
    TimedRun init = new TimedRun();
    assertEquals(
        0,
        init.timed("init", "--validators", "4", "--home", home.toString(), "--base-port", "39400"),
        init.err.toString());

    TimedRun missing = new TimedRun();
    assertEquals(1, missing.timed("devnet", "stop-node", "7", "--home", home.toString()));
    assertEquals(
        "timed stop-node: no node-7 in " + home + " (it holds node-0, node-1, node-2, node-3)",
        missing.err.toString().strip());

    TimedRun notRunning = new TimedRun();
    assertEquals(1, notRunning.timed("devnet", "stop-node", "2", "--home", home.toString()));
    assertEquals("timed stop-node: node-2 is not running", notRunning.err.toString().strip());

    TimedRun noDevnet = new TimedRun();
    assertEquals(
        1,
        noDevnet.timed("devnet", "start-node", "0", "--home", dir.resolve("nothing").toString()));
    assertTrue(noDevnet.err.toString().contains("holds no devnet"), noDevnet.err.toString());

    // from classes, not timed.jar: refused in one line rather than starting something else
    TimedRun fromClasses = new TimedRun();
    assertEquals(1, fromClasses.timed("devnet", "start-node", "0", "--home", home.toString()));
    assertTrue(
        fromClasses.err.toString().contains("runs from timed.jar"), fromClasses.err.toString());
  }
}
