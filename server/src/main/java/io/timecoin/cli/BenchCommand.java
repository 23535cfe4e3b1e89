package io.timecoin.cli;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.node.Node;
import io.timecoin.node.NodeStatus;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.SubmitTransactionRequest;
import io.timecoin.proto.v1.SubmitTransactionsRequest;
import io.timecoin.proto.v1.SubmitTransactionsResponse;
import io.timecoin.proto.v1.SubscribeFinalizedRequest;
import io.timecoin.proto.v1.SubscribeFinalizedResponse;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Fees;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * timed bench: validators on 127.0.0.1 in this process, real gRPC between them, block_interval_ms 0,
 * and a load generator that signs and submits real transfers. Prints p50, p99 and max of
 * finalization latency (proposal to final, idle and under load; submit to final as a client sees it),
 * finalized transfers per second at saturation against the machine's signature-verification limit
 * measured in the same run, and the resident memory. {@code --write FILE} also writes the table.
 */
@Command(name = "bench", description = "Run the cluster benchmark on 127.0.0.1 and print the figures.")
public final class BenchCommand implements Callable<Integer> {
  private static final int FAN_OUT_TXS = 50;
  private static final int OUTPUTS_PER_FAN_OUT = 400;
  /** Transfers submitted and not yet final, at most: a closed loop, so the queues stay bounded. */
  private static final int IN_FLIGHT = 4_000;
  /** Seconds of load before the throughput window opens. */
  private static final int LOAD_WARM_UP_SECONDS = 20;
  private static final int WALLETS = 1_000;

  @Option(names = "--validators", defaultValue = "4", description = "How many validators (default ${DEFAULT-VALUE}).")
  int validators;

  @Option(names = "--seconds", defaultValue = "20", description = "How long each measurement runs (default ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--base-port", defaultValue = "27100", description = "Ports from here (default ${DEFAULT-VALUE}).")
  int basePort;

  @Option(names = "--catch-up-blocks", defaultValue = "10000",
      description = "How far behind the catching-up node starts, in blocks (default ${DEFAULT-VALUE}; 0 skips it).")
  long catchUpBlocks;

  @Option(names = "--scaling", split = ",", defaultValue = "16,32,64", paramLabel = "N,N,...",
      description = "Also measure idle latency and traffic with these many validators, one network each (default ${DEFAULT-VALUE}; 0 skips).")
  List<Integer> scaling;

  @Option(names = "--subscribers", defaultValue = "10000",
      description = "Subscriptions to one node for the delivery measurement, on a network with 1 s blocks (default ${DEFAULT-VALUE}; 0 skips).")
  int subscribers;

  @Option(names = "--write", paramLabel = "FILE", description = "Also write the results as a Markdown table to FILE.")
  Path write;

  @Option(names = "--no-load", description = "Leave out the first network (idle latency, saturation, catch-up through the load's blocks).")
  boolean noLoad;

  @Option(names = "--no-memory", description = "Leave out the resident memory of validators in processes of their own.")
  boolean noMemory;

  @Option(names = "--log", description = "Keep the nodes' INFO log (proposals, blocks) on stderr.")
  boolean log;

