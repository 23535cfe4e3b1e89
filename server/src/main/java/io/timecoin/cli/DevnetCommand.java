package io.timecoin.cli;

import io.timecoin.node.Logs;
import io.timecoin.node.Node;
import io.timecoin.node.NodeStatus;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.node.config.HostPort;
import io.timecoin.node.config.NodeConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * timed devnet: a local network of validators on loopback, each with its own home and data, real
 * gRPC between them, in this one process. Run again, it resumes from its data. The console shows
 * one line per finalized block; each node's full log is in its home (node-i/timed.log).
 */
@Command(
    name = "devnet",
    description =
        "Start a local network of validators on 127.0.0.1 (made on first run, resumed after).",
    subcommands = {DevnetCommand.StopNode.class, DevnetCommand.StartNode.class})
public final class DevnetCommand extends CliCommand {
  /** Each node's log, in its home; the whole devnet's, interleaved, in the devnet's home. */
  static final String LOG_FILE = "timed.log";

  @Option(
      names = "--validators",
      defaultValue = "4",
      description = "How many validators (first run only; default ${DEFAULT-VALUE}).")
  int validators;

  @Option(
      names = "--home",
      defaultValue = "devnet",
      description = "Where the devnet lives (default ./${DEFAULT-VALUE}).")
  Path home;

  @Option(
      names = "--base-port",
      defaultValue = "24100",
      description =
          "Node i serves peers on base+10i, clients on base+10i+1, metrics on base+10i+2 (first run only; default ${DEFAULT-VALUE}).")
  int basePort;

  @Option(
      names = "--block-interval-ms",
      defaultValue = "1000",
      description = "The TSDC slot (first run only; default ${DEFAULT-VALUE}).")
  long blockIntervalMs;

  @Option(
      names = {"-v", "--verbose"},
      description = "Log votes and quorums too (in the log files).")
  boolean verbose;

  @Option(
      names = "--tls",
      description = "TLS on every port, with certificates made for the devnet (first run only).")
  boolean tls;

  @Option(
      names = "--processes",
      description =
          "Each validator in a process of its own (its pid in node-N/timed.pid):"
              + " 'timed devnet stop-node N' stops one while the others go on, 'timed devnet start-node N' starts it again.")
  boolean processes;

  @Option(
      names = "--web-port",
      paramLabel = "PORT",
      description =
          "Node i serves its web port (the explorer,"
              + " gRPC-Web, JSON, /metrics, /healthz) on PORT+10i (default: its peer port + 3, so base+10i+3).")
  Integer webPort;

  @Option(names = "--no-web", description = "No web port on the nodes.")
  boolean noWeb;

  /**
   * The web port of the node of {@code nodeHome}, the i-th: "" for none; by default its peer port +
   * 3.
   */
  String webListen(Path nodeHome, int i) throws IOException {
    StartCommand.webListen(webPort, noWeb); // refuses both at once
    if (noWeb) {
      return "";
    }
    HostPort peer =
        HostPort.parse(NodeConfig.read(nodeHome.resolve(NodeConfig.FILE_NAME)).peerListen());
    if (webPort != null) {
      return new HostPort(peer.host(), webPort + 10 * i).toString();
    }
    return new HostPort(peer.host(), peer.port() == 0 ? 0 : peer.port() + 3).toString();
  }

  /** Set once every node runs: until then a failure is reported, not "stopped at height". */
  private volatile boolean running;

