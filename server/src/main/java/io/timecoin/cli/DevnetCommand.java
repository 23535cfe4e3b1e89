package io.timecoin.cli;

import io.timecoin.node.Logs;
import io.timecoin.node.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * timed devnet: a local network of validators on loopback, each with its own home and data, real
 * gRPC between them, in this one process. Run again, it resumes from its data.
 */
@Command(name = "devnet", description = "Start a local network of validators on 127.0.0.1 (made on first run, resumed after).")
public final class DevnetCommand implements Callable<Integer> {
  @Option(names = "--validators", defaultValue = "4", description = "How many validators (first run only; default ${DEFAULT-VALUE}).")
  int validators;

  @Option(names = "--home", defaultValue = "devnet", description = "Where the devnet lives (default ./${DEFAULT-VALUE}).")
  Path home;

  @Option(names = "--base-port", defaultValue = "24100",
      description = "Node i serves peers on base+10i, clients on base+10i+1, metrics on base+10i+2 (default ${DEFAULT-VALUE}).")
  int basePort;

  @Option(names = "--block-interval-ms", defaultValue = "1000", description = "The TSDC slot (first run only; default ${DEFAULT-VALUE}).")
  long blockIntervalMs;

  @Option(names = {"-v", "--verbose"}, description = "Log votes and quorums too.")
  boolean verbose;

  @Option(names = "--tls", description = "TLS on every port, with certificates made for the devnet (first run only).")
  boolean tls;

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(home.resolve("genesis.json"))) {
      List<String> args = new ArrayList<>(List.of("--validators", Integer.toString(validators),
          "--home", home.toString(), "--base-port", Integer.toString(basePort),
          "--block-interval-ms", Long.toString(blockIntervalMs)));
      if (tls) {
        args.add("--tls");
      }
      int made = new CommandLine(new InitCommand()).execute(args.toArray(String[]::new));
      if (made != 0) {
        return made;
      }
    } else {
      System.out.println("resuming the devnet in " + home.toAbsolutePath() + " (delete it to start over)");
    }
    List<Path> homes = new ArrayList<>();
    try (var dirs = Files.newDirectoryStream(home, "node-*")) {
      dirs.forEach(homes::add);
    }
    homes.sort(null);
    if (!homes.isEmpty()) { // the nodes share this JVM's heap: refuse one too small for all of them
      try {
        Node.memoryBudget(io.timecoin.node.config.GenesisFile.read(homes.get(0).resolve("genesis.json")))
            .check(Runtime.getRuntime().maxMemory(), homes.size());
      } catch (java.io.IOException e) {
        System.err.println("timed devnet: " + e.getMessage());
        return 1;
      }
    }
    Logs.configure(verbose);
    List<Node> nodes = new ArrayList<>();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (nodes.isEmpty()) {
        return; // none started: the reason is already printed
      }
      // plain stdout: java.util.logging closes its handlers in a shutdown hook of its own
      System.out.println("stopping the devnet...");
      long height = 0;
      for (Node n : nodes) {
        height = Math.max(height, n.finalizedHeight());
        n.close();
      }
      System.out.println("devnet stopped at height " + height + "; run the same command to resume");
      stopped.countDown();
    }));
    for (Path h : homes) {
      try {
        nodes.add(Node.start(h.getFileName().toString(), h));
      } catch (io.timecoin.storage.OldProtocolException e) {
        // the devnet's nodes share one genesis: the whole devnet is recreated, not one node's home
        System.err.println("timed devnet: " + Node.oldHomeMessage(home, e.storedVersion()));
        return 1;
      } catch (java.io.IOException e) {
        System.err.println("timed devnet: " + e.getMessage());
        return 1; // the shutdown hook closes the nodes already started
      }
    }
    System.out.println();
    System.out.println("devnet: " + nodes.size() + " validators on 127.0.0.1. Client endpoints (gRPC, NodeService):");
    for (int i = 0; i < nodes.size(); i++) {
      System.out.println("  node-" + i + "  " + nodes.get(i).clientEndpoint());
    }
    System.out.println("Ctrl-C stops it; run the same command again to resume.");
    System.out.println();
    stopped.await();
    return 0;
  }
}
