package io.timecoin.cli;

import io.timecoin.attack.AttackSuite;
import io.timecoin.attack.LocalCluster;
import io.timecoin.attack.Observer;
import java.io.IOException;
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
@Command(name = "reliability", description = "Run every attack of the Byzantine peer against local validators and print the outcomes.")
public final class ReliabilityCommand implements Callable<Integer> {
  @Option(names = "--runs", defaultValue = "3", description = "Runs of every attack, each on a fresh network (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--write", paramLabel = "FILE", description = "Also write the results as Markdown to FILE.")
  Path write;

  @Option(names = "--jar", paramLabel = "JAR", description = "The timed.jar the validators run (default: the jar this command runs from).")
  Path jar;

  /** Per attack class, in the order they run: every run's outcome. */
  private final Map<String, List<AttackSuite.Outcome>> outcomes = new LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    Path validatorJar = jar != null ? jar : ownJar();
    io.timecoin.node.Logs.configure(false);
    for (int r = 1; r <= runs; r++) {
      Path home = Files.createTempDirectory("timed-reliability");
      System.err.println("run " + r + " of " + runs + " in " + home);
      try (AttackSuite suite = new AttackSuite(new LocalCluster(validatorJar, home.resolve("net"), 4, 200, AttackSuite.LINK_DELAY_MS))) {
        suite.start();
        for (AttackSuite.Outcome o : suite.runAll()) {
          outcomes.computeIfAbsent(o.attack(), k -> new ArrayList<>()).add(o);
          System.err.println("  " + (o.held() ? "held  " : "FAILED") + " " + (o.held() ? o.attack() + " (" + o.counts() + ")" : o.failures()));
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
    return outcomes.values().stream().flatMap(List::stream).allMatch(AttackSuite.Outcome::held) ? 0 : 1;
  }

  private static Path ownJar() {
    try {
      Path p = Path.of(ReliabilityCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (p.toString().endsWith(".jar")) {
        return p;
      }
    } catch (java.net.URISyntaxException | SecurityException e) {
      // fall through
    }
    throw new CliCommand.UserError("not run from timed.jar: name the jar the validators run with --jar");
  }

  private String report() {
    StringBuilder b = new StringBuilder();
    b.append("# Reliability\n\n");
    b.append("Written by `java -jar server/target/timed.jar reliability --runs ").append(runs)
        .append(" --write RELIABILITY.md` on ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(" (")
        .append(new TimedCommand.Version().getVersion()[0]).append("), ").append(Runtime.getRuntime().availableProcessors())
        .append(" cores.\n\n");
    b.append("Each run starts a fresh network of four validators, each a process with the JVM options of `bin/timed` (")
        .append(String.join(" ", StartCommand.JVM_OPTIONS)).append("), blocks every 200 ms, faucet transfers in them, the links")
        .append(" between validators ").append(AttackSuite.LINK_DELAY_MS).append(" ms slower than the attacker's direct link to each.")
        .append(" The Byzantine peer (`io.timecoin.attack.ByzantinePeer`) runs every attack class in turn on the real peer port.")
        .append(" After each: the honest validators must finalize ").append(AttackSuite.BLOCKS).append(" blocks during the attack or within ")
        .append(AttackSuite.LIVENESS_SECONDS).append(" s of its end, hold the same block hash at every height (GetBlock on each),")
        .append(" stay under ").append(Observer.RSS_BUDGET_BYTES >> 20).append(" MiB resident (VmRSS, sampled every 200 ms), and count")
        .append(" the refusal in their metrics with its reason. An attack that leaves the network halted is followed by a restart of")
        .append(" every validator, so the next one is judged on its own. The same checks run in `ByzantinePeerTest`.\n\n");
    b.append("| attack | tried | network kept finalizing | max validator RSS | refusal counted | every check held |\n");
    b.append("|---|---|---|---|---|---|\n");
    for (var e : outcomes.entrySet()) {
      List<AttackSuite.Outcome> os = e.getValue();
      long live = os.stream().filter(AttackSuite.Outcome::keptFinalizing).count();
      long counted = os.stream().filter(AttackSuite.Outcome::refusalCounted).count();
      long held = os.stream().filter(AttackSuite.Outcome::held).count();
      long rss = os.stream().mapToLong(AttackSuite.Outcome::maxRssBytes).max().orElse(0);
      b.append("| ").append(e.getKey()).append(" | ").append(os.size()).append(" | ")
          .append(yesNo(live, os.size())).append(" | ").append(rss >> 20).append(" MiB | ")
          .append(yesNo(counted, os.size())).append(" (`").append(os.get(0).refusalMetric().replace("|", "\\|")).append("`) | ")
          .append(yesNo(held, os.size())).append(" |\n");
    }
    b.append("\n## What failed\n\n");
    boolean any = false;
    for (var e : outcomes.entrySet()) {
      for (int r = 0; r < e.getValue().size(); r++) {
        AttackSuite.Outcome o = e.getValue().get(r);
        if (!o.held()) {
          any = true;
          b.append("- run ").append(r + 1).append(": ").append(o.failures().replace("\n", " ")).append('\n');
        }
      }
    }
    if (!any) {
      b.append("Nothing: every check held in every run.\n");
    }
    b.append("\n## The simulator's sweep\n\n");
    b.append("`mvn -B -ntp verify` runs ").append(Integer.getInteger("timed.sweep.scenarios", 2_000))
        .append(" randomized scenarios of the consensus simulator (`RandomizedSweepTest`, `-Dtimed.sweep.scenarios=N` for more;")
        .append(" alone: `mvn -B -ntp -pl server -am test -Dtest=RandomizedSweepTest -Dsurefire.failIfNoSpecifiedTests=false`),")
        .append(" each checked for safety and liveness.\n");
    b.append("\n## Memory budget of a validator\n\n");
    for (String line : memoryBudgetLines()) {
      b.append(line).append('\n');
    }
    return b.toString();
  }

  private static String yesNo(long yes, int of) {
    return yes == of ? "yes (" + yes + "/" + of + ")" : "no (" + yes + "/" + of + ")";
  }

  /**
   * The memory budget section: where a validator's bytes go and why they fit. The hook for the
   * node's own accounting (its byte budgets of feed, sync window and queues); until that is
   * merged, the process-level arithmetic that the RSS check above uses.
   */
  static List<String> memoryBudgetLines() {
    return List.of(
        "The resident-memory budget the checks above hold each validator to, " + (Observer.RSS_BUDGET_BYTES >> 20) + " MiB:",
        "",
        "| part | bound | from |",
        "|---|---|---|",
        "| Java heap | 256 MiB | `-Xmx256m` |",
        "| code cache | 64 MiB | `-XX:ReservedCodeCacheSize=64m` |",
        "| metaspace | 128 MiB | `-XX:MaxMetaspaceSize=128m` |",
        "| thread stacks, Netty direct buffers, the JVM itself | not capped by an option | |",
        "",
        "Heap and code cache take 256 + 64 = 320 MiB at most, leaving 80 MiB of the budget for the metaspace in use, the"
            + " thread stacks and the direct buffers; the caps alone add up to 448 MiB, so the budget is a measured one (the"
            + " largest RSS of the table above), not a bound the options enforce. What the node keeps on its heap under attack"
            + " (future-height buffers, send queues, the feed, the sync window) must fit the 256 MiB heap by the node's own byte"
            + " budgets; their arithmetic belongs here (the node part's `MemoryBudget`).");
  }
}