  private final List<String> rows = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    double verifyPerSecond = verificationsPerSecond(); // before any node runs: the machine's own limit
    io.timecoin.node.Logs.configure(false);
    if (!log) {
      Logger.getLogger("io.timecoin").setLevel(Level.WARNING); // a log line per block would be the benchmark
    }
    if (!noLoad) {
      latencyAndLoad(verifyPerSecond);
    }
    if (catchUpBlocks > 0) {
      try (Network net = Network.start("timed-bench-catch-up", validators, basePort + 10 * (validators + 2), 0, 2)) {
        if (awaitHeight(net.nodes.get(0), catchUpBlocks)) {
          // The rest of the network stops, so the catching-up node does not share the cores with
          // validators finalizing 100 blocks a second in this same process (on a real network
          // they are other machines, and blocks come every few seconds): node-0 serves the blocks.
          net.stopAllButFirst();
          // Twice: the first time the JIT compiles the sync path while it runs (about 1.4 s of a
          // core on this machine, as much as the catch-up itself); the second is the node's rate.
          catchUp(net.nodes, net.home.resolve("node-" + validators), "of empty blocks, the network idle, first in this JVM");
          catchUp(net.nodes, net.home.resolve("node-" + (validators + 1)), "of empty blocks, the network idle, warm JVM");
        }
      }
    }
    if (!noMemory) {
      memory();
    }
    if (subscribers > 0) {
      subscriptions(subscribers);
    }
    for (int n : scaling) {
      if (n > 0) {
        scale(n);
      }
    }
    print();
    return 0;
  }

  /** Idle latency, saturation and catch-up through the load's blocks, on one network of {@code validators}. */
  private void latencyAndLoad(double verifyPerSecond) throws Exception {
    List<ManagedChannel> channels = new ArrayList<>();
    try (Network net = Network.start("timed-bench", validators, basePort, 0, 1)) {
      List<Node> nodes = net.nodes;
      Path home = net.home;
      for (Node n : nodes) {
        channels.add(NettyChannelBuilder.forTarget(n.clientEndpoint()).usePlaintext().directExecutor().build());
      }
      System.out.println("bench: " + validators + " validators on 127.0.0.1, block_interval_ms 0, "
          + Runtime.getRuntime().availableProcessors() + " cores; " + seconds + " s per measurement");
      Thread.sleep(3_000); // warm up: connections, JIT

      long[] before = traffic(nodes);
      Samples idle = measureBlocks(nodes.get(0), seconds);
      long[] after = traffic(nodes);
      row("finalization latency, idle, " + validators + " validators (proposal to final, node-0)", idle.summary("ms"),
          perBlock(idle, before, after, seconds));

      double limit = verifyPerSecond / validators;
      Load load = new Load(home, channels, nodes.get(0));
      load.prepare();
      Samples loaded = load.run(seconds);
      double tps = load.finalizedInWindow.get() / (double) seconds;
      row("finalized transfers per second at saturation", String.format("%.0f/s", tps),
          String.format("%.0f%% of the verification limit %.0f/s (%.0f verifications/s on %d cores / %d validators)",
              100 * tps / limit, limit, verifyPerSecond, Runtime.getRuntime().availableProcessors(), validators));
      row("submit to final, under saturation (client's view)", load.clientLatency.summary("ms"), load.clientLatency.count + " transfers");
      row("finalization latency under saturation (proposal to final)", loaded.summary("ms"), loaded.count + " blocks");
      long rss = residentBytes();
      if (catchUpBlocks > 0) { // the chain so far holds the load's transfers: how fast a node catches up through them
        catchUp(nodes, home.resolve("node-" + validators), "through the load's blocks");
      }
      row("resident memory of this process", rss / (1 << 20) + " MB",
          "all " + validators + " validators and the load generator: " + rss / (1 << 20) / validators + " MB per validator");
      channels.forEach(ManagedChannel::shutdownNow); // before the nodes stop: no stream ends in an error
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  /** Idle latency and messages and bytes per finalized block with {@code n} validators, in a network of their own. */
  private void scale(int n) throws Exception {
    try (Network net = Network.start("timed-bench-" + n, n, basePort + 10 * (validators + 2), 0, 0)) {
      List<Node> nodes = net.nodes;
      Thread.sleep(5_000);
      long[] before = traffic(nodes);
      Samples s = measureBlocks(nodes.get(0), seconds);
      long[] after = traffic(nodes);
      row("finalization latency, idle, " + n + " validators", s.summary("ms"), perBlock(s, before, after, seconds));
    }
  }

  /**
   * {@code count} SubscribeFinalized streams on node-0 of a 4-validator network with 1 s blocks (a
   * devnet's pace), over 20 connections: the delay from the block being stored on node-0 to its
   * arrival on each stream.
   */
  private void subscriptions(int count) throws Exception {
    List<ManagedChannel> channels = new ArrayList<>();
    try (Network net = Network.start("timed-bench-subscribers", 4, basePort + 10 * (validators + 2), 1_000, 0)) {
      List<Node> nodes = net.nodes;
      Map<Long, Long> storedAt = new ConcurrentHashMap<>();
      nodes.get(0).onStatus(NodeStatus.eachBlock(st -> storedAt.put(st.finalizedHeight(), System.nanoTime())));
      for (int c = 0; c < 20; c++) {
        channels.add(NettyChannelBuilder.forTarget(nodes.get(0).clientEndpoint()).usePlaintext().build());
      }
      Samples delivery = new Samples();
      AtomicLong failed = new AtomicLong();
      long[] window = {Long.MAX_VALUE, Long.MAX_VALUE};
      for (int i = 0; i < count; i++) {
        NodeServiceGrpc.newStub(channels.get(i % channels.size())).subscribeFinalized(
            SubscribeFinalizedRequest.getDefaultInstance(), new StreamObserver<>() {
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
      row(count + " SubscribeFinalized streams on one node, 1 s blocks", "delivery " + delivery.summary("ms"),
          delivery.count + " deliveries after the block was stored; " + failed.get() + " streams failed");
      channels.forEach(ManagedChannel::shutdownNow); // before the nodes stop
    } finally {
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  private static long[] traffic(List<Node> nodes) {
    long[] sum = new long[2];
    for (Node node : nodes) {
      long[] t = {node.status().peerMessagesSent(), node.status().peerBytesSent()};
      sum[0] += t[0];
      sum[1] += t[1];
    }
    return sum;
  }

  private static String perBlock(Samples s, long[] before, long[] after, int seconds) {
    if (s.count == 0) {
      return "no block finalized";
    }
    return String.format("%.1f blocks/s; per block %.0f messages, %.1f KB sent between the validators",
        s.count / (double) seconds, (after[0] - before[0]) / (double) s.count, (after[1] - before[1]) / 1024.0 / s.count);
  }

  private void row(String what, String value, String detail) {
    rows.add("| " + what + " | " + value + " | " + detail + " |");
    System.out.println("  " + what + ": " + value + "  (" + detail + ")");
  }

  private void print() throws IOException {
    List<String> out = new ArrayList<>();
    out.add("Machine: " + Runtime.getRuntime().availableProcessors() + " cores, "
        + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB max heap, " + System.getProperty("java.vm.name") + " "
        + System.getProperty("java.version") + "; " + validators + " validators in one process on 127.0.0.1.");
    out.add("");
    out.add("| measurement | result | detail |");
    out.add("| --- | --- | --- |");
    out.addAll(rows);
    System.out.println();
    out.forEach(System.out::println);
    if (write != null) {
      List<String> file = new ArrayList<>(List.of(
          "# Benchmarks",
          "",
          "Written by `timed bench --write BENCHMARKS.md` (" + java.time.LocalDate.now() + "); run it again to refresh.",
          "",
          "- Cluster: `bin/timed bench --write BENCHMARKS.md` (about 10 minutes): validators",
          "  on 127.0.0.1 in one process with real gRPC, block_interval_ms 0; a load generator signs and submits real",
          "  transfers from 1,000 wallets over SubmitTransactions streams to every node, " + IN_FLIGHT + " in flight, each",
          "  transfer signed before the measurement, which starts after " + LOAD_WARM_UP_SECONDS + " s of load (the JIT's warm-up); the",
          "  verification limit is the machine's Ed25519 verifications per second on all cores, measured in the",
          "  same run, divided by the validators.",
          "- Catch-up: a network of its own builds a chain of --catch-up-blocks blocks, then all validators but one",
          "  stop (so the catching-up node does not share the 2 cores with 100 blocks/s of consensus) and a node with",
          "  only genesis syncs it, every certificate verified and every block executed; twice, since the first",
          "  time the JIT compiles the sync path meanwhile. Also through the load phase's blocks (full of transfers).",
          "- Memory: validators each in a process of its own, started with the JVM options bin/timed gives",
          "  `timed start`, finalizing back to back; VmRSS sampled every second.",
          "- Microbenchmarks (JMH, after `mvn verify`): `java -jar benchmarks/target/benchmarks.jar` followed by",
          "  CryptoBenchmark, VoteIngestionBenchmark, TransactionValidationBenchmark, BlockExecutionBenchmark or",
          "  CertificateVerificationBenchmark.",
          "",
          "Options of this run: --validators " + validators + " --seconds " + seconds + " --catch-up-blocks " + catchUpBlocks
              + (noLoad ? " --no-load" : "") + (noMemory ? " --no-memory" : "") + " --subscribers " + subscribers
              + " --scaling " + scaling.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",")) + ".",
          ""));
      file.addAll(out);
      Files.write(write, file);
      System.out.println("written to " + write);
    }
  }

  /**
   * Resident memory of a validator at steady state: {@code validators} validators, each in a process
   * of its own started as bin/timed starts one ({@link StartCommand#JVM_OPTIONS}), finalizing back
   * to back (block_interval_ms 0); after 20 s of warm-up, VmRSS of every process once a second for
   * {@code seconds} s.
   */
  private void memory() throws Exception {
    Path home = Files.createTempDirectory("timed-bench-memory");
    int base = basePort + 10 * (validators + 2);
    List<Process> processes = new ArrayList<>();
    try {
      if (new CommandLine(new InitCommand()).execute("--validators", Integer.toString(validators), "--home", home.toString(),
          "--base-port", Integer.toString(base), "--block-interval-ms", "0") != 0) {
        throw new IOException("timed init failed");
      }
      String java = ProcessHandle.current().info().command().orElse("java");
      String classPath = System.getProperty("java.class.path");
      for (int i = 0; i < validators; i++) {
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(StartCommand.JVM_OPTIONS);
        command.addAll(List.of("-cp", classPath, Main.class.getName(), "start", "--home", home.resolve("node-" + i).toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(home.resolve("node-" + i + ".log").toFile());
        pb.environment().put("MALLOC_ARENA_MAX", "2"); // as bin/timed sets it
        processes.add(pb.start());
      }
      System.out.println("  memory: " + validators + " validators in processes of their own, 20 s of warm-up");
      Thread.sleep(20_000);
      ManagedChannel channel = NettyChannelBuilder.forTarget("127.0.0.1:" + (base + 1)).usePlaintext().build();
      try {
        var status = NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
        long h0 = status.getStatus(io.timecoin.proto.v1.GetStatusRequest.getDefaultInstance()).getFinalizedHeight();
        long max = 0;
        long sum = 0;
        int samples = 0;
        for (int s = 0; s < seconds; s++) {
          for (Process p : processes) {
            long rss = residentBytes(p.pid());
            max = Math.max(max, rss);
            sum += rss;
            samples++;
          }
          Thread.sleep(1_000);
        }
        long h1 = NodeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
            .getStatus(io.timecoin.proto.v1.GetStatusRequest.getDefaultInstance()).getFinalizedHeight();
        row("resident memory of a validator in its own process", "max " + max / (1 << 20) + " MB",
            String.format("mean %d MB over %d validators sampled every second for %d s after 20 s, finalizing %.0f blocks/s "
                + "back to back; JVM options %s", sum / samples / (1 << 20), validators, seconds, (h1 - h0) / (double) seconds,
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
      deleteTree(home);
    }
  }

  /** Waits for {@code node} to reach {@code height}; false (and a row saying so) after 10 minutes. */
  private boolean awaitHeight(Node node, long height) throws InterruptedException {
    long waitStart = System.nanoTime();
    System.out.println("  building a chain of " + height + " blocks for the catch-up");
    while (node.status().finalizedHeight() < height) {
      Thread.sleep(200);
      if (System.nanoTime() - waitStart > TimeUnit.MINUTES.toNanos(10)) {
        row("catch-up", "not measured", "the chain did not reach " + height + " blocks in 10 minutes");
        return false;
      }
    }
    return true;
  }

  /**
   * A node that has only the genesis block (the standby node of the bench network) starts and syncs
   * the chain of {@code nodes}: blocks (and transfers) per second from its first block stored to
   * the last, every certificate checked and block executed.
   */
  private void catchUp(List<Node> nodes, Path standby, String what) throws Exception {
    long behind = nodes.get(0).status().finalizedHeight();
    long start = System.nanoTime();
    long[] first = {0};
    AtomicLong transfers = new AtomicLong();
    try (Node late = Node.start("catch-up", standby)) {
      late.onStatus(NodeStatus.eachBlock(st -> {
        if (first[0] == 0) {
          first[0] = System.nanoTime();
        }
        transfers.addAndGet(st.finalizedBlock().getBody().getTransactionsCount() - 1);
      }));
      while (late.status().finalizedHeight() < behind) {
        Thread.sleep(5);
        if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(10)) {
          break;
        }
      }
      long end = System.nanoTime();
      double seconds = (end - first[0]) / 1e9;
      long blocks = late.status().finalizedHeight();
      row("catch-up of a node " + behind + " blocks behind, " + what, String.format("%.0f blocks/s", (blocks - 1) / seconds),
          String.format("%d blocks, %d transfers (%.0f/s) in %.2f s after the first block (%.2f s from start); "
              + "every signature verified, every block executed", blocks, transfers.get(), transfers.get() / seconds, seconds,
              (end - start) / 1e9));
    }
  }

  /** The latencies of the blocks node stores during {@code seconds}. */
  private static Samples measureBlocks(Node node, int seconds) throws InterruptedException {
    Samples s = new Samples();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    node.onStatus(NodeStatus.eachBlock(st -> {
      if (System.nanoTime() < end) {
        s.add(st.lastFinalizationLatencyNanos());
      }
    }));
    Thread.sleep(seconds * 1_000L);
    return s;
  }

  /** Ed25519 verifications per second with every core busy: the machine's signature limit. */
  private static double verificationsPerSecond() throws InterruptedException {
    Ed25519KeyPair key = Ed25519KeyPair.generate();
    byte[] message = new byte[64];
    byte[] signature = key.sign(message);
    int cores = Runtime.getRuntime().availableProcessors();
    AtomicLong done = new AtomicLong();
    long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(2); // JIT first: the nodes' verifiers are warm too
    long end = warm + TimeUnit.SECONDS.toNanos(3);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < cores; i++) {
      Thread t = new Thread(() -> {
        long n = 0;
        while (System.nanoTime() < end) {
          if (key.publicKey().verify(message, signature) && System.nanoTime() >= warm) {
            n++;
          }
        }
        done.addAndGet(n);
      });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    return done.get() / 3.0;
  }

  /** VmRSS of this process (Linux), or -1. */
  private static long residentBytes() {
    return residentBytes(ProcessHandle.current().pid());
  }

  /** VmRSS of process {@code pid} (Linux), or -1. */
  private static long residentBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException ignored) {
      // not Linux
    }
    return -1;
  }

  /** A network made by timed init in a temporary directory, its validators started here; close stops and deletes it. */
  private static final class Network implements AutoCloseable {
    final Path home;
    final List<Node> nodes = new ArrayList<>();

    private Network(Path home) {
      this.home = home;
    }

    /** {@code n} validators (and {@code standby} nodes made but not started) from port {@code base}. */
    static Network start(String name, int n, int base, long blockIntervalMs, int standby) throws IOException {
      Network net = new Network(Files.createTempDirectory(name));
      int made = new CommandLine(new InitCommand()).execute("--validators", Integer.toString(n), "--home", net.home.toString(),
          "--base-port", Integer.toString(base), "--block-interval-ms", Long.toString(blockIntervalMs),
          "--standby", Integer.toString(standby));
      try {
        if (made != 0) {
          throw new IOException("timed init failed for " + n + " validators");
        }
        for (int i = 0; i < n; i++) {
          net.nodes.add(Node.start("node-" + i, net.home.resolve("node-" + i)));
        }
      } catch (IOException | RuntimeException e) {
        net.close();
        throw e;
      }
      return net;
    }

    /** Stops every validator but node-0. */
    void stopAllButFirst() {
      while (nodes.size() > 1) {
        nodes.remove(nodes.size() - 1).close();
      }
    }

    @Override
    public void close() throws IOException {
      nodes.forEach(Node::close);
      deleteTree(home);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Durations in nanoseconds; p50, p99 and max. */
  static final class Samples {
    private long[] values = new long[1024];
    private int count;

    synchronized void add(long nanos) {
      if (count == values.length) {
        values = Arrays.copyOf(values, count * 2);
      }
      values[count++] = nanos;
    }

    synchronized String summary(String unit) {
      if (count == 0) {
        return "no samples";
      }
      long[] sorted = Arrays.copyOf(values, count);
      Arrays.sort(sorted);
      return String.format("p50 %.1f, p99 %.1f, max %.1f %s", sorted[count / 2] / 1e6, sorted[(int) Math.min(count - 1,
          Math.ceil(count * 0.99) - 1)] / 1e6, sorted[count - 1] / 1e6, unit);
    }
  }

  /**
   * The load generator: the faucet's output is fanned out into 20,000 coins of one key; each coin is
   * spent by a 1-in-1-out transfer, and its output becomes a coin again once its block is final
   * (the mempool takes only finalized outputs). Submissions go round-robin to every node.
   */
  private final class Load {
    private final List<ManagedChannel> channels;
    private final Node observed;
    private final Ed25519KeyPair key;
    private final Address address;
    private final String chainId;
    private final Genesis genesis;
    private final ConcurrentLinkedQueue<Coin> coins = new ConcurrentLinkedQueue<>();
    private final Map<ByteString, Long> submitted = new ConcurrentHashMap<>();
    private final Map<ByteString, Coin> spending = new ConcurrentHashMap<>(); // by the id of the transfer that spends it
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    private final Samples clientLatency = new Samples();
    private final AtomicLong refused = new AtomicLong();
    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;
    private final AtomicLong finalizedInWindow = new AtomicLong();

    /** A spendable output of wallet {@code owner}. */
    private record Coin(OutPoint outpoint, long amount, int owner) {}

    /** Transfers signed before the measurement, by the output they spend. */
    private final Map<OutPoint, Transaction> presigned = new ConcurrentHashMap<>();
    private static final int PRESIGNED_PER_COIN = 5;
    /** The fee of a 1-in-1-out transfer, set by {@link #prepare}. */
    private long fee;

    /** The senders: many keys, as real traffic has (each node decodes each key once, then caches it). */
    private final List<Ed25519KeyPair> wallets = new ArrayList<>();

    Load(Path home, List<ManagedChannel> channels, Node observed) throws IOException {
      this.channels = channels;
      this.observed = observed;
      this.key = KeyFile.read(home.resolve("faucet.key"));
      this.address = Address.of(key.publicKey());
      this.genesis = GenesisFile.read(home.resolve(GenesisFile.FILE_NAME));
      this.chainId = genesis.chainId();
    }

    /** Fans the faucet's output out into FAN_OUT_TXS * OUTPUTS_PER_FAN_OUT coins, waiting for each step to be final. */
    void prepare() throws InterruptedException {
      long faucet = genesis.allocations().get(0).amount();
      OutPoint start = OutPoint.newBuilder().setTxid(Hashes.transaction(genesis.transaction())).setIndex(0).build();
      Fees fees = genesis.ledgerParams().fees();
      // each fee the chain requires (docs/protocol.md 4.3); the amounts do not change the sizes
      long firstFee = fees.required(Transactions.transfer(List.of(start),
          java.util.Collections.nCopies(FAN_OUT_TXS, Transactions.output(1, address))).build());
      long secondFee = fees.required(Transactions.transfer(List.of(start),
          java.util.Collections.nCopies(OUTPUTS_PER_FAN_OUT, Transactions.output(1, address))).build());
      fee = fees.required(Transactions.transfer(List.of(start), List.of(Transactions.output(1, address))).build());
      long part = (faucet - firstFee) / FAN_OUT_TXS;
      List<TxOutput> outputs = new ArrayList<>();
      for (int i = 0; i < FAN_OUT_TXS; i++) {
        outputs.add(Transactions.output(part, address));
      }
      Transaction first = Transactions.sign(Transactions.transfer(List.of(start), outputs), chainId, List.of(key), List.of());
      awaitFinal(List.of(first));
      ByteString firstId = Hashes.transaction(first);
      List<Transaction> second = new ArrayList<>();
      long coin = (part - secondFee) / OUTPUTS_PER_FAN_OUT;
      for (int w = 0; w < WALLETS; w++) {
        wallets.add(Ed25519KeyPair.generate());
      }
      for (int i = 0; i < FAN_OUT_TXS; i++) {
        List<TxOutput> outs = new ArrayList<>();
        for (int j = 0; j < OUTPUTS_PER_FAN_OUT; j++) {
          outs.add(Transactions.output(coin, Address.of(wallets.get((i * OUTPUTS_PER_FAN_OUT + j) % WALLETS).publicKey())));
        }
        second.add(Transactions.sign(Transactions.transfer(List.of(OutPoint.newBuilder().setTxid(firstId).setIndex(i).build()), outs),
            chainId, List.of(key), List.of()));
      }
      awaitFinal(second);
      for (Transaction tx : second) {
        ByteString id = Hashes.transaction(tx);
        int i = second.indexOf(tx);
        for (int j = 0; j < tx.getOutputsCount(); j++) {
          coins.add(new Coin(OutPoint.newBuilder().setTxid(id).setIndex(j).build(), coin, (i * OUTPUTS_PER_FAN_OUT + j) % WALLETS));
        }
      }
      // Each coin's next transfers are signed now, not in the measured window: on a real network the
      // wallets are other machines, and here their signing would take the validators' cores.
      long started = System.nanoTime();
      coins.parallelStream().forEach(c -> {
        OutPoint spend = c.outpoint();
        long amount = c.amount();
        Ed25519KeyPair owner = wallets.get(c.owner());
        for (int k = 0; k < PRESIGNED_PER_COIN; k++) {
          Transaction tx = transfer(spend, amount, owner);
          presigned.put(spend, tx);
          spend = OutPoint.newBuilder().setTxid(Hashes.transaction(tx)).setIndex(0).build();
          amount -= fee;
        }
      });
      System.out.printf("  load: %d coins of %s TIME ready, held by %d keys; %d transfers signed in %.1f s%n", coins.size(),
          Units.format(coin), WALLETS, presigned.size(), (System.nanoTime() - started) / 1e9);
    }

    /** The 1-in-1-out transfer of {@code amount} - fee back to {@code owner}, signed. */
    private Transaction transfer(OutPoint spend, long amount, Ed25519KeyPair owner) {
      return Transactions.sign(Transactions.transfer(List.of(spend),
          List.of(Transactions.output(amount - fee, Address.of(owner.publicKey())))), chainId, List.of(owner), List.of());
    }

    private void awaitFinal(List<Transaction> txs) throws InterruptedException {
      java.util.Set<ByteString> waiting = ConcurrentHashMap.newKeySet();
      txs.forEach(tx -> waiting.add(Hashes.transaction(tx)));
      observed.onStatus(NodeStatus.eachBlock(st ->
          st.finalizedBlock().getBody().getTransactionsList().forEach(tx -> waiting.remove(Hashes.transaction(tx)))));
      var stub = NodeServiceGrpc.newBlockingStub(channels.get(0));
      for (Transaction tx : txs) {
        stub.submitTransaction(SubmitTransactionRequest.newBuilder().setTransaction(tx).build());
      }
      long deadline = System.currentTimeMillis() + 60_000;
      while (!waiting.isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      if (!waiting.isEmpty()) {
        throw new IllegalStateException("the load's setup transactions were not final in 60 s");
      }
    }

    /** Saturates the network for {@code seconds} (after a few seconds to fill it); the proposal-to-final latencies meanwhile. */
    Samples run(int seconds) throws Exception {
      Samples blocks = new Samples();
      // the client's view: the blocks as a subscriber of node-0 receives them
      NodeServiceGrpc.newStub(channels.get(0)).subscribeFinalized(
          SubscribeFinalizedRequest.newBuilder().setFromHeight(observed.status().finalizedHeight() + 1).build(), new StreamObserver<>() {
            @Override
            public void onNext(SubscribeFinalizedResponse r) {
              if (r.hasBlock()) {
                delivered(r.getBlock().getBlock().getBody().getTransactionsList());
              }
            }

            @Override
            public void onError(Throwable t) {
              System.err.println("bench: the subscription ended: " + t);
            }

            @Override
            public void onCompleted() {}
          });
      observed.onStatus(NodeStatus.eachBlock(st -> {
        long now = System.nanoTime();
        if (now >= windowStart && now < windowEnd) {
          blocks.add(st.lastFinalizationLatencyNanos());
        }
      }));
      List<Thread> workers = new ArrayList<>();
      AtomicLong next = new AtomicLong();
      for (int w = 0; w < 2; w++) {
        Thread t = new Thread(() -> submitLoop(next), "bench-load-" + w);
        t.setDaemon(true);
        t.start();
        workers.add(t);
      }
      // Steady state: on 2 cores busy with the load, C2 still compiles the load's paths 15 s in (7% of
      // the CPU in a window starting after 5 s; 44% of the limit then, ~50% after 20 s).
      Thread.sleep(TimeUnit.SECONDS.toMillis(LOAD_WARM_UP_SECONDS));
      windowStart = System.nanoTime();
      windowEnd = windowStart + TimeUnit.SECONDS.toNanos(seconds);
      Thread.sleep(seconds * 1_000L + 200);
      workers.forEach(Thread::interrupt);
      if (refused.get() > 0) {
        System.out.println("  load: " + refused.get() + " submissions refused (put back and retried)");
      }
      return blocks;
    }

    /**
     * Submits over one SubmitTransactions stream per node, round-robin: a service submitting many
     * transfers keeps a stream open rather than making a call each.
     */
    private void submitLoop(AtomicLong next) {
      List<StreamObserver<SubmitTransactionsRequest>> streams = new ArrayList<>();
      for (ManagedChannel channel : channels) {
        streams.add(NodeServiceGrpc.newStub(channel).submitTransactions(new StreamObserver<>() {
          @Override
          public void onNext(SubmitTransactionsResponse r) {
            if (r.hasError()) {
              refused.incrementAndGet();
              if (submitted.remove(r.getTxid()) != null) { // whoever removes it from submitted puts the coin back
                inFlight.release();
                coins.add(spending.remove(r.getTxid())); // tried again later
              }
            }
          }

          @Override
          public void onError(Throwable t) {
            if (!Thread.currentThread().isInterrupted() && windowEnd > System.nanoTime()) {
              System.err.println("bench: a submission stream failed: " + t);
            }
          }

          @Override
          public void onCompleted() {}
        }));
      }
      try {
        while (!Thread.currentThread().isInterrupted()) {
          Coin c = coins.poll();
          if (c == null) {
            Thread.sleep(1);
            continue;
          }
          inFlight.acquire();
          Transaction tx = presigned.remove(c.outpoint());
          if (tx == null) {
            tx = transfer(c.outpoint(), c.amount(), wallets.get(c.owner()));
          }
          ByteString id = Hashes.transaction(tx);
          spending.put(id, c);
          submitted.put(id, System.nanoTime());
          streams.get((int) (next.getAndIncrement() % streams.size()))
              .onNext(SubmitTransactionsRequest.newBuilder().setTransaction(tx).build());
        }
      } catch (InterruptedException e) {
        // the window is over
      } finally {
        streams.forEach(StreamObserver::onCompleted);
      }
    }

    private void delivered(List<Transaction> txs) {
      long now = System.nanoTime();
      int mine = 0;
      for (int i = 1; i < txs.size(); i++) { // the REWARD first
        Transaction tx = txs.get(i);
        ByteString id = Hashes.transaction(tx);
        Long at = submitted.remove(id);
        if (at == null) {
          continue;
        }
        inFlight.release();
        mine++;
        if (now >= windowStart && now < windowEnd) {
          clientLatency.add(now - at);
        }
        Coin spent = spending.remove(id);
        coins.add(new Coin(OutPoint.newBuilder().setTxid(id).setIndex(0).build(), tx.getOutputs(0).getAmount(), spent.owner()));
      }
      if (now >= windowStart && now < windowEnd) {
        finalizedInWindow.addAndGet(mine);
      }
    }
  }
}
