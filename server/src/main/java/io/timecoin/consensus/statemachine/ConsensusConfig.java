package io.timecoin.consensus.statemachine;

import io.timecoin.node.config.NodeLimits;

/**
 * The consensus parameters of a chain (from its genesis) and the node's own bounds (from its
 * config.json: {@link NodeLimits}, whose table holds their names, defaults and ranges).
 *
 * @param blockIntervalMs the TSDC slot: a block's timestamp is at least its parent's plus this
 * @param maxClockAheadMs a block timestamped further ahead of this validator's clock gets a nil prepare
 * @param maxMessageBytes a proposal or vote larger than this is refused as too large
 * @param bufferedHeights messages this many heights ahead are kept for later, further ones refused
 * @param maxBufferedPerHeight at most this many messages are kept for each future height
 * @param maxBufferedBytes the messages kept for future heights weigh at most this many bytes in all (serialized)
 * @param maxRoundsAhead votes for rounds further ahead of the current one are refused (proposals: more than one ahead)
 * @param rebroadcastMs while a height is undecided, own messages of the round are sent again this often
 * @param maxHeldBlockBytes the blocks the engine holds for the current height weigh at most this many bytes
 *     (serialized); at least maxMessageBytes, so that one block always fits
 */
public record ConsensusConfig(String chainId, long blockIntervalMs, Timeouts timeouts, long maxClockAheadMs,
    int maxMessageBytes, int bufferedHeights, int maxBufferedPerHeight, long maxBufferedBytes, int maxRoundsAhead, long rebroadcastMs,
    long maxHeldBlockBytes) {

  /** Future heights' messages ({@link NodeLimits#MAX_BUFFERED_BYTES}). */
  public static final long DEFAULT_MAX_BUFFERED_BYTES = NodeLimits.MAX_BUFFERED_BYTES.defaultValue();
  /** Blocks of the current height ({@link NodeLimits#MAX_HELD_BLOCK_BYTES}), the node's and the engine's default alike. */
  public static final long DEFAULT_MAX_HELD_BLOCK_BYTES = NodeLimits.MAX_HELD_BLOCK_BYTES.defaultValue();

  public ConsensusConfig {
    if (maxHeldBlockBytes < maxMessageBytes) {
      throw new IllegalArgumentException("maxHeldBlockBytes " + maxHeldBlockBytes + " is less than one message of "
          + maxMessageBytes + " bytes");
    }
  }

  /** The defaults of docs/protocol.md 5.5 for a chain, and the node's default limits ({@link NodeLimits#DEFAULTS}). */
  public static ConsensusConfig defaults(String chainId, long blockIntervalMs) {
    return of(chainId, blockIntervalMs, Timeouts.DEFAULTS, NodeLimits.DEFAULTS);
  }

  /** A chain's parameters (from its genesis) with a node's limits (from its config.json). */
  public static ConsensusConfig of(String chainId, long blockIntervalMs, Timeouts timeouts, NodeLimits limits) {
    return new ConsensusConfig(chainId, blockIntervalMs, timeouts, limits.get(NodeLimits.MAX_CLOCK_AHEAD_MS),
        limits.intValue(NodeLimits.MAX_MESSAGE_BYTES), limits.intValue(NodeLimits.BUFFERED_HEIGHTS),
        limits.intValue(NodeLimits.MAX_BUFFERED_PER_HEIGHT), limits.get(NodeLimits.MAX_BUFFERED_BYTES),
        limits.intValue(NodeLimits.MAX_ROUNDS_AHEAD), limits.get(NodeLimits.REBROADCAST_MS),
        limits.get(NodeLimits.MAX_HELD_BLOCK_BYTES));
  }

  /** timeout_X(r) = base_X + r * delta_X, capped: linear, never exponential (docs/protocol.md 5.5). */
  public record Timeouts(long proposeBase, long proposeDelta, long prepareBase, long prepareDelta,
      long precommitBase, long precommitDelta, long cap) {
    public static final Timeouts DEFAULTS = new Timeouts(1_000, 500, 500, 250, 500, 250, 30_000);

    public long propose(int round) {
      return Math.min(cap, proposeBase + round * proposeDelta);
    }

    public long prepare(int round) {
      return Math.min(cap, prepareBase + round * prepareDelta);
    }

    public long precommit(int round) {
      return Math.min(cap, precommitBase + round * precommitDelta);
    }
  }
}
