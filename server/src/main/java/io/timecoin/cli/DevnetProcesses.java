package io.timecoin.cli;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.timecoin.node.config.HostPort;
import io.timecoin.node.config.NodeConfig;
import io.timecoin.proto.v1.GetBlockRequest;
import io.timecoin.proto.v1.GetBlockResponse;
import io.timecoin.proto.v1.GetStatusRequest;
import io.timecoin.proto.v1.NodeServiceGrpc;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The devnet's validators as processes of their own ({@code timed devnet --processes}): each a
 * {@code java -jar timed.jar start --home devnet/node-N} with {@link StartCommand#JVM_OPTIONS}, its
 * output in its home's timed.log and its pid in its home's timed.pid, so that one can be stopped
 * ({@code timed devnet stop-node N}) while the others go on finalizing.
 */
final class DevnetProcesses {
  static final String PID_FILE = "timed.pid";

  private DevnetProcesses() {}

  /**
   * The jar this code runs from (timed.jar); a user error when it runs from classes (an IDE,
   * tests).
   */
  static Path jar() {
    try {
      Path p =
          Path.of(
              DevnetProcesses.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (Files.isRegularFile(p) && p.toString().endsWith(".jar")) {
        return p;
      }
    } catch (URISyntaxException | RuntimeException e) {
      // falls through
    }
    throw new CliCommand.UserError(
        "a node process runs from timed.jar, and this is not it: run bin/timed (or java -jar"
            + " server/target/timed.jar)");
  }

  /** Starts the validator of {@code home} as a process of its own; refuses when one runs there. */
  static long start(Path home, boolean verbose, String webListen) throws IOException {
    home = home.toAbsolutePath().normalize(); // the pid check below finds it in the command line
    String refused = StartCommand.refusal(home);
    if (refused != null) {
      throw new CliCommand.UserError(refused);
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(StartCommand.JVM_OPTIONS);
    cmd.addAll(List.of("-jar", jar().toString(), "start", "--home", home.toString()));
    if (verbose) {
      cmd.add("--verbose");
    }
    if (webListen.isEmpty()) {
      cmd.add("--no-web");
    } else {
      cmd.addAll(
          List.of(
              "--web-port",
              Integer.toString(io.timecoin.node.config.HostPort.parse(webListen).port())));
    }
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(home.resolve(DevnetCommand.LOG_FILE).toFile()));
    long pid = pb.start().pid();
    Files.writeString(home.resolve(PID_FILE), pid + "\n");
    return pid;
  }

  /**
   * The running validator process of {@code home}: the pid file's, when that process still runs.
   */
  static Optional<ProcessHandle> running(Path home) throws IOException {
    Path file = home.resolve(PID_FILE);
    String path = home.toAbsolutePath().normalize().toString();
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    long pid;
    try {
      pid = Long.parseLong(Files.readString(file).strip());
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    // a pid is reused once its process ended: only a process started on this home counts
    return ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().map(c -> c.contains(path)).orElse(true));
  }

  /**
   * Stops the validator of {@code home} (SIGTERM, then SIGKILL after 10 s); false when none ran.
   */
  static boolean stop(Path home) throws IOException {
    Optional<ProcessHandle> p = running(home);
    Files.deleteIfExists(home.resolve(PID_FILE));
    if (p.isEmpty()) {
      return false;
    }
    p.get().destroy();
    try {
      p.get().onExit().get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      p.get().destroyForcibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      // ended anyway
    }
    return true;
  }

  /** The home of node N in the devnet folder, or a one-line refusal naming the nodes there. */
  static Path nodeHome(Path devnet, int n) throws IOException {
    Path home = devnet.resolve("node-" + n);
    if (!Files.isRegularFile(home.resolve(NodeConfig.FILE_NAME))) {
      List<Path> nodes = Homes.nodeFolders(devnet);
      throw new CliCommand.UserError(
          nodes.isEmpty()
              ? devnet + " holds no devnet (run timed devnet first)"
              : "no node-" + n + " in " + devnet + " (it holds " + Homes.names(nodes) + ")");
    }
    return home;
  }

  /**
   * The console of a devnet of processes: asks every node's status a few times a second and prints
   * the line per block from whichever is ahead, and a line when a node stops or comes back.
   */
  static final class Console implements AutoCloseable {
    private final PrintWriter out;
    private final List<Path> homes;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final long[] heights;
    private final int validators;
    private long printed = -1;

    Console(PrintWriter out, List<Path> homes, int validators) throws IOException {
      this.out = out;
      this.homes = homes;
      this.validators = validators;
      this.heights = new long[homes.size()];
      for (Path h : homes) {
        HostPort client =
            HostPort.parse(NodeConfig.read(h.resolve(NodeConfig.FILE_NAME)).clientListen());
        channels.add(
            NettyChannelBuilder.forAddress("127.0.0.1", client.port())
                .usePlaintext()
                .maxInboundMessageSize(16 << 20)
                .build());
      }
      java.util.Arrays.fill(heights, -2); // not asked yet
    }

    String endpoint(int i) throws IOException {
      return NodeConfig.read(homes.get(i).resolve(NodeConfig.FILE_NAME)).clientListen();
    }

    /** One round of questions; prints what is new. */
    void poll() {
      int ahead = -1;
      for (int i = 0; i < channels.size(); i++) {
        long h;
        try {
          h =
              NodeServiceGrpc.newBlockingStub(channels.get(i))
                  .withDeadlineAfter(500, TimeUnit.MILLISECONDS)
                  .getStatus(GetStatusRequest.getDefaultInstance())
                  .getFinalizedHeight();
        } catch (RuntimeException e) {
          h = -1;
        }
        String name = homes.get(i).getFileName().toString();
        if (h < 0 && heights[i] >= 0) {
          out.println(name + " is down (the others go on while more than 2/3 of the weight signs)");
        } else if (h >= 0 && heights[i] == -1) {
          out.println(name + " is up, at height " + h);
        }
        heights[i] = h;
        if (h >= 0 && (ahead < 0 || h > heights[ahead])) {
          ahead = i;
        }
      }
      if (ahead < 0) {
        return;
      }
      long top = heights[ahead];
      long from =
          printed < 0 ? top : printed + 1; // on (re)start, from the tip: no flood of old heights
      for (long height = Math.max(1, from); height <= top; height++) {
        try {
          GetBlockResponse b =
              NodeServiceGrpc.newBlockingStub(channels.get(ahead))
                  .withDeadlineAfter(1, TimeUnit.SECONDS)
                  .getBlock(GetBlockRequest.newBuilder().setHeight(height).build());
          out.println(
              String.format(
                  "%s height %-6d round %d  signers %d/%d  paid %d/%d  txs %d",
                  java.time.LocalTime.now().withNano(0),
                  height,
                  b.getCertificate().getRound(),
                  b.getCertificate().getSignaturesCount(),
                  validators,
                  b.getBlock().getBody().getLastCertificate().getSignaturesCount(),
                  validators,
                  b.getBlock().getBody().getTransactionsCount() - 1));
        } catch (RuntimeException e) {
          break; // asked again at the next poll
        }
        printed = height;
      }
      if (printed < 0) {
        printed = top;
      }
      out.flush();
    }

    /** The highest finalized height any node showed at the last poll. */
    long height() {
      long max = 0;
      for (long h : heights) {
        max = Math.max(max, h);
      }
      return max;
    }

    @Override
    public void close() {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }
}
