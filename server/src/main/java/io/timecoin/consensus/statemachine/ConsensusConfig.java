package io.timecoin.consensus.statemachine;

/**
 * The consensus parameters of a chain (from its genesis) and the node's own bounds.
 *
 * @param blockIntervalMs the TSDC slot: a block's timestamp is at least its parent's plus this
 * @param maxClockAheadMs a block timestamped further ahead of this validator's clock gets a nil prepare
 * @param maxMessageBytes a proposal or vote larger than this is refused as too large
 * @param bufferedHeights messages this many heights ahead are kept for later, further ones refused
 * @param maxBufferedPerHeight at most this many messages are kept for each future height
 * @param maxBufferedBytes the messages kept for future heights weigh at most this many bytes in all (serialized)
 * @param maxRoundsAhead messages for rounds further ahead of the current one are refused
 * @param rebroadcastMs while a height is undecided, own messages of the round are sent again this often
 */
public record ConsensusConfig(String chainId, long blockIntervalMs, Timeouts timeouts, long maxClockAheadMs,
    int maxMessageBytes, int bufferedHeights, int maxBufferedPerHeight, long maxBufferedBytes, int maxRoundsAhead, long rebroadcastMs) {

  /** Future heights' messages: 16 MiB, room for the proposals of a few rounds of the next heights. */
  public static final long DEFAULT_MAX_BUFFERED_BYTES = 16L << 20;

  /** The defaults of PROTOCOL.md 5.5 for a chain. */
  public static ConsensusConfig defaults(String chainId, long blockIntervalMs) {
    return new ConsensusConfig(chainId, blockIntervalMs, Timeouts.DEFAULTS, 1_000, 4 << 20, 2, 10_000, DEFAULT_MAX_BUFFERED_BYTES, 1_000, 2_000);
  }

  /** timeout_X(r) = base_X + r * delta_X, capped: linear, never exponential (PROTOCOL.md 5.5). */
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
