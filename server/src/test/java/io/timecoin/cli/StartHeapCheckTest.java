package io.timecoin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.node.Node;
import io.timecoin.node.config.GenesisFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * timed start refuses a heap too small for the genesis limits, before it opens anything;
 * bin/timed's heap is enough.
 */
class StartHeapCheckTest {
  @TempDir Path tmp;

  /** Prints the heap this JVM may use. */
  public static final class MaxMemory {
    public static void main(String[] args) {
      System.out.println(Runtime.getRuntime().maxMemory());
    }
  }

  private static String[] java(List<String> options, String... rest) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(options);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.addAll(List.of(rest));
    return command.toArray(String[]::new);
  }

  private static String run(int expectedStatus, String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(expectedStatus, p.exitValue(), out);
    return out;
  }

  @Test
  @Timeout(60)
  void aHeapTooSmallForTheGenesisIsRefusedWithTheNumbers() throws Exception {
    TimedRun init = new TimedRun();
    assertEquals(
        0, init.timed("init", "--validators", "1", "--home", tmp.toString()), init.err.toString());
    Path home = tmp.resolve("node-0");
    String out =
        run(1, java(List.of("-Xmx64m"), Main.class.getName(), "start", "--home", home.toString()));
    assertTrue(out.contains("timed start: genesis max_block_bytes 4194304"), out);
    assertTrue(out.contains("needs a heap of at least 244 MiB; this JVM has"), out);
    assertTrue(out.contains("(-Xmx): start it with -Xmx244m or more"), out);
    Path data = io.timecoin.node.config.NodeConfig.read(home.resolve("config.json")).dataDir(home);
    assertTrue(!Files.exists(data.resolve("chain")), "refused before the chain store is opened");
  }

  @Test
  @Timeout(60)
  void theHeapBinTimedGivesAValidatorHoldsTheDefaultBudget() throws Exception {
    TimedRun init = new TimedRun();
    assertEquals(
        0, init.timed("init", "--validators", "1", "--home", tmp.toString()), init.err.toString());
    long heap =
        Long.parseLong(run(0, java(StartCommand.JVM_OPTIONS, MaxMemory.class.getName())).trim());
    long needed =
        Node.memoryBudget(GenesisFile.read(tmp.resolve("genesis.json"))).requiredHeapBytes();
    assertTrue(
        needed <= heap,
        needed + " bytes needed, " + heap + " in the heap of " + StartCommand.JVM_OPTIONS);
  }
}
