package io.timecoin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.timecoin.proto.v1.GetStatusRequest;
import io.timecoin.proto.v1.NodeServiceGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code timed devnet --processes}: four validators, each its own process; node 3 stopped with
 * {@code devnet stop-node 3}, the other three go on finalizing; started again with {@code
 * start-node 3}, it catches up; Ctrl-C (SIGTERM) of the devnet stops every node.
 */
class DevnetProcessesTest {
  private static final String JAVA =
      Path.of(System.getProperty("java.home"), "bin", "java").toString();

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void oneValidatorStopsTheOthersGoOnAndItCatchesUp(@TempDir Path dir) throws Exception {
    String jar = System.getProperty("timed.jar");
    Path home = dir.resolve("devnet");
    int base = io.timecoin.attack.LocalCluster.freeBase(4);
    Path console = dir.resolve("console.txt");
    Process devnet =
        new ProcessBuilder(
                JAVA,
                "-Xmx128m",
                "-jar",
                jar,
                "devnet",
                "--processes",
                "--home",
                home.toString(),
                "--base-port",
                Integer.toString(base),
                "--block-interval-ms",
                "250")
            .redirectErrorStream(true)
            .redirectOutput(console.toFile())
            .start();
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        channels.add(
            NettyChannelBuilder.forAddress("127.0.0.1", base + 10 * i + 1).usePlaintext().build());
      }
      long h0 = awaitHeight(channels.get(0), h -> h >= 3, 40, console);
      assertTrue(Files.isRegularFile(home.resolve("node-3").resolve("timed.pid")));

      assertEquals(0, timed(jar, "devnet", "stop-node", "3", "--home", home.toString()));
      assertFalse(Files.exists(home.resolve("node-3").resolve("timed.pid")));
      assertEquals(-1, height(channels.get(3)), "node-3 still answers");
      long stoppedAt = height(channels.get(0));
      // three of four are more than 2/3 of the weight: the chain goes on without node 3
      awaitHeight(channels.get(0), h -> h >= stoppedAt + 3, 20, console);
      assertEquals(
          1,
          timed(jar, "devnet", "stop-node", "3", "--home", home.toString()),
          "stopping a stopped node");

      assertEquals(0, timed(jar, "devnet", "start-node", "3", "--home", home.toString()));
      long tip = height(channels.get(0));
      awaitHeight(channels.get(3), h -> h >= tip, 30, console);
      assertTrue(h0 > 0);
      String lines = Files.readString(console);
      assertTrue(lines.contains("node-3 is down"), lines);
      assertTrue(lines.contains("signers 3/4"), lines);
    } finally {
      devnet.destroy(); // SIGTERM, as Ctrl-C: the devnet stops its nodes
      boolean ended = devnet.waitFor(30, TimeUnit.SECONDS);
      channels.forEach(ManagedChannel::shutdownNow);
      for (int i = 0; i < 4; i++) {
        Path pid = home.resolve("node-" + i).resolve("timed.pid");
        if (Files.exists(pid)) {
          ProcessHandle.of(Long.parseLong(Files.readString(pid).strip()))
              .ifPresent(ProcessHandle::destroyForcibly);
        }
      }
      assertTrue(ended, "the devnet did not stop");
    }
    for (int i = 0; i < 4; i++) {
      assertFalse(
          Files.exists(home.resolve("node-" + i).resolve("timed.pid")),
          "node-" + i + " left running");
    }
    assertTrue(Files.readString(console).contains("devnet stopped at height"));
  }

  private static int timed(String jar, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx64m", "-jar", jar));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    int code = p.waitFor();
    System.out.println("timed " + String.join(" ", args) + " -> " + code + ": " + out.strip());
    return code;
  }

  /** The node's finalized height, or -1 when it does not answer. */
  private static long height(ManagedChannel c) {
    try {
      return NodeServiceGrpc.newBlockingStub(c)
          .withDeadlineAfter(1, TimeUnit.SECONDS)
          .getStatus(GetStatusRequest.getDefaultInstance())
          .getFinalizedHeight();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private static long awaitHeight(ManagedChannel c, LongPredicate ok, int seconds, Path console)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    long h = -1;
    while (System.nanoTime() < deadline) {
      h = height(c);
      if (ok.test(h)) {
        return h;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "height " + h + " after " + seconds + " s; console:\n" + Files.readString(console));
  }
}
