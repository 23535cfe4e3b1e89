package io.timecoin.attack;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.timecoin.cli.StartCommand;
import io.timecoin.cli.TimedCommand;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.node.config.NodeConfig;
import io.timecoin.proto.v1.NodeServiceGrpc;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * Honest validators, each a {@code java -jar timed.jar start} process with the JVM options {@code
 * bin/timed} gives a validator, made by {@code timed init} in {@code home}. Every link between two
 * of them goes through a {@link DelayRelay}; the attacker reaches each directly.
 */
public final class LocalCluster implements AutoCloseable {
  public final Path home;
  public final int size;
  public final int basePort;
  public final Genesis genesis;
  private final Path jar;
  private final Process[] processes;
  private final List<DelayRelay> relays = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<List<String>> honestPeers = new ArrayList<>();

  /**
   * {@code linkDelayMillis} on each honest link; the attacker's extra peer addresses per node come
   * later.
   */
  public LocalCluster(Path jar, Path home, int size, long blockIntervalMs, long linkDelayMillis)
      throws IOException {
    this.jar = jar;
    this.home = home;
    this.size = size;
    this.processes = new Process[size];
    this.basePort = freeBase(size);
    int code =
        new CommandLine(new TimedCommand())
            .execute(
                "init",
                "--validators",
                Integer.toString(size),
                "--home",
                home.toString(),
                "--base-port",
                Integer.toString(basePort),
                "--block-interval-ms",
                Long.toString(blockIntervalMs));
    if (code != 0) {
      throw new IOException("timed init failed: exit " + code);
    }
    this.genesis = GenesisFile.read(home.resolve(GenesisFile.FILE_NAME));
    for (int i = 0; i < size; i++) {
      List<String> peers = new ArrayList<>();
      for (int j = 0; j < size; j++) {
        if (j != i) {
          DelayRelay r = new DelayRelay(peerPort(j), linkDelayMillis);
          relays.add(r);
          peers.add("127.0.0.1:" + r.port());
        }
      }
      honestPeers.add(List.copyOf(peers));
      Path config = home(i).resolve(NodeConfig.FILE_NAME);
      NodeConfig.read(config).withPeers(peers).write(config);
    }
  }

  public String chainId() {
    return genesis.chainId();
  }

  public ByteString genesisHash() {
    return genesis.hash();
  }

  public Path home(int i) {
    return home.resolve("node-" + i);
  }

  public int peerPort(int i) {
    return basePort + 10 * i;
  }

  public int clientPort(int i) {
    return basePort + 10 * i + 1;
  }

  public int metricsPort(int i) {
    return basePort + 10 * i + 2;
  }

  /** Node i's consensus key, read from its home: whoever holds it signs as that validator. */
  public Ed25519KeyPair validatorKey(int i) throws IOException {
    return KeyFile.read(NodeConfig.read(home(i).resolve(NodeConfig.FILE_NAME)).keyFile(home(i)));
  }

  public Ed25519KeyPair faucetKey() throws IOException {
    return KeyFile.read(home.resolve("faucet.key"));
  }

  public void startAll() throws IOException {
    for (int i = 0; i < size; i++) {
      start(i);
    }
  }

  public synchronized void start(int i) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(StartCommand.JVM_OPTIONS);
    cmd.addAll(List.of("-jar", jar.toString(), "start", "--home", home(i).toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(home(i).resolve("node.log").toFile()));
    processes[i] = pb.start();
  }

  /** Stops node i (SIGTERM, then SIGKILL after 10 s). */
  public synchronized void stop(int i) throws InterruptedException {
    Process p = processes[i];
    if (p != null) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Node i dials these besides the honest nodes (the attacker serving PeerService), from its next
   * start.
   */
  public void setExtraPeers(int i, List<String> extra) throws IOException {
    Path config = home(i).resolve(NodeConfig.FILE_NAME);
    NodeConfig c = NodeConfig.read(config);
    List<String> peers = new ArrayList<>(honestPeers.get(i));
    peers.addAll(extra);
    c.withPeers(peers).write(config);
  }

  /** Node i's process, while it runs. */
  public synchronized Process process(int i) {
    return processes[i];
  }

  public NodeServiceGrpc.NodeServiceBlockingStub client(int i) {
    return NodeServiceGrpc.newBlockingStub(channel(clientPort(i)));
  }

  /** A plaintext channel to a port on 127.0.0.1, closed with the cluster. */
  public synchronized ManagedChannel channel(int port) {
    ManagedChannel c =
        NettyChannelBuilder.forAddress("127.0.0.1", port)
            .usePlaintext()
            .maxInboundMessageSize(16 << 20)
            .build();
    channels.add(c);
    return c;
  }

  /** The last lines of node i's log, for a failure message. */
  public String logTail(int i, int lines) {
    try {
      List<String> all = java.nio.file.Files.readAllLines(home(i).resolve("node.log"));
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /**
   * A base port whose node ports (base + 10i + 0..2, for one node more than asked) are all free
   * now.
   */
  public static int freeBase(int nodes) throws IOException {
    for (int base = 30_000 + (int) (ProcessHandle.current().pid() % 100) * 50;
        base < 60_000;
        base += 500) {
      if (allFree(base, nodes)) {
        return base;
      }
    }
    throw new IOException("no free ports");
  }

  private static boolean allFree(int base, int nodes) {
    for (int i = 0; i < nodes + 1; i++) {
      for (int k = 0; k < 3; k++) {
        try (ServerSocket s =
            new ServerSocket(base + 10 * i + k, 1, InetAddress.getLoopbackAddress())) {
          s.setReuseAddress(true);
        } catch (IOException e) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public void close() throws IOException, InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (int i = 0; i < size; i++) {
      if (processes[i] != null) {
        processes[i].destroy();
      }
    }
    for (int i = 0; i < size; i++) {
      if (processes[i] != null && !processes[i].waitFor(10, TimeUnit.SECONDS)) {
        processes[i].destroyForcibly();
      }
    }
    for (DelayRelay r : relays) {
      r.close();
    }
  }
}
