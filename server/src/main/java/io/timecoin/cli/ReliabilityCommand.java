package io.timecoin.cli;

import io.timecoin.attack.AttackSuite;
import io.timecoin.attack.LocalCluster;
import io.timecoin.attack.Observer;
import io.timecoin.node.MemoryBudget;
import io.timecoin.node.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * timed reliability: every attack class of the Byzantine peer ({@link AttackSuite}), {@code --runs}
 * times, each run against a fresh network of four validator processes on 127.0.0.1; prints per
 * attack how often the network kept finalizing, the largest validator RSS, and whether the refusal
 * was counted in the nodes' metrics. {@code --write FILE} also writes RELIABILITY.md.
 */
@Command(
    name = "reliability",
    description =
        "Run every attack of the Byzantine peer against local validators and print the outcomes.")
public final class ReliabilityCommand implements Callable<Integer> {
  @Option(
      names = "--runs",
      defaultValue = "3",
      description = "Runs of every attack, each on a fresh network (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--write",
      paramLabel = "FILE",
      description = "Also write the results as Markdown to FILE.")
  Path write;

  @Option(
      names = "--jar",
      paramLabel = "JAR",
      description = "The timed.jar the validators run (default: the jar this command runs from).")
  Path jar;

  /** Per attack class, in the order they run: every run's outcome. */
  private final Map<String, List<AttackSuite.Outcome>> outcomes = new LinkedHashMap<>();

  /** The heap's byte budgets under the validators' genesis. */
  private MemoryBudget budget;

