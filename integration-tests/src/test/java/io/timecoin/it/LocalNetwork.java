package io.timecoin.it;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.timecoin.cli.TimedCommand;
import io.timecoin.proto.v1.GetStatusRequest;
import io.timecoin.proto.v1.GetStatusResponse;
import io.timecoin.proto.v1.NodeServiceGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * Real validators, each a separate `java -jar timed.jar start` process on 127.0.0.1, made by `timed
 * init` in a temporary directory. Stops them all on close.
 */
final class LocalNetwork implements AutoCloseable {
  final Path home;
  final int basePort;
  final int validators;
  private final List<Process> processes = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  private final boolean tls;

  LocalNetwork(Path home, int validators, long blockIntervalMs) throws IOException {
    this(home, validators, blockIntervalMs, false);
  }

  LocalNetwork(Path home, int validators, long blockIntervalMs, boolean tls) throws IOException {
    this(home, validators, blockIntervalMs, tls, 0);
  }

  /**
   * With {@code standby} more nodes (node-V ..), not in the genesis set, their owners funded with a
   * collateral each.
   */
  LocalNetwork(Path home, int validators, long blockIntervalMs, boolean tls, int standby)
      throws IOException {
    this.home = home;
    this.validators = validators;
    this.tls = tls;
    this.basePort = io.timecoin.attack.LocalCluster.freeBase(validators + standby);
    List<String> args =
        new ArrayList<>(
            List.of(
                "init",
                "--validators",
                Integer.toString(validators),
                "--standby",
                Integer.toString(standby),
                "--home",
                home.toString(),
                "--base-port",
                Integer.toString(basePort),
                "--block-interval-ms",
                Long.toString(blockIntervalMs)));
    if (tls) {
      args.add("--tls");
    }
    int code = new CommandLine(new TimedCommand()).execute(args.toArray(String[]::new));
    if (code != 0) {
      throw new IllegalStateException("timed init failed: " + code);
    }
  }

  /** Starts node i of this network (or of another home) as its own process, logging to its home. */
  Process start(Path nodeHome) throws IOException {
    String jar = System.getProperty("timed.jar");
    ProcessBuilder pb =
        new ProcessBuilder(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-jar",
                jar,
                "start",
                "--home",
                nodeHome.toString()));
    pb.redirectErrorStream(true);
    pb.redirectOutput(nodeHome.resolve("node.log").toFile());
    Process p = pb.start();
    processes.add(p);
    return p;
  }

  void startAll() throws IOException {
    for (int i = 0; i < validators; i++) {
      start(nodeHome(i));
    }
  }

  /** The process of node i (started by startAll, in order). */
  Process process(int i) {
    return processes.get(i);
  }

  /** Replaces node i's process record after a restart. */
  Process restart(int i) throws IOException {
    Process p = start(nodeHome(i));
    processes.set(i, p);
    processes.remove(processes.size() - 1);
    return p;
  }

  Path nodeHome(int i) {
    return home.resolve("node-" + i);
  }

  String log(Path nodeHome) throws IOException {
    return Files.readString(nodeHome.resolve("node.log"));
  }

  NodeServiceGrpc.NodeServiceBlockingStub client(int i) throws IOException {
    return NodeServiceGrpc.newBlockingStub(channel(i));
  }

  /** A channel to node i's client port (closed with the network). */
  ManagedChannel channel(int i) throws IOException {
    NettyChannelBuilder b = NettyChannelBuilder.forAddress("127.0.0.1", basePort + 10 * i + 1);
    ManagedChannel c =
        (tls
                ? b.sslContext(
                    io.timecoin.node.tls.TlsContexts.client(nodeHome(i).resolve("tls/ca.pem")))
                : b.usePlaintext())
            .build();
    channels.add(c);
    return c;
  }

  /** GetStatus, or null while the node is not up yet. */
  static GetStatusResponse status(NodeServiceGrpc.NodeServiceBlockingStub stub) {
    try {
      return stub.withDeadlineAfter(2, TimeUnit.SECONDS)
          .getStatus(GetStatusRequest.getDefaultInstance());
    } catch (StatusRuntimeException e) {
      return null;
    }
  }

  /** The lowest finalized height among these nodes (0 for a node that does not answer). */
  static long lowestHeight(List<NodeServiceGrpc.NodeServiceBlockingStub> clients) {
    long lowest = Long.MAX_VALUE;
    for (var c : clients) {
      GetStatusResponse s = status(c);
      lowest = Math.min(lowest, s == null ? 0 : s.getFinalizedHeight());
    }
    return lowest;
  }

  /** The highest finalized height among these nodes. */
  static long highestHeight(List<NodeServiceGrpc.NodeServiceBlockingStub> clients) {
    long highest = 0;
    for (var c : clients) {
      GetStatusResponse s = status(c);
      highest = Math.max(highest, s == null ? 0 : s.getFinalizedHeight());
    }
    return highest;
  }

  /** Waits until every node has finalized {@code height}; fails after {@code seconds}. */
  static void awaitHeight(
      List<NodeServiceGrpc.NodeServiceBlockingStub> clients, long height, int seconds)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + seconds * 1_000L;
    long lowest = lowestHeight(clients);
    while (lowest < height && System.currentTimeMillis() < deadline) {
      Thread.sleep(300);
      lowest = lowestHeight(clients);
    }
    if (lowest < height) {
      throw new AssertionError(
          "not every node reached height "
              + height
              + " in "
              + seconds
              + " s (lowest "
              + lowest
              + ")");
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (Process p : processes) {
      p.destroy();
    }
    for (Process p : processes) {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }
}
