package io.timecoin.benchmarks.cluster;

import io.timecoin.node.Node;
import io.timecoin.node.NodeStatus;

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
    /**
     * {@code latencyNanos}: from the first proposal of the height seen by the node to the block
     * stored.
     */
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
   * Adds {@code listener} for every block {@code node} stores from now on (it is never removed).
   */
  static void onFinalized(Node node, Finalized listener) {
    node.onStatus(
        NodeStatus.eachBlock(
            s -> listener.finalized(s.finalizedHeight(), s.lastFinalizationLatencyNanos())));
  }

  /** What {@code node} sent to its peers since it started. */
  static Traffic traffic(Node node) {
    var s = node.status();
    return new Traffic(s.peerMessagesSent(), s.peerBytesSent());
  }
}
