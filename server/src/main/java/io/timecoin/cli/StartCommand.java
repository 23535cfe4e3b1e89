package io.timecoin.cli;

import io.timecoin.node.Logs;
import io.timecoin.node.Node;
import io.timecoin.node.config.NodeConfig;
import io.timecoin.storage.FileSignerRecordStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** timed start --home DIR: runs one node until Ctrl-C. */
@Command(
    name = "start",
    description = "Run the node whose home directory 'timed init' made, until Ctrl-C.")
public final class StartCommand implements Callable<Integer> {
  /**
   * The JVM options bin/timed gives a validator it starts (and bin/bench measures its memory with):
   * a bounded heap, the serial collector (no G1 remembered sets: its pauses on a heap this small
   * are a few milliseconds), bounded code and class space, and an OutOfMemoryError ends the process
   * (a validator that lost a thread to it would look healthy and not vote). bin/timed spells them
   * out again.
   */
  public static final java.util.List<String> JVM_OPTIONS =
      java.util.List.of(
          "-Xms32m",
          "-Xmx256m",
          "-XX:+UseSerialGC",
          "-XX:ReservedCodeCacheSize=64m",
          "-XX:MaxMetaspaceSize=128m",
          "-XX:+ExitOnOutOfMemoryError");

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--home",
      required = true,
      description = "The node's home directory (with config.json, genesis.json, keys/).")
  Path home;

  @Option(
      names = {"-v", "--verbose"},
      description = "Log votes and quorums too.")
  boolean verbose;

  @Option(
      names = "--new-signer-record",
      description =
          "Begin an empty signer record: only for a validator whose record"
              + " was lost, once the network has finalized past every height it may have signed at (else it may equivocate).")
  boolean newSignerRecord;

  @Option(
      names = "--web-port",
      paramLabel = "PORT",
      description =
          "Serve the web port (the explorer, NodeService over"
              + " gRPC-Web and JSON, /metrics, /healthz) on 127.0.0.1:PORT, whatever config.json's web_listen says."
              + " Without it, the web port is on only if config.json has web_listen.")
  Integer webPort;

  @Option(names = "--no-web", description = "No web port, even if config.json has web_listen.")
  boolean noWeb;

  /** The web port's address for {@link Node#start}: "" for none, null for what config.json says. */
  static String webListen(Integer port, boolean none) {
    if (none && port != null) {
      throw new CliCommand.UserError("--web-port and --no-web contradict each other: give one");
    }
    if (port != null && (port < 0 || port > 65_535)) {
      throw new CliCommand.UserError("--web-port " + port + " is not a port (0 to 65535)");
    }
    return none ? "" : port == null ? null : "127.0.0.1:" + port;
  }

  /**
   * Why {@code home} cannot be started, in one line, or null: not a node's home (a network folder:
   * name its nodes), or a node already runs there.
   */
  static String refusal(Path home) throws java.io.IOException {
    if (!Files.isRegularFile(home.resolve(NodeConfig.FILE_NAME))) {
      java.util.List<Path> nodes = Homes.nodeFolders(home);
      if (!nodes.isEmpty()) {
        return home
            + " is a network folder, not a node's home; start one of its nodes ("
            + Homes.names(nodes)
            + "): timed start --home "
            + nodes.get(0)
            + (Files.exists(home.resolve("faucet.key"))
                ? ", or all of them in one process: timed devnet --home " + home
                : "");
      }
      return home
          + (Files.isDirectory(home) ? " has no config.json" : " does not exist")
          + "; make a node's home with: timed init --validators 4 --home DIR (then timed start --home DIR/node-0)";
    }
    String holder = Homes.runningHolder(home);
    return holder == null ? null : home + " is already running (" + holder + ")";
  }

  @Override
  public Integer call() throws Exception {
    String refused = refusal(home);
    if (refused != null) {
      spec.commandLine().getErr().println("timed start: " + refused);
      spec.commandLine().getErr().flush();
      return 1;
    }
    String web;
    try {
      web = webListen(webPort, noWeb);
    } catch (CliCommand.UserError e) {
      spec.commandLine().getErr().println("timed start: " + e.getMessage());
      spec.commandLine().getErr().flush();
      return 1;
    }
    Logs.configure(verbose);
    Node node;
    try {
      if (newSignerRecord) {
        Path data = NodeConfig.read(home.resolve(NodeConfig.FILE_NAME)).dataDir(home);
        FileSignerRecordStore.createNew(data);
        System.err.println(
            "timed start: WARNING: began an empty signer record in "
                + data
                + ". This validator no longer"
                + " knows what it signed before; if it signed at a height the network has not finalized past, it may now"
                + " sign twice there and be reported as an equivocator.");
      }
      node = Node.start(home.getFileName().toString(), home, io.timecoin.node.FailStop.HALT, web);
      if (node.webUrl() != null) {
        System.out.println(home.getFileName() + ": explorer on " + node.webUrl());
      }
    } catch (java.io.IOException e) {
      System.err.println("timed start: " + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  node.close();
                  System.out.println(
                      home.getFileName() + " stopped at height " + node.status().finalizedHeight());
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }
}
