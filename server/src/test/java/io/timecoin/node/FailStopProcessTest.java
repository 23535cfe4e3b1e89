package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.cli.StartCommand;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Fail-stop as a process sees it: the JVM ends, non-zero, with one SEVERE line; it never lives on
 * half-dead.
 */
class FailStopProcessTest {
  /** A process of its own: installs the node's policy, then fails as the first argument says. */
  public static final class Probe {
    public static void main(String[] args) throws Exception {
      Logs.configure(false);
      FailStop.installDefault();
      switch (args[0]) {
        case "thread-error" -> DaemonThreads.named("tx-verify").newThread(() -> recurse(0)).start();
        case "consensus-error" -> {
          ConsensusLoop loop =
              new ConsensusLoop(
                  ConsensusLoopTest.engine(),
                  (input, outcome) -> {
                    throw new OutOfMemoryError("Java heap space (thrown by the test)");
                  },
                  1_000,
                  1L << 20,
                  FailStop.HALT);
          loop.start();
        }
        case "heap" ->
            DaemonThreads.named("consensus")
                .newThread(
                    () -> {
                      List<byte[]> hog = new ArrayList<>();
                      try {
                        while (true) {
                          hog.add(new byte[1 << 20]);
                        }
                      } catch (
                          OutOfMemoryError
                              e) { // what a thread that catches Throwable would do: live on
                        hog.clear();
                        System.out.println("survived an OutOfMemoryError");
                      }
                    })
                .start();
        default -> throw new IllegalArgumentException(args[0]);
      }
      Thread.sleep(
          3_000); // the main thread lives on, as a node's does: only fail-stop ends the process
      System.out.println("still running");
      System.exit(0);
    }

    @SuppressWarnings("InfiniteRecursion") // the point: a StackOverflowError on a node's thread
    private static int recurse(int depth) {
      return recurse(depth + 1) + 1;
    }
  }

  private record Run(int status, String output) {}

  private static Run run(List<String> jvmOptions, String mode) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Probe.class.getName());
    command.add(mode);
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  private static long severeLines(String output) {
    return output.lines().filter(l -> l.contains(" SEVERE ")).count();
  }

  @Test
  @Timeout(60)
  void anErrorOnANodeThreadEndsTheProcessWithOneSevereLine() throws Exception {
    Run r = run(List.of("-Xmx64m"), "thread-error");
    assertEquals(FailStop.EXIT_STATUS, r.status(), r.output());
    assertEquals(1, severeLines(r.output()), r.output());
    assertTrue(
        r.output().contains("fatal: uncaught StackOverflowError on thread tx-verify-1"),
        r.output());
    assertTrue(!r.output().contains("still running"), r.output());
  }

  @Test
  @Timeout(60)
  void anErrorOnTheConsensusThreadEndsTheProcess() throws Exception {
    Run r = run(List.of("-Xmx64m"), "consensus-error");
    assertEquals(FailStop.EXIT_STATUS, r.status(), r.output());
    assertEquals(1, severeLines(r.output()), r.output());
    assertTrue(r.output().contains("fatal: consensus failed on Start"), r.output());
  }

  @Test
  @Timeout(60)
  void aValidatorStartedAsBinTimedStartsItEndsOnOutOfMemoryEvenIfTheThreadCatchesIt()
      throws Exception {
    Run r = run(StartCommand.JVM_OPTIONS, "heap");
    assertNotEquals(0, r.status(), r.output());
    assertTrue(
        !r.output().contains("survived") && !r.output().contains("still running"), r.output());
    assertTrue(r.output().contains("OutOfMemoryError"), r.output());
  }
}