  @Override
  public Integer call() throws Exception {
    Path validatorJar = jar != null ? jar : ownJar();
    io.timecoin.node.Logs.configure(false);
    for (int r = 1; r <= runs; r++) {
      Path home = Files.createTempDirectory("timed-reliability");
      System.err.println("run " + r + " of " + runs + " in " + home);
      LocalCluster cluster =
          new LocalCluster(validatorJar, home.resolve("net"), 4, 200, AttackSuite.LINK_DELAY_MS);
      budget = Node.memoryBudget(cluster.genesis);
      try (AttackSuite suite = new AttackSuite(cluster)) {
        suite.start();
        for (AttackSuite.Outcome o : suite.runAll()) {
          outcomes.computeIfAbsent(o.attack(), k -> new ArrayList<>()).add(o);
          System.err.println(
              "  "
                  + (o.held() ? "held  " : "FAILED")
                  + " "
                  + (o.held() ? o.attack() + " (" + o.counts() + ")" : o.failures()));
        }
      } finally {
        try (var files = Files.walk(home)) {
          files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
      }
    }
    String report = report();
    System.out.print(report);
    if (write != null) {
      Files.writeString(write, report);
    }
    return outcomes.values().stream().flatMap(List::stream).allMatch(AttackSuite.Outcome::held)
        ? 0
        : 1;
  }

  private static Path ownJar() {
    try {
      Path p =
          Path.of(
              ReliabilityCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (p.toString().endsWith(".jar")) {
        return p;
      }
    } catch (java.net.URISyntaxException | SecurityException e) {
      // fall through
    }
    throw new CliCommand.UserError(
        "not run from timed.jar: name the jar the validators run with --jar");
  }

  private String report() {
    StringBuilder b = new StringBuilder();
    b.append("# Reliability\n\n");
    b.append("Written by `java -jar server/target/timed.jar reliability --runs ")
        .append(runs)
        .append(" --write RELIABILITY.md` on ")
        .append(Instant.now().truncatedTo(ChronoUnit.SECONDS))
        .append(" (")
        .append(new TimedCommand.Version().getVersion()[0])
        .append("), ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores.\n\n");
    b.append(
            "Each run starts a fresh network of four validators, each a process with the JVM options of `bin/timed` (")
        .append(String.join(" ", StartCommand.JVM_OPTIONS))
        .append("), blocks every 200 ms, faucet transfers in them, the links")
        .append(" between validators ")
        .append(AttackSuite.LINK_DELAY_MS)
        .append(" ms slower than the attacker's direct link to each.")
        .append(
            " The Byzantine peer (`io.timecoin.attack.ByzantinePeer`) runs every attack class in turn on the real peer port.")
        .append(" After each: the honest validators must finalize ")
        .append(AttackSuite.BLOCKS)
        .append(" blocks during the attack or within ")
        .append(AttackSuite.LIVENESS_SECONDS)
        .append(" s of its end, hold the same block hash at every height (GetBlock on each),")
        .append(" stay under ")
        .append(Observer.RSS_BUDGET_BYTES >> 20)
        .append(" MiB resident (VmRSS, sampled every 200 ms), and count")
        .append(
            " the refusal in their metrics with its reason. An attack that leaves the network halted is followed by a restart of")
        .append(
            " every validator, so the next one is judged on its own. The same checks run in `ByzantinePeerTest`.\n\n");
    b.append(
        "| attack | tried | network kept finalizing | max validator RSS | refusal counted | every check held |\n");
    b.append("|---|---|---|---|---|---|\n");
    for (var e : outcomes.entrySet()) {
      List<AttackSuite.Outcome> os = e.getValue();
      long live = os.stream().filter(AttackSuite.Outcome::keptFinalizing).count();
      long counted = os.stream().filter(AttackSuite.Outcome::refusalCounted).count();
      long held = os.stream().filter(AttackSuite.Outcome::held).count();
      long rss = os.stream().mapToLong(AttackSuite.Outcome::maxRssBytes).max().orElse(0);
      b.append("| ")
          .append(e.getKey())
          .append(" | ")
          .append(os.size())
          .append(" | ")
          .append(yesNo(live, os.size()))
          .append(" | ")
          .append(rss >> 20)
          .append(" MiB | ")
          .append(yesNo(counted, os.size()))
          .append(" (`")
          .append(os.get(0).refusalMetric().replace("|", "\\|"))
          .append("`) | ")
          .append(yesNo(held, os.size()))
          .append(" |\n");
    }
    b.append("\n## What failed\n\n");
    boolean any = false;
    for (var e : outcomes.entrySet()) {
      for (int r = 0; r < e.getValue().size(); r++) {
        AttackSuite.Outcome o = e.getValue().get(r);
        if (!o.held()) {
          any = true;
          b.append("- run ")
              .append(r + 1)
              .append(": ")
              .append(o.failures().replace("\n", " "))
              .append('\n');
        }
      }
    }
    if (!any) {
      b.append("Nothing: every check held in every run.\n");
    }
    b.append("\n## The simulator's sweep\n\n");
    b.append("`mvn -B -ntp verify` runs ")
        .append(Integer.getInteger("timed.sweep.scenarios", 2_000))
        .append(
            " randomized scenarios of the consensus simulator (`RandomizedSweepTest`, `-Dtimed.sweep.scenarios=N` for more;")
        .append(
            " alone: `mvn -B -ntp -pl server -am test -Dtest=RandomizedSweepTest -Dsurefire.failIfNoSpecifiedTests=false`),")
        .append(
            " each a network of simulated validators running the real engine and the node's ledger (real blocks, real")
        .append(
            " transfers) under randomized Byzantine behaviours, among them a relayer that tampers with proposal bodies")
        .append(
            " and serves tampered blocks to nodes catching up; each is checked for agreement on the finalized bytes,")
        .append(" validity and liveness, and one violation fails the build.\n");
    b.append("\n## Memory budget of a validator\n\n");
    for (String line : memoryBudgetLines(budget)) {
      b.append(line).append('\n');
    }
    return b.toString();
  }

  private static String yesNo(long yes, int of) {
    return yes == of ? "yes (" + yes + "/" + of + ")" : "no (" + yes + "/" + of + ")";
  }

  /**
   * The memory budget section: the node's byte budgets on its heap (MemoryBudget, from the genesis
   * limits: the same sum a node checks at start-up), then what the process adds around the heap.
   */
  static List<String> memoryBudgetLines(MemoryBudget budget) {
    List<String> out =
        new ArrayList<>(
            List.of(
                "Every buffer a peer or client can fill is bounded in bytes; `MemoryBudget` adds the bounds up from the genesis"
                    + " limits (max_block_bytes "
                    + (budget.maxBlockBytes() >> 10)
                    + " KiB, max_tx_bytes "
                    + (budget.maxTxBytes() >> 10)
                    + " KiB, peer messages up to "
                    + (budget.maxMessageBytes() >> 20)
                    + " MiB), and a node whose heap is smaller"
                    + " than the sum refuses to start, naming both:",
                "",
                "```"));
    out.addAll(budget.lines());
    out.addAll(
        List.of(
            "```",
            "",
            "Around the heap, the process of a validator (`bin/timed start`, the options above):",
            "",
            "| part | bound | from |",
            "|---|---|---|",
            "| Java heap | 256 MiB ("
                + (budget.requiredHeapBytes() >> 20)
                + " MiB of it budgeted) | `-Xmx256m` |",
            "| code cache | 64 MiB | `-XX:ReservedCodeCacheSize=64m` |",
            "| metaspace | 128 MiB | `-XX:MaxMetaspaceSize=128m` |",
            "| subscription streams' unread blocks (Netty, off the heap) | "
                + (budget.subscriberSendBytes() >> 20)
                + " MiB | the feed's send budget |",
            "| thread stacks, other direct buffers, RocksDB (32 MiB block cache and memtables), the JVM | not capped by an option | |",
            "",
            "The checks above hold each validator to "
                + (Observer.RSS_BUDGET_BYTES >> 20)
                + " MiB resident: heap, code cache and"
                + " the feed's off-heap budget take at most 256 + 64 + "
                + (budget.subscriberSendBytes() >> 20)
                + " MiB, the rest"
                + " is measured (the largest RSS in the table), not enforced by an option."));
    return out;
  }
}
