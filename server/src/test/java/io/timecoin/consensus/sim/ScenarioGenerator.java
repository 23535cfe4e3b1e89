package io.timecoin.consensus.sim;

import io.timecoin.consensus.sim.Scenario.Behaviour;
import io.timecoin.consensus.sim.Scenario.Fault;
import io.timecoin.consensus.sim.Scenario.NodeSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Random scenarios in the style of Twins: 4 to 10 validators with unequal stakes, Byzantine
 * validators (silent, equivocating, double-voting, twins) and crashed ones within the fault bound,
 * an outsider forging and replaying, partitions, loss, duplication, delays and clock skew until a
 * heal, then a calm network on which liveness is judged.
 *
 * <p>Most scenarios keep the faulty weight f below a third (3f < W) and check safety and liveness.
 * One in five lets f reach exactly a third where the stakes allow it: the strict quorum 3S > 2W
 * is still safe there (two quorums overlap in more than W/3), so these check safety alone, and they
 * are the ones that catch a quorum weakened to 3S >= 2W.
 */
public final class ScenarioGenerator {
  private static final Behaviour[] BYZANTINE = {
      Behaviour.SILENT, Behaviour.EQUIVOCATING_PROPOSER, Behaviour.DOUBLE_VOTER, Behaviour.TWIN};

  private ScenarioGenerator() {}

  public static Scenario generate(long seed) {
    Random r = new Random(seed * 0x9E3779B97F4A7C15L + 17);
    int n = 4 + r.nextInt(7);
    List<Long> weights = new ArrayList<>();
    long total = 0;
    boolean equal = r.nextInt(4) == 0;
    for (int i = 0; i < n; i++) {
      long w = equal ? 1_000 : 1_000L * (1 + r.nextInt(10));
      weights.add(w);
      total += w;
    }
    boolean safetyOnly = r.nextInt(5) == 0;
    long healAt = 2_000 + r.nextInt(10_000);

    // faulty validators: Byzantine ones, and honest ones that crash and stay down
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    java.util.Collections.shuffle(order, r);
    Behaviour[] behaviour = new Behaviour[n];
    java.util.Arrays.fill(behaviour, Behaviour.HONEST);
    Set<Integer> downForGood = new HashSet<>();
    long faulty = 0;
    int wanted = r.nextInt(3);
    for (int v : order) {
      if (wanted == 0) {
        break;
      }
      long f = faulty + weights.get(v);
      if (safetyOnly ? 3 * f <= total : 3 * f < total) {
        faulty = f;
        wanted--;
        if (!safetyOnly && r.nextInt(4) == 0) {
          downForGood.add(v);
        } else {
          behaviour[v] = BYZANTINE[r.nextInt(BYZANTINE.length)];
        }
      }
    }

    List<NodeSpec> nodes = new ArrayList<>();
    for (int v = 0; v < n; v++) {
      nodes.add(new NodeSpec(v, behaviour[v], r.nextInt(4) == 0 ? r.nextInt(601) - 300 : 0));
    }
    for (int v = 0; v < n; v++) {
      if (behaviour[v] == Behaviour.TWIN) {
        nodes.add(new NodeSpec(v, Behaviour.TWIN, 0));
      }
    }
    if (r.nextBoolean()) {
      nodes.add(new NodeSpec(-1, Behaviour.OUTSIDER, 0));
    }

    List<Fault> faults = new ArrayList<>();
    int partitions = r.nextInt(4);
    for (int i = 0; i < partitions; i++) {
      faults.add(new Scenario.Partition(r.nextInt((int) healAt), randomGroups(r, nodes.size())));
    }
    if (partitions > 0) {
      faults.add(new Scenario.Heal(healAt));
    }
    // twins sit on different sides from the start when there is a partition
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).behaviour() == Behaviour.TWIN && r.nextBoolean()) {
        faults.add(new Scenario.Partition(0, twinSplit(nodes, i)));
        if (partitions == 0) {
          faults.add(new Scenario.Heal(healAt));
        }
        break;
      }
    }
    for (int v : downForGood) {
      faults.add(new Scenario.Crash(r.nextInt((int) healAt), v));
    }
    int crashes = r.nextInt(3);
    for (int i = 0; i < crashes; i++) {
      int v = r.nextInt(n);
      if (behaviour[v] == Behaviour.HONEST && !downForGood.contains(v)) {
        long at = r.nextInt((int) healAt);
        faults.add(new Scenario.Crash(at, v));
        faults.add(new Scenario.Restart(at + 1 + r.nextInt((int) (healAt - at)), v));
      }
    }
    faults.sort(java.util.Comparator.comparingLong(Fault::atMs));

    Scenario.Network net = new Scenario.Network(1 + r.nextInt(20), 20 + r.nextInt(400),
        r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.3, r.nextDouble() * 0.2);
    long[] intervals = {200, 500, 1_000};
    long interval = intervals[r.nextInt(intervals.length)];
    return new Scenario("random", seed, weights, nodes, faults, net, interval, healAt,
        healAt + (safetyOnly ? 8_000 : 25_000), !safetyOnly, 2);
  }

  private static List<Set<Integer>> randomGroups(Random r, int nodes) {
    int k = 2 + r.nextInt(2);
    List<Set<Integer>> groups = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      groups.add(new HashSet<>());
    }
    for (int i = 0; i < nodes; i++) {
      groups.get(r.nextInt(k)).add(i);
    }
    return groups;
  }

  /** Two halves with the twin at {@code twin} on the other side from its first copy. */
  private static List<Set<Integer>> twinSplit(List<NodeSpec> nodes, int twin) {
    int validator = nodes.get(twin).validator();
    Set<Integer> a = new HashSet<>();
    Set<Integer> b = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).validator() == validator) {
        (i == twin ? b : a).add(i);
      } else {
        (i % 2 == 0 ? a : b).add(i);
      }
    }
    return List.of(a, b);
  }
}
