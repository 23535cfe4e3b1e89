package io.timecoin.benchmarks.cluster;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.timecoin.cli.Main;
import io.timecoin.cli.StartCommand;
import io.timecoin.node.FailStop;
import io.timecoin.node.Logs;
import io.timecoin.node.Node;
import io.timecoin.proto.v1.GetStatusRequest;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.SubscribeFinalizedRequest;
import io.timecoin.proto.v1.SubscribeFinalizedResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The cluster benchmark (bin/bench): validators on 127.0.0.1 in this process, real gRPC between
 * them. For each network size, idle finalization latency, messages and bytes per block, against the
 * machine's verification bound and 3n² messages; finalized transfers per second at saturation,
 * catch-up and subscriber delivery against their limits; a validator's memory in its own process.
 * Every limit comes from the Ed25519 rate measured at the start of the same run.
 */
@Command(
    name = "bin/bench",
    description =
        "Run the cluster benchmark on 127.0.0.1 and print the figures (--write BENCHMARKS.md to keep them).")
public final class ClusterBench implements Callable<Integer> {
  /**
   * The fewest blocks a size's latency is taken from: a slow network gets up to 3 x --seconds to
   * reach them.
   */
  private static final int MIN_BLOCKS = 20;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Option(
      names = "--validators",
      defaultValue = "4",
      description =
          "Validators of the saturation and catch-up networks (default ${DEFAULT-VALUE}).")
  int validators;

  @Option(
      names = "--sizes",
      split = ",",
      defaultValue = "4,16,32",
      paramLabel = "N,N,...",
      description =
          "Measure idle latency and traffic with these many validators, one network each (default ${DEFAULT-VALUE};"
              + " 4,16,32,64,100 for all, a few minutes more on 2 cores; 0 skips).")
  List<Integer> sizes;

  @Option(
      names = "--seconds",
      defaultValue = "20",
      description = "How long each measurement runs (default ${DEFAULT-VALUE}).")
  int seconds;

  @Option(
      names = "--base-port",
      defaultValue = "27100",
      description = "Ports from here (default ${DEFAULT-VALUE}).")
  int basePort;

  @Option(
      names = "--catch-up-blocks",
      defaultValue = "10000",
      description =
          "How far behind the catching-up node starts, in blocks (default ${DEFAULT-VALUE}; 0 skips it).")
  long catchUpBlocks;

  @Option(
      names = "--subscribers",
      defaultValue = "10000",
      description =
          "Subscriptions to one node for the delivery measurement, on a network with 1 s blocks (default ${DEFAULT-VALUE}; 0 skips).")
  int subscribers;

  @Option(
      names = "--write",
      paramLabel = "FILE",
      description = "Also write the results, with how they were made, to FILE (BENCHMARKS.md).")
  Path write;

  @Option(
      names = "--no-load",
      description =
          "Leave out the saturation network (transfers per second, catch-up through its blocks).")
  boolean noLoad;

  @Option(
      names = "--no-memory",
      description = "Leave out the resident memory of validators in processes of their own.")
  boolean noMemory;

  @Option(names = "--log", description = "Keep the nodes' INFO log (proposals, blocks) on stderr.")
  boolean log;

  private final Report report = new Report();

  /** Ed25519 verifications per second on all cores, measured before any node runs. */
  private double verifyRate;

