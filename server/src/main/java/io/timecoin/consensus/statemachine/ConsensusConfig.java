package io.timecoin.consensus.statemachine;

/**
 * The consensus parameters of a chain (from its genesis) and the node's own bounds. The defaults of
 * the bounds are here, so that the core depends on nothing of the node; the node's table of
 * settings (io.timecoin.node.config.NodeLimits) takes them as its defaults, names them in
 * config.json and bounds them.
 *
 * @param blockIntervalMs the TSDC slot: a block's timestamp is at least its parent's plus this
 * @param maxClockAheadMs a block timestamped further ahead of this validator's clock gets a nil
 *     prepare
 * @param maxMessageBytes a proposal or vote larger than this is refused as too large
 * @param bufferedHeights messages this many heights ahead are kept for later, further ones refused
 * @param maxBufferedPerHeight at most this many messages are kept for each future height
 * @param maxBufferedBytes the messages kept for future heights weigh at most this many bytes in all
 *     (serialized)
 * @param maxRoundsAhead votes for rounds further ahead of the current one are refused (proposals:
 *     more than one ahead)
 * @param rebroadcastMs while a height is undecided, own messages of the round are sent again this
 *     often
 * @param maxHeldBlockBytes the blocks the engine holds for the current height weigh at most this
 *     many bytes (serialized); at least maxMessageBytes, so that one block always fits
 */
public record ConsensusConfig(
    String chainId,
    long blockIntervalMs,
    Timeouts timeouts,
    long maxClockAheadMs,
    int maxMessageBytes,
    int bufferedHeights,
    int maxBufferedPerHeight,
    long maxBufferedBytes,
    int maxRoundsAhead,
    long rebroadcastMs,
    long maxHeldBlockBytes) {

  public static final long DEFAULT_MAX_CLOCK_AHEAD_MS = 1_000;

  /**
   * 8 MiB, twice the genesis default max_block_bytes (4 MiB): a proposal carries a whole block,
   * whose transactions alone may weigh max_block_bytes, plus their framing, the header and a
   * re-proposal's justification (a quorum of prepares).
   */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 8 << 20;

  public static final int DEFAULT_BUFFERED_HEIGHTS = 2;
  public static final int DEFAULT_MAX_BUFFERED_PER_HEIGHT = 10_000;

  /**
   * Future heights' messages: 16 MiB, room for the proposals of a few rounds of the next heights.
   */
  public static final long DEFAULT_MAX_BUFFERED_BYTES = 16L << 20;

  public static final int DEFAULT_MAX_ROUNDS_AHEAD = 1_000;
  public static final long DEFAULT_REBROADCAST_MS = 2_000;

  /**
   * Blocks of the current height: 32 MiB, four blocks of the largest message. A height needs few at
   * once: the locked and the valid block, the proposals of this round and the next, and any block
   * more than a third of the weight precommitted.
   */
  public static final long DEFAULT_MAX_HELD_BLOCK_BYTES = 32L << 20;

  public ConsensusConfig {
    if (maxHeldBlockBytes < maxMessageBytes) {
      throw new IllegalArgumentException(
          "maxHeldBlockBytes "
              + maxHeldBlockBytes
              + " is less than one message of "
              + maxMessageBytes
              + " bytes");
    }
  }

  /** The defaults of docs/protocol.md 5.5 for a chain, with the default bounds. */
  public static ConsensusConfig defaults(String chainId, long blockIntervalMs) {
    return new ConsensusConfig(
        chainId,
        blockIntervalMs,
        Timeouts.DEFAULTS,
        DEFAULT_MAX_CLOCK_AHEAD_MS,
        DEFAULT_MAX_MESSAGE_BYTES,
        DEFAULT_BUFFERED_HEIGHTS,
        DEFAULT_MAX_BUFFERED_PER_HEIGHT,
        DEFAULT_MAX_BUFFERED_BYTES,
        DEFAULT_MAX_ROUNDS_AHEAD,
        DEFAULT_REBROADCAST_MS,
        DEFAULT_MAX_HELD_BLOCK_BYTES);
  }

  /**
   * timeout_X(r) = base_X + r * delta_X, capped: linear, never exponential (docs/protocol.md 5.5).
   */
  public record Timeouts(
      long proposeBase,
      long proposeDelta,
      long prepareBase,
      long prepareDelta,
      long precommitBase,
      long precommitDelta,
      long cap) {
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
