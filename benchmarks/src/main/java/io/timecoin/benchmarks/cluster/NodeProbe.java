package io.timecoin.benchmarks.cluster;

import io.timecoin.node.Node;

/**
 * Every use the bench makes of Node's own hooks, in one place: the rest of the bench sees a node
 * through this class and through the client API, as a client would. When Node's hooks change, only
 * this class changes.
 */
final class NodeProbe {
  private NodeProbe() {}

  /** Told of each block a node stores, on its consensus thread: keep it short. */
  @FunctionalInterface
  interface Finalized {
    /** {@code latencyNanos}: from the first proposal of the height seen by the node to the block stored. */
    void finalized(long height, long latencyNanos);
  }

  /** Messages and bytes sent to peers. */
  record Traffic(long messages, long bytes) {
    Traffic plus(Traffic other) {
      return new Traffic(messages + other.messages, bytes + other.bytes);
    }

    Traffic minus(Traffic other) {
      return new Traffic(messages - other.messages, bytes - other.bytes);
    }
  }

  static long finalizedHeight(Node node) {
    return node.status().finalizedHeight();
  }

  /**
   * Adds {@code listener} for every height {@code node} finalizes from now on (it is never removed):
   * told once per new status whose finalized height rose.
   */
  static void onFinalized(Node node, Finalized listener) {
    long[] last = {node.status().finalizedHeight()}; // the consensus thread's own
    node.onStatus(s -> {
      if (s.finalizedHeight() > last[0]) {
        last[0] = s.finalizedHeight();
        listener.finalized(s.finalizedHeight(), s.lastFinalizationLatencyNanos());
      }
    });
  }

  /** What {@code node} sent to its peers since it started. */
  static Traffic traffic(Node node) {
    var s = node.status();
    return new Traffic(s.peerMessagesSent(), s.peerBytesSent());
  }
}