  public static void main(String[] args) {
    FailStop.installDefault(); // as timed: an Error on any thread ends the process, loudly
    System.exit(new CommandLine(new ClusterBench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    String loadBefore = Machine.loadAverage(); // before the bench loads the cores itself
    verifyRate = Machine.verificationsPerSecond();
    System.out.printf(
        "bench: %d cores, %.0f Ed25519 verifications/s on all of them; %d s per measurement%n",
        Machine.cores(), verifyRate, seconds);
    Logs.configure(false);
    if (!log) {
      Logger.getLogger("io.timecoin")
          .setLevel(Level.WARNING); // a log line per block would be the benchmark
    }
    for (int n : sizes) {
      if (n > 0) {
        size(n);
      }
    }
    if (!noLoad) {
      saturation();
    }
    if (catchUpBlocks > 0) {
      try (LocalNetwork net =
          LocalNetwork.start("timed-bench-catch-up", validators, otherPorts(), 0, 2)) {
        if (awaitHeight(net.nodes.get(0), catchUpBlocks)) {
          // The rest of the network stops, so the catching-up node does not share the cores with
          // validators finalizing 100 blocks a second in this same process (on a real network
          // they are other machines, and blocks come every few seconds): node-0 serves the blocks.
          net.stopAllButFirst();
          // Twice: the first time the JIT compiles the sync path while it runs (about 1.4 s of a
          // core on this machine, as much as the catch-up itself); the second is the node's rate.
          catchUp(
              net.nodes,
              net.home.resolve("node-" + validators),
              "of empty blocks, the network idle, first in this JVM");
          catchUp(
              net.nodes,
              net.home.resolve("node-" + (validators + 1)),
              "of empty blocks, the network idle, warm JVM");
        }
      }
    }
    if (!noMemory) {
      memory();
    }
    if (subscribers > 0) {
      subscriptions(subscribers);
    }
    report.print(
        Machine.line(loadBefore),
        "--sizes "
            + sizes.stream().map(String::valueOf).collect(Collectors.joining(","))
            + " --validators "
            + validators
            + " --seconds "
            + seconds
            + " --catch-up-blocks "
            + catchUpBlocks
            + " --subscribers "
            + subscribers
            + (noLoad ? " --no-load" : "")
            + (noMemory ? " --no-memory" : ""),
        write);
    return 0;
  }

  /** The ports of every network but the saturation's (one at a time). */
  private int otherPorts() {
    return basePort + 10 * (validators + 2);
  }

  /**
   * The signature verifications one height takes on this machine with {@code n} validators, each
   * verifying what it receives once: the proposal at the n-1 others; at each node the prepare and
   * the precommit of every other validator (its own are counted unverified); the certificate in the
   * next proposal finds every signature in the node's cache, so it adds none.
   */
  static long verificationsPerHeight(int n) {
    return (n - 1L) + 2L * n * (n - 1L);
  }

  /**
   * Idle latency and messages and bytes per finalized block with {@code n} validators, in a network
   * of their own.
   */
  private void size(int n) throws Exception {
    try (LocalNetwork net = LocalNetwork.start("timed-bench-" + n, n, otherPorts(), 0, 0)) {
      Node node = net.nodes.get(0);
      long started = System.nanoTime();
      Thread.sleep(5_000); // connections, JIT
      while (NodeProbe.finalizedHeight(node) < 3
          && System.nanoTime() - started < TimeUnit.MINUTES.toNanos(2)) {
        Thread.sleep(200);
      }
      NodeProbe.Traffic before = net.traffic();
      Window w = measureBlocks(node, seconds, MIN_BLOCKS);
      NodeProbe.Traffic sent = net.traffic().minus(before);
      int blocks = w.samples.count();
      long verifications = verificationsPerHeight(n);
      double boundMillis = verifications / verifyRate * 1e3;
      if (blocks == 0) {
        report.size(
            n,
            "-",
            "-",
            "0",
            "-",
            "-",
            "-",
            verifications,
            fixed(boundMillis),
            "no block finalized");
        return;
      }
      double messages = sent.messages() / (double) blocks;
      double p50 = w.samples.millis(0.5);
      report.size(
          n,
          fixed(p50),
          fixed(w.samples.millis(0.99)),
          fixed(blocks / w.seconds),
          String.format("%.0f", messages),
          ratio(messages / (3.0 * n * n)),
          fixed(sent.bytes() / 1024.0 / blocks),
          verifications,
          fixed(boundMillis),
          ratio(p50 / boundMillis));
    }
  }

  /**
   * Transfers per second at saturation, latencies under it, and catch-up through its blocks, on one
   * network of {@code validators}.
   */
  private void saturation() throws Exception {
    List<ManagedChannel> channels = new ArrayList<>();
    try (LocalNetwork net = LocalNetwork.start("timed-bench", validators, basePort, 0, 1)) {
      List<Node> nodes = net.nodes;
      for (Node n : nodes) {
        channels.add(
            NettyChannelBuilder.forTarget(n.clientEndpoint())
                .usePlaintext()
                .directExecutor()
                .build());
      }
      System.out.println(
          "bench: saturation, " + validators + " validators on 127.0.0.1, block_interval_ms 0");
      Thread.sleep(3_000); // warm up: connections, JIT
      double limit = verifyRate / validators;
      TransferSaturation load = new TransferSaturation(net.home, channels, nodes.get(0));
      load.prepare();
      Samples loaded = load.run(seconds);
      double tps = load.finalizedInWindow.get() / (double) seconds;
      report.row(
          "finalized transfers per second at saturation, " + validators + " validators",
          String.format("%.0f/s", tps),
          ratio(tps / limit) + " of the verification limit (target 0.6)",
          String.format(
              "limit %.0f/s: %.0f verifications/s on %d cores / %d validators",
              limit, verifyRate, Machine.cores(), validators));
      report.row(
          "submit to final, under saturation (client's view)",
          load.clientLatency.summary(),
          "-",
          load.clientLatency.count() + " transfers");
      report.row(
          "finalization latency under saturation (proposal to final)",
          loaded.summary(),
          "-",
          loaded.count() + " blocks");
      long rss = Machine.residentBytes();
      if (catchUpBlocks
          > 0) { // the chain so far holds the load's transfers: how fast a node catches up through
        // them
        catchUp(nodes, net.home.resolve("node-" + validators), "through the saturation's blocks");
      }
      report.row(
          "resident memory of this process",
          rss / (1 << 20) + " MB",
          "-",
          "all "
              + validators
              + " validators and the load generator: "
              + rss / (1 << 20) / validators
              + " MB per validator");
      channels.forEach(
          ManagedChannel::shutdownNow); // before the nodes stop: no stream ends in an error
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  /**
   * {@code count} SubscribeFinalized streams on node-0 of a 4-validator network with 1 s blocks (a
   * devnet's pace), over 20 connections: the delay from the block being stored on node-0 to its
   * arrival on each stream.
   */
  private void subscriptions(int count) throws Exception {
    List<ManagedChannel> channels = new ArrayList<>();
    try (LocalNetwork net =
        LocalNetwork.start("timed-bench-subscribers", 4, otherPorts(), 1_000, 0)) {
      Node node = net.nodes.get(0);
      Map<Long, Long> storedAt = new ConcurrentHashMap<>();
      NodeProbe.onFinalized(node, (height, nanos) -> storedAt.put(height, System.nanoTime()));
      for (int c = 0; c < 20; c++) {
        channels.add(NettyChannelBuilder.forTarget(node.clientEndpoint()).usePlaintext().build());
      }
      Samples delivery = new Samples();
      AtomicLong failed = new AtomicLong();
      long[] window = {Long.MAX_VALUE, Long.MAX_VALUE};
      for (int i = 0; i < count; i++) {
        NodeServiceGrpc.newStub(channels.get(i % channels.size()))
            .subscribeFinalized(
                SubscribeFinalizedRequest.getDefaultInstance(),
                new StreamObserver<>() {
                  @Override
                  public void onNext(SubscribeFinalizedResponse r) {
                    long now = System.nanoTime();
                    if (r.hasBlock() && now >= window[0] && now < window[1]) {
                      Long at = storedAt.get(r.getBlock().getBlock().getHeader().getHeight());
                      if (at != null) {
                        delivery.add(now - at);
                      }
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    failed.incrementAndGet();
                  }

                  @Override
                  public void onCompleted() {}
                });
      }
      Thread.sleep(5_000); // every stream open and caught up
      window[0] = System.nanoTime();
      window[1] = window[0] + TimeUnit.SECONDS.toNanos(seconds);
      Thread.sleep(seconds * 1_000L + 1_000);
      report.row(
          count + " SubscribeFinalized streams on one node, 1 s blocks",
          "delivery " + delivery.summary(),
          delivery.count() == 0
              ? "-"
              : ratio(delivery.millis(0.99) / 200) + " of 200 ms at p99 (target 1)",
          delivery.count()
              + " deliveries after the block was stored; "
              + failed.get()
              + " streams failed");
      channels.forEach(ManagedChannel::shutdownNow); // before the nodes stop
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  /**
   * Resident memory of a validator at steady state: {@code validators} validators, each in a
   * process of its own started as bin/timed starts one ({@link StartCommand#JVM_OPTIONS}),
   * finalizing back to back (block_interval_ms 0); after 20 s of warm-up, VmRSS of every process
   * once a second for {@code seconds} s.
   */
  private void memory() throws Exception {
    Path home = Files.createTempDirectory("timed-bench-memory");
    int base = otherPorts();
    List<Process> processes = new ArrayList<>();
    try {
      LocalNetwork.init(home, validators, base, 0, 0);
      String java = ProcessHandle.current().info().command().orElse("java");
      String classPath = System.getProperty("java.class.path");
      for (int i = 0; i < validators; i++) {
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(StartCommand.JVM_OPTIONS);
        command.addAll(
            List.of(
                "-cp",
                classPath,
                Main.class.getName(),
                "start",
                "--home",
                home.resolve("node-" + i).toString()));
        ProcessBuilder pb =
            new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("node-" + i + ".log").toFile());
        pb.environment().put("MALLOC_ARENA_MAX", "2"); // as bin/timed sets it
        processes.add(pb.start());
      }
      System.out.println(
          "  memory: " + validators + " validators in processes of their own, 20 s of warm-up");
      Thread.sleep(20_000);
      ManagedChannel channel =
          NettyChannelBuilder.forTarget("127.0.0.1:" + (base + 1)).usePlaintext().build();
      try {
        long h0 = height(channel);
        long max = 0;
        long sum = 0;
        int samples = 0;
        for (int s = 0; s < seconds; s++) {
          for (Process p : processes) {
            long rss = Machine.residentBytes(p.pid());
            max = Math.max(max, rss);
            sum += rss;
            samples++;
          }
          Thread.sleep(1_000);
        }
        long h1 = height(channel);
        report.row(
            "resident memory of a validator in its own process",
            "max " + max / (1 << 20) + " MB",
            "-",
            String.format(
                "mean %d MB over %d validators sampled every second for %d s after 20 s, finalizing %.0f blocks/s "
                    + "back to back; JVM options %s",
                sum / samples / (1 << 20),
                validators,
                seconds,
                (h1 - h0) / (double) seconds,
                String.join(" ", StartCommand.JVM_OPTIONS)));
      } finally {
        channel.shutdownNow();
      }
    } finally {
      for (Process p : processes) {
        p.destroy();
      }
      for (Process p : processes) {
        p.waitFor(10, TimeUnit.SECONDS);
        p.destroyForcibly();
      }
      LocalNetwork.deleteTree(home);
    }
  }

  private static long height(ManagedChannel channel) {
    return NodeServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .getStatus(GetStatusRequest.getDefaultInstance())
        .getFinalizedHeight();
  }

  /**
   * Waits for {@code node} to reach {@code height}; false (and a row saying so) after 10 minutes.
   */
  private boolean awaitHeight(Node node, long height) throws InterruptedException {
    long waitStart = System.nanoTime();
    System.out.println("  building a chain of " + height + " blocks for the catch-up");
    while (NodeProbe.finalizedHeight(node) < height) {
      Thread.sleep(200);
      if (System.nanoTime() - waitStart > TimeUnit.MINUTES.toNanos(10)) {
        report.row(
            "catch-up",
            "not measured",
            "-",
            "the chain did not reach " + height + " blocks in 10 minutes");
        return false;
      }
    }
    return true;
  }

  /**
   * A node that has only the genesis block (a standby node of the network) starts and syncs the
   * chain of {@code nodes}: blocks (and transfers) per second from its first block stored to the
   * last, every certificate checked and block executed; against the verification limit, the
   * signatures it verified (counted from the chain afterwards) over the machine's rate.
   */
  private void catchUp(List<Node> nodes, Path standby, String what) throws Exception {
    long behind = NodeProbe.finalizedHeight(nodes.get(0));
    long start = System.nanoTime();
    AtomicLong first = new AtomicLong();
    long end;
    long blocks;
    try (Node late = Node.start("catch-up", standby)) {
      NodeProbe.onFinalized(late, (height, nanos) -> first.compareAndSet(0, System.nanoTime()));
      while (NodeProbe.finalizedHeight(late) < behind
          && System.nanoTime() - start < TimeUnit.MINUTES.toNanos(10)) {
        Thread.sleep(5);
      }
      end = System.nanoTime();
      blocks = NodeProbe.finalizedHeight(late);
    }
    double seconds = (end - first.get()) / 1e9;
    ChainCount chain =
        ChainCount.read(
            nodes.get(0).clientEndpoint(), blocks); // after the measurement: not in its way
    double verifying =
        chain.signatures()
            / verifyRate; // the seconds its signatures take this machine at the least
    report.row(
        "catch-up of a node " + behind + " blocks behind, " + what,
        String.format("%.0f blocks/s", (blocks - 1) / seconds),
        ratio(verifying / seconds) + " of the verification limit (target 0.8)",
        String.format(
            "%d blocks, %d transfers (%.0f/s) in %.2f s after the first block (%.2f s from start); %d signatures"
                + " verified: the limit is %.0f blocks/s; every block executed",
            blocks,
            chain.transfers(),
            chain.transfers() / seconds,
            seconds,
            (end - start) / 1e9,
            chain.signatures(),
            blocks / verifying));
  }

  /**
   * The latencies of the blocks {@code node} stores in {@code seconds}, or longer (up to 3x) until
   * it stored {@code minBlocks}.
   */
  private static Window measureBlocks(Node node, int seconds, int minBlocks)
      throws InterruptedException {
    Samples s = new Samples();
    AtomicLong end = new AtomicLong(Long.MAX_VALUE);
    long start = System.nanoTime();
    NodeProbe.onFinalized(
        node,
        (height, nanos) -> {
          if (System.nanoTime() < end.get()) {
            s.add(nanos);
          }
        });
    long least = start + TimeUnit.SECONDS.toNanos(seconds);
    long most = start + TimeUnit.SECONDS.toNanos(3L * seconds);
    long now;
    while ((now = System.nanoTime()) < least || (s.count() < minBlocks && now < most)) {
      Thread.sleep(50);
    }
    end.set(now);
    return new Window(s, (now - start) / 1e9);
  }

  private record Window(Samples samples, double seconds) {}

  private static String fixed(double v) {
    return String.format("%.1f", v);
  }

  private static String ratio(double v) {
    return String.format("%.2f", v);
  }
}
