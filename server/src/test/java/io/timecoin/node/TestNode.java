package io.timecoin.node;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.timecoin.cli.TimedCommand;
import io.timecoin.node.config.NodeConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;

/**
 * A one-validator network made by {@code timed init} and its node, started in this JVM on loopback.
 */
final class TestNode implements AutoCloseable {
  final Path home;
  final Node node;
  final ManagedChannel client;
  final ManagedChannel peer;

  private TestNode(Path home, Node node) throws IOException {
    this.home = home;
    this.node = node;
    this.client = NettyChannelBuilder.forTarget(node.clientEndpoint()).usePlaintext().build();
    this.peer =
        NettyChannelBuilder.forTarget(
                NodeConfig.read(home.resolve("node-0/config.json")).peerListen())
            .usePlaintext()
            .build();
  }

  /** Inits a network in {@code dir} (on free ports, tried at random) and starts its node. */
  static TestNode start(Path dir) throws IOException {
    return start(dir, null);
  }

  /** As {@link #start(Path)}, with the web port on {@code webListen} (host:port; null: none). */
  static TestNode start(Path dir, String webListen) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      Path home = dir.resolve("net-" + attempt);
      int base = 20_000 + 10 * ThreadLocalRandom.current().nextInt(4_000);
      StringWriter err = new StringWriter();
      CommandLine cmd = new CommandLine(new TimedCommand());
      cmd.setOut(new PrintWriter(new StringWriter(), true));
      cmd.setErr(new PrintWriter(err, true));
      if (cmd.execute(
              "init",
              "--validators",
              "1",
              "--home",
              home.toString(),
              "--base-port",
              Integer.toString(base),
              "--block-interval-ms",
              "200")
          != 0) {
        throw new IOException("timed init failed: " + err);
      }
      try {
        return new TestNode(
            home, Node.start("node-0", home.resolve("node-0"), FailStop.HALT, webListen));
      } catch (IOException e) { // a port in use: another base
        last = e;
      }
    }
    throw last;
  }

  /** Stops this node and starts it again on the same home (its ports, its chain). */
  TestNode restart() throws IOException, InterruptedException {
    close();
    return open(home);
  }

  /** Starts the node of a network {@link #start} made and a {@link #close} stopped. */
  static TestNode open(Path home) throws IOException {
    return new TestNode(home, Node.start("node-0", home.resolve("node-0")));
  }

  Path faucetKey() {
    return home.resolve("faucet.key");
  }

  /** Waits until the node has finalized {@code height}. */
  void awaitHeight(long height) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (node.status().finalizedHeight() < height) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(
            "height " + height + " not reached; at " + node.status().finalizedHeight());
      }
      Thread.sleep(50);
    }
  }

  @Override
  public void close() throws InterruptedException {
    client.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    peer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    node.close();
  }
}
