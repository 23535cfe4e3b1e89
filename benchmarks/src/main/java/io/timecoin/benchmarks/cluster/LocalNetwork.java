package io.timecoin.benchmarks.cluster;

import io.timecoin.cli.InitCommand;
import io.timecoin.node.Node;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine;

/**
 * A network made by timed init in a temporary directory, its validators started in this process;
 * close stops and deletes it.
 */
final class LocalNetwork implements AutoCloseable {
  final Path home;
  final List<Node> nodes = new ArrayList<>();

  private LocalNetwork(Path home) {
    this.home = home;
  }

  /**
   * {@code n} validators (and {@code standby} nodes made but not started) from port {@code base}.
   */
  static LocalNetwork start(String name, int n, int base, long blockIntervalMs, int standby)
      throws IOException {
    LocalNetwork net = new LocalNetwork(Files.createTempDirectory(name));
    try {
      init(net.home, n, base, blockIntervalMs, standby);
      for (int i = 0; i < n; i++) {
        net.nodes.add(Node.start("node-" + i, net.home.resolve("node-" + i)));
      }
    } catch (IOException | RuntimeException e) {
      net.close();
      throw e;
    }
    return net;
  }

  /** timed init of {@code n} validators in {@code home}. */
  static void init(Path home, int n, int base, long blockIntervalMs, int standby)
      throws IOException {
    int made =
        new CommandLine(new InitCommand())
            .execute(
                "--validators",
                Integer.toString(n),
                "--home",
                home.toString(),
                "--base-port",
                Integer.toString(base),
                "--block-interval-ms",
                Long.toString(blockIntervalMs),
                "--standby",
                Integer.toString(standby));
    if (made != 0) {
      throw new IOException("timed init failed for " + n + " validators");
    }
  }

  /** Stops every validator but node-0. */
  void stopAllButFirst() {
    while (nodes.size() > 1) {
      nodes.remove(nodes.size() - 1).close();
    }
  }

  NodeProbe.Traffic traffic() {
    NodeProbe.Traffic sum = new NodeProbe.Traffic(0, 0);
    for (Node node : nodes) {
      sum = sum.plus(NodeProbe.traffic(node));
    }
    return sum;
  }

  @Override
  public void close() throws IOException {
    nodes.forEach(Node::close);
    deleteTree(home);
  }

  static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
