package io.timecoin.node;

import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.timecoin.node.peer.PeerNetwork;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * gRPC health (and /healthz): SERVING once the node is synced (no connected peer is known to have
 * finalized beyond ours + 1, and it has a peer, unless its config names none), NOT_SERVING while it
 * catches up. Known: proven by a verified message; a hello's claim counts only briefly and a few
 * heights ahead, so one peer announcing a huge height cannot keep the node NOT_SERVING. Checked on
 * each new finalized height and every 500 ms (peers come and go between blocks).
 */
final class NodeHealth implements AutoCloseable {
  private final HealthStatusManager health = new HealthStatusManager();
  private final ScheduledExecutorService check =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("health"));
  private final PeerNetwork network;
  private final boolean peersConfigured;
  private final Supplier<NodeStatus> status;
  private volatile boolean serving;
  private long checkedHeight = -1; // consensus thread only

  NodeHealth(PeerNetwork network, boolean peersConfigured, Supplier<NodeStatus> status) {
    this.network = network;
    this.peersConfigured = peersConfigured;
    this.status = status;
    health.setStatus("", ServingStatus.NOT_SERVING);
  }

  BindableService service() {
    return health.getHealthService();
  }

  /** What the health service says (read by /healthz). */
  boolean serving() {
    return serving;
  }

  void start(FailStop.Fatal fatal) {
    check.scheduleWithFixedDelay(
        FailStop.guarded("the health check", () -> update(status.get()), fatal),
        0,
        500,
        TimeUnit.MILLISECONDS);
  }

  /**
   * A listener of the node's status, on the consensus thread: checks again when the finalized
   * height moves.
   */
  void statusChanged(NodeStatus s) {
    if (s.finalizedHeight() != checkedHeight) {
      checkedHeight = s.finalizedHeight();
      update(s);
    }
  }

  private synchronized void update(NodeStatus s) {
    boolean synced =
        (network.peerCount() > 0 || !peersConfigured)
            && network.bestKnownHeight() <= s.finalizedHeight() + 1;
    serving = synced;
    health.setStatus("", synced ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  @Override
  public void close() {
    check.shutdownNow();
    health.enterTerminalState();
  }
}
