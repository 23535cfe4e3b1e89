package io.timecoin.consensus.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * Thousands of seeded random scenarios, every invariant checked after each. The default sweep runs
 * in every build; a longer one runs with {@code -Dtimed.sweep.scenarios=100000} (and {@code
 * -Dtimed.sweep.first=N} to start elsewhere), and chosen seeds replay with {@code
 * -Dtimed.sweep.seed=N} or {@code -Dtimed.sweep.seed=N,M,...}.
 */
class RandomizedSweepTest {
  private static final int DEFAULT_SCENARIOS = 2_000;

  @Test
  void everyInvariantHoldsInEveryScenario() {
    String chosen = System.getProperty("timed.sweep.seed");
    long start = Long.getLong("timed.sweep.first", 1);
    int count = Integer.getInteger("timed.sweep.scenarios", DEFAULT_SCENARIOS);
    LongStream seeds = LongStream.range(start, start + count);
    if (chosen != null) {
      long[] list =
          java.util.Arrays.stream(chosen.split(","))
              .mapToLong(x -> Long.parseLong(x.strip()))
              .toArray();
      seeds = java.util.Arrays.stream(list);
      count = list.length;
      start = list[0];
    }
    long began = System.nanoTime();
    java.util.concurrent.atomic.LongAdder transfers = new java.util.concurrent.atomic.LongAdder();
    List<Simulation.Result> failures =
        seeds
            .parallel()
            .mapToObj(seed -> Simulation.run(ScenarioGenerator.generate(seed)))
            .peek(r -> transfers.add(r.transfers()))
            .filter(r -> !r.ok())
            .sorted(java.util.Comparator.comparingLong(r -> r.scenario().seed()))
            .toList();
    System.out.printf(
        "sweep: %d scenarios from seed %d in %.1f s, %d transfers finalized, %d failed%n",
        count, start, (System.nanoTime() - began) / 1e9, transfers.sum(), failures.size());
    StringBuilder report = new StringBuilder();
    for (Simulation.Result r : failures.subList(0, Math.min(5, failures.size()))) {
      report
          .append("\n")
          .append(r.scenario().summary())
          .append("\n  ")
          .append(
              String.join("\n  ", r.violations().subList(0, Math.min(5, r.violations().size()))))
          .append(
              "\n  replay: mvn -pl server -am test -Dtest=RandomizedSweepTest -Dsurefire.failIfNoSpecifiedTests=false -Dtimed.sweep.seed=")
          .append(r.scenario().seed());
    }
    assertTrue(
        failures.isEmpty(),
        failures.size() + " of " + count + " scenarios broke an invariant:" + report);
  }
}
