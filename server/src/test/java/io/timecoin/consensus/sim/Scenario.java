package io.timecoin.consensus.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One run of the simulator: the validators and their stakes, the nodes (honest or Byzantine) that
 * hold their keys, the faults and when they strike, the network, and what to check at the end.
 */
public record Scenario(
    String name,
    long seed,
    List<Long> weights,
    List<NodeSpec> nodes,
    List<Fault> faults,
    Network network,
    long blockIntervalMs,
    long healAtMs,
    long endMs,
    boolean checkLiveness,
    int minHeightsAfterHeal) {

  /** How a node behaves. */
  public enum Behaviour {
    /** Runs the engine and follows the protocol. */
    HONEST,
    /** Receives but never sends, until a Speak fault. */
    SILENT,
    /**
     * When it proposes, sends one block to half of the nodes and another to the rest, and votes for
     * both.
     */
    EQUIVOCATING_PROPOSER,
    /** Sends every vote to half of the nodes and a conflicting one to the rest. */
    DOUBLE_VOTER,
    /** An honest engine whose key another node also runs, with a signer record of its own. */
    TWIN,
    /**
     * Not a validator: forges votes with its own key, replays old messages, sends bad signatures.
     */
    OUTSIDER,
    /**
     * Relays every proposal to between f+1 and 2f honest nodes with its body tampered (a witness
     * bit flipped, or an unknown field appended: the header, hence the hash and the proposal
     * signature, unchanged), just before the genuine copy reaches them; it serves tampered bodies
     * to catch-up. With a validator's key it is one of the f and otherwise runs the protocol;
     * without one it only relays.
     */
    TAMPERING_RELAYER
  }

  /**
   * A node: which validator's key it holds (-1 for none), how it behaves, how wrong its clock is.
   */
  public record NodeSpec(int validator, Behaviour behaviour, long clockSkewMs) {
    boolean honest() {
      return behaviour == Behaviour.HONEST;
    }

    /**
     * Whether it runs an engine (over a ledger of its own): every node with a validator's key but
     * an outsider.
     */
    boolean runsEngine() {
      return validator >= 0 && behaviour != Behaviour.OUTSIDER;
    }
  }

  /** Delays are uniform in [minDelayMs, maxDelayMs]; loss and duplication apply until the heal. */
  public record Network(long minDelayMs, long maxDelayMs, double loss, double duplicate) {
    static final Network CALM = new Network(5, 40, 0, 0);
  }

  /** Something that happens to the network or a node at a time. */
  public sealed interface Fault {
    long atMs();
  }

  /** Splits the nodes into groups that cannot reach each other (nodes in no group are alone). */
  public record Partition(long atMs, List<Set<Integer>> groups) implements Fault {}

  /** Reconnects every node. */
  public record Heal(long atMs) implements Fault {}

  /** The node stops at once; its memory is lost, its signer record is not. */
  public record Crash(long atMs, int node) implements Fault {}

  /** The node starts again from genesis with its signer record, and catches up from peers. */
  public record Restart(long atMs, int node) implements Fault {}

  /** A silent node starts sending. */
  public record Speak(long atMs, int node) implements Fault {}

  /** A one-line description for failure messages. */
  public String summary() {
    List<String> specs = new ArrayList<>();
    for (NodeSpec n : nodes) {
      specs.add(
          (n.validator() >= 0
                  ? "v" + n.validator() + "(" + weights.get(n.validator()) + ")"
                  : "node")
              + (n.honest() ? "" : ":" + n.behaviour())
              + (n.clockSkewMs() != 0 ? "~" + n.clockSkewMs() + "ms" : ""));
    }
    return name
        + " seed="
        + seed
        + " nodes="
        + specs
        + " faults="
        + faults
        + " net="
        + network
        + " interval="
        + blockIntervalMs
        + " heal="
        + healAtMs
        + " end="
        + endMs;
  }

  /** A builder for hand-written scenarios: n equal honest validators on a calm network. */
  public static Builder equalValidators(String name, int n) {
    Builder b = new Builder(name);
    for (int i = 0; i < n; i++) {
      b.weights.add(1_000L);
      b.nodes.add(new NodeSpec(i, Behaviour.HONEST, 0));
    }
    return b;
  }

  /** Builds a scenario step by step. */
  public static final class Builder {
    private final String name;
    final List<Long> weights = new ArrayList<>();
    final List<NodeSpec> nodes = new ArrayList<>();
    private final List<Fault> faults = new ArrayList<>();
    private Network network = Network.CALM;
    private long seed = 1;
    private long interval = 200;
    private long healAt = 0;
    private long end = 20_000;
    private boolean liveness = true;
    private int minHeights = 3;

    Builder(String name) {
      this.name = name;
    }

    public Builder weights(long... w) {
      for (int i = 0; i < w.length; i++) {
        weights.set(i, w[i]);
      }
      return this;
    }

    public Builder behaviour(int node, Behaviour behaviour) {
      NodeSpec old = nodes.get(node);
      nodes.set(node, new NodeSpec(old.validator(), behaviour, old.clockSkewMs()));
      return this;
    }

    public Builder addNode(int validator, Behaviour behaviour) {
      nodes.add(new NodeSpec(validator, behaviour, 0));
      return this;
    }

    public Builder fault(Fault f) {
      faults.add(f);
      return this;
    }

    public Builder network(Network n) {
      network = n;
      return this;
    }

    public Builder seed(long s) {
      seed = s;
      return this;
    }

    public Builder blockInterval(long ms) {
      interval = ms;
      return this;
    }

    /** Liveness is judged from this time on: at least {@code heights} new heights by the end. */
    public Builder liveAfter(long healAtMs, long endMs, int heights) {
      healAt = healAtMs;
      end = endMs;
      liveness = true;
      minHeights = heights;
      return this;
    }

    /** Only safety is judged: the run ends at {@code endMs}. */
    public Builder safetyOnly(long endMs) {
      end = endMs;
      healAt = endMs;
      liveness = false;
      return this;
    }

    public Scenario build() {
      return new Scenario(
          name,
          seed,
          List.copyOf(weights),
          List.copyOf(nodes),
          List.copyOf(faults),
          network,
          interval,
          healAt,
          end,
          liveness,
          minHeights);
    }
  }
}
