package io.timecoin.node.peer;

import io.timecoin.node.config.NodeLimits;
import java.time.Duration;

/**
 * The peer network's limits ({@link PeerNetwork}): what a peer may cost this node.
 *
 * @param maxQueuedBytes the bytes waiting to be sent to one peer; beyond, the peer is dropped
 * @param sendBudgetBytes the bytes waiting to be sent to all peers together (a message queued for
 *     several counts once); beyond, the peer holding the most is dropped, a non-validator first
 * @param handshake the time a stream has to complete the hello exchange
 * @param syncProgress the time a sync source may go without sending a block
 * @param syncServeStall the time a syncing peer may go without reading, before its stream is
 *     cancelled
 * @param maxSyncStreams the SyncBlocks streams served at once (one per peer)
 * @param heightHint how far beyond this node's tip a peer's unverified hello height counts (for
 *     health)
 * @param hintLife how long that hint counts after the peer is admitted
 * @param maxNonValidators admitted peers that are not validators of the current set, at most;
 *     beyond, a non-validator's handshake is refused (RESOURCE_EXHAUSTED)
 */
public record PeerLimits(
    long maxQueuedBytes,
    long sendBudgetBytes,
    int maxMessageBytes,
    Duration handshake,
    Duration syncProgress,
    Duration syncServeStall,
    int maxSyncStreams,
    long heightHint,
    Duration hintLife,
    int maxNonValidators) {
  /**
   * SyncBlocks streams served at once, by default: each holds one block in the heap while it is
   * sent.
   */
  public static final int DEFAULT_SYNC_STREAMS = NodeLimits.SYNC_STREAMS.intDefault();

  /**
   * The default limits; {@code sendBudgetBytes} is the node's memory budget for all peers' send
   * queues.
   */
  public static PeerLimits defaults(int maxMessageBytes, long sendBudgetBytes, long heightHint) {
    return of(
        NodeLimits.DEFAULTS.with(NodeLimits.MAX_MESSAGE_BYTES, maxMessageBytes),
        sendBudgetBytes,
        heightHint);
  }

  /**
   * The limits a node's config gives ({@link NodeLimits}); {@code sendBudgetBytes} as in {@link
   * #defaults}.
   */
  public static PeerLimits of(NodeLimits l, long sendBudgetBytes, long heightHint) {
    return new PeerLimits(
        l.get(NodeLimits.PEER_QUEUE_BYTES),
        sendBudgetBytes,
        l.intValue(NodeLimits.MAX_MESSAGE_BYTES),
        Duration.ofMillis(l.get(NodeLimits.PEER_HANDSHAKE_MS)),
        Duration.ofMillis(l.get(NodeLimits.SYNC_PROGRESS_MS)),
        Duration.ofMillis(l.get(NodeLimits.SYNC_SERVE_STALL_MS)),
        l.intValue(NodeLimits.SYNC_STREAMS),
        heightHint,
        Duration.ofMillis(l.get(NodeLimits.PEER_HINT_LIFE_MS)),
        l.intValue(NodeLimits.MAX_NON_VALIDATOR_PEERS));
  }
}