  @Override
  protected void run() throws IOException {
    PrintWriter print = out();
    boolean resuming = Files.exists(home.resolve(GenesisFile.FILE_NAME));
    if (!resuming) {
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--validators",
                  Integer.toString(validators),
                  "--home",
                  home.toString(),
                  "--base-port",
                  Integer.toString(basePort),
                  "--block-interval-ms",
                  Long.toString(blockIntervalMs)));
      if (tls) {
        args.add("--tls");
      }
      CommandLine init =
          new CommandLine(new InitCommand()).setOut(print).setErr(spec.commandLine().getErr());
      if (init.execute(args.toArray(String[]::new)) != 0) {
        throw new UserError("no devnet made"); // init said why
      }
    } else {
      checkResumable();
    }
    List<Path> homes = Homes.nodeFolders(home);
    if (homes.isEmpty()) {
      throw new UserError(
          home
              + " holds a genesis.json but no node folders (node-0, ...): delete it (rm -r "
              + home
              + ") and run timed devnet again");
    }
    for (Path h : homes) {
      String holder = Homes.runningHolder(h);
      if (holder != null) {
        throw new UserError(
            "the devnet in "
                + home
                + " is already running ("
                + holder
                + "); stop it first (Ctrl-C in"
                + " its terminal)");
      }
    }
    if (resuming) {
      print.println(
          "resuming the devnet in " + home.toAbsolutePath() + " (delete it to start over)");
    }
    Genesis genesis = GenesisFile.read(homes.get(0).resolve(GenesisFile.FILE_NAME));
    for (int i = 0; i < homes.size(); i++) {
      webListen(homes.get(i), i); // a bad --web-port is refused before any node starts
    }
    if (processes) {
      runProcesses(print, homes, genesis.validatorSet().size());
      return;
    }
    // the nodes share this JVM's heap: refuse one too small for all of them
    Node.memoryBudget(genesis).check(Runtime.getRuntime().maxMemory(), homes.size());

    Map<String, Path> logs = new LinkedHashMap<>();
    homes.forEach(h -> logs.put(h.getFileName().toString(), h.resolve(LOG_FILE)));
    Logs.configureFiles(verbose, home.resolve(LOG_FILE), logs);

    List<Node> nodes = new ArrayList<>();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (nodes.isEmpty()) {
                    return; // none started: the reason is already printed
                  }
                  // plain stdout: java.util.logging closes its handlers in a shutdown hook of its
                  // own
                  if (!running) {
                    nodes.forEach(Node::close);
                    return;
                  }
                  System.out.println("stopping the devnet...");
                  long height = 0;
                  for (Node n : nodes) {
                    height = Math.max(height, n.status().finalizedHeight());
                    n.close();
                  }
                  System.out.println(
                      "devnet stopped at height " + height + "; run the same command to resume");
                  stopped.countDown();
                }));
    int n = genesis.validatorSet().size();
    BlockLine blocks = new BlockLine(print, n);
    for (Path h : homes) {
      try {
        Node node =
            Node.start(
                h.getFileName().toString(),
                h,
                io.timecoin.node.FailStop.HALT,
                webListen(h, homes.indexOf(h)));
        node.onStatus(NodeStatus.eachBlock(blocks));
        nodes.add(node);
      } catch (io.timecoin.storage.OldProtocolException e) {
        // the devnet's nodes share one genesis: the whole devnet is recreated, not one node's home
        List<Node> started = new ArrayList<>(nodes);
        nodes.clear();
        started.forEach(Node::close);
        throw new UserError(Node.oldHomeMessage(home, e.storedVersion()));
      } catch (IOException e) {
        List<Node> started = new ArrayList<>(nodes);
        nodes.clear();
        started.forEach(Node::close);
        throw new UserError(h.getFileName() + " did not start: " + e.getMessage());
      }
    }
    running = true;
    print.println();
    print.println(
        "devnet: "
            + nodes.size()
            + " validators on 127.0.0.1. Client endpoints (gRPC, NodeService):");
    for (int i = 0; i < nodes.size(); i++) {
      String web = nodes.get(i).webUrl();
      print.println(
          "  "
              + homes.get(i).getFileName()
              + "  "
              + nodes.get(i).clientEndpoint()
              + (web == null ? "" : "   explorer " + web)
              + "   log "
              + logs.get(homes.get(i).getFileName().toString()));
    }
    if (nodes.get(0).webUrl() != null) {
      print.println(
          "Open "
              + nodes.get(0).webUrl()
              + " in a browser for the explorer; JSON too: curl -d '{}' "
              + nodes.get(0).webUrl()
              + "timecoin.v1.NodeService/GetStatus");
    }
    print.println(
        "All logs, interleaved: "
            + home.resolve(LOG_FILE)
            + " (-v adds votes and quorums)."
            + " Ctrl-C stops the devnet; run the same command again to resume.");
    print.println(
        "A block is final once more than 2/3 of the weight signed ("
            + quorum(n)
            + " of "
            + n
            + " equal validators), so 'signers' is often "
            + quorum(n)
            + "/"
            + n
            + "; the next block's certificate"
            + " holds every timely signer ('paid', the signers of the block before, rewarded by this one).");
    print.println();
    print.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The devnet as one process per validator: starts each (or finds it running from an earlier
   * start-node), prints the line per block until Ctrl-C, then stops every node its pid file names.
   */
  private void runProcesses(PrintWriter print, List<Path> homes, int n) throws IOException {
    if (!NodeConfig.read(homes.get(0).resolve(NodeConfig.FILE_NAME)).tlsDir().isEmpty()) {
      throw new UserError("--processes does not run a TLS devnet yet: run it without --processes");
    }
    DevnetProcesses.jar(); // before any node starts: refused as a whole
    DevnetProcesses.Console console = new DevnetProcesses.Console(print, homes, n);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("stopping the devnet...");
                  for (Path h : homes) {
                    try {
                      DevnetProcesses.stop(h);
                    } catch (IOException e) {
                      System.out.println(h.getFileName() + ": " + e.getMessage());
                    }
                  }
                  console.close();
                  System.out.println(
                      "devnet stopped at height "
                          + console.height()
                          + "; run the same command to resume");
                  stopped.countDown();
                }));
    for (Path h : homes) {
      String web = webListen(h, homes.indexOf(h));
      long pid = DevnetProcesses.start(h, verbose, web);
      print.println(
          "  "
              + h.getFileName()
              + "  "
              + console.endpoint(homes.indexOf(h))
              + "   pid "
              + pid
              + (web.isEmpty() ? "" : "   explorer http://" + web + "/")
              + "   log "
              + h.resolve(LOG_FILE));
    }
    print.println(
        "devnet: "
            + homes.size()
            + " validators, each in its own process. 'timed devnet stop-node N --home "
            + home
            + "' stops node-N (the others go on while more than 2/3 of the weight signs), 'start-node N' starts it"
            + " again. Ctrl-C stops them all.");
    print.flush();
    while (stopped.getCount() > 0) {
      console.poll();
      try {
        if (stopped.await(250, java.util.concurrent.TimeUnit.MILLISECONDS)) {
          break;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** What stop-node and start-node both name: node N of the devnet in --home. */
  abstract static class OneNode extends CliCommand {
    @CommandLine.Parameters(paramLabel = "N", description = "The node's number (node-N).")
    int n;

    @Option(
        names = "--home",
        defaultValue = "devnet",
        description = "Where the devnet lives (default ./${DEFAULT-VALUE}).")
    Path home;
  }

  /**
   * timed devnet stop-node N: stops the validator process of node-N (of a devnet run with
   * --processes).
   */
  @Command(name = "stop-node", description = "Stop one validator of a devnet run with --processes.")
  static final class StopNode extends OneNode {
    @Override
    protected void run() throws IOException {
      Path node = DevnetProcesses.nodeHome(home, n);
      if (!DevnetProcesses.stop(node)) {
        throw new UserError(
            "node-"
                + n
                + " is not running"
                + (Homes.runningHolder(node) != null
                    ? " as a process of its own ("
                        + Homes.runningHolder(node)
                        + "; a devnet without --processes stops as a whole)"
                    : ""));
      }
      out().println("node-" + n + " stopped");
      out().flush();
    }
  }

  /** timed devnet start-node N: starts node-N again as a process of its own. */
  @Command(
      name = "start-node",
      description = "Start one validator of a devnet again, as a process of its own.")
  static final class StartNode extends OneNode {
    @Override
    protected void run() throws IOException {
      Path node = DevnetProcesses.nodeHome(home, n);
      HostPort peer =
          HostPort.parse(NodeConfig.read(node.resolve(NodeConfig.FILE_NAME)).peerListen());
      long pid =
          DevnetProcesses.start(node, false, new HostPort(peer.host(), peer.port() + 3).toString());
      out().println("node-" + n + " started, pid " + pid + ", log " + node.resolve(LOG_FILE));
      out().flush();
    }
  }

  /** The least number of equal-weight signers that is more than 2/3 of n. */
  static int quorum(int n) {
    return 2 * n / 3 + 1;
  }

  /**
   * An existing devnet is resumed as it was made: refuse options given now that it would ignore (a
   * user asking for 7 validators on other ports should not silently get the old 4).
   */
  private void checkResumable() throws IOException {
    Genesis genesis = GenesisFile.read(home.resolve(GenesisFile.FILE_NAME));
    List<Path> homes = Homes.nodeFolders(home);
    NodeConfig first =
        homes.isEmpty() ? null : NodeConfig.read(homes.get(0).resolve(NodeConfig.FILE_NAME));
    int hadValidators = genesis.masternodes().size();
    int hadBase = first == null ? basePort : HostPort.parse(first.peerListen()).port();
    boolean hadTls = first != null && !first.tlsDir().isEmpty();
    CommandLine.ParseResult given = spec.commandLine().getParseResult();
    List<String> ignored = new ArrayList<>();
    if (given.hasMatchedOption("--validators") && validators != hadValidators) {
      ignored.add("--validators " + validators);
    }
    if (given.hasMatchedOption("--base-port") && basePort != hadBase) {
      ignored.add("--base-port " + basePort);
    }
    if (given.hasMatchedOption("--block-interval-ms")
        && blockIntervalMs != genesis.blockIntervalMs()) {
      ignored.add("--block-interval-ms " + blockIntervalMs);
    }
    if (tls && !hadTls) {
      ignored.add("--tls");
    }
    if (!ignored.isEmpty()) {
      throw new UserError(
          home
              + " already holds a devnet of "
              + hadValidators
              + " validators on base port "
              + hadBase
              + " ("
              + genesis.blockIntervalMs()
              + " ms blocks"
              + (hadTls ? ", TLS" : "")
              + "), which would ignore "
              + String.join(", ", ignored)
              + ": run without them to resume it, or give another --home (or rm -r "
              + home
              + ") for a new one");
    }
  }

  /**
   * The console's line per block: the first node to finalize a height prints it (height, round,
   * signers k/n of its certificate, signers of the previous height that it pays, transactions,
   * latency from its first proposal to final).
   */
  static final class BlockLine implements java.util.function.Consumer<NodeStatus> {
    private final PrintWriter out;
    private final int validators;
    private final AtomicLong printed = new AtomicLong();

    BlockLine(PrintWriter out, int validators) {
      this.out = out;
      this.validators = validators;
    }

    @Override
    public void accept(NodeStatus status) {
      io.timecoin.proto.v1.Block block = status.finalizedBlock();
      io.timecoin.proto.v1.FinalityCertificate cert = status.finalizedCertificate();
      long latencyNanos = status.lastFinalizationLatencyNanos();
      long height = block.getHeader().getHeight();
      long last = printed.get();
      if (height <= last || !printed.compareAndSet(last, height)) {
        return; // another node printed it (or a later one)
      }
      out.println(
          line(
              height,
              cert.getRound(),
              cert.getSignaturesCount(),
              block.getBody().getLastCertificate().getSignaturesCount(),
              validators,
              block.getBody().getTransactionsCount() - 1,
              latencyNanos / 1_000_000));
      out.flush();
    }

    /**
     * {@code paid}: the signers of the certificate of height-1 this block carries (0 at height 1).
     */
    static String line(
        long height, int round, int signers, int paid, int validators, int txs, long latencyMs) {
      return String.format(
          "%s height %-6d round %d  signers %d/%d  paid %d/%d  txs %-4d %5d ms",
          java.time.LocalTime.now().withNano(0),
          height,
          round,
          signers,
          validators,
          paid,
          validators,
          txs,
          latencyMs);
    }
  }
}
