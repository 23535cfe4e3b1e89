package io.timecoin.consensus.types;

import com.google.protobuf.ByteString;

/**
 * What one signature commits to: a step of (height, round), for a block hash (nil = zeros), and for
 * a proposal its valid_round, which its signature covers too: two proposals of one (height, round)
 * that differ only there are still two proposals.
 */
public record SignedStep(long height, int round, Kind kind, ByteString blockHash, int validRound) {
  /** In the order a validator signs them within a round. */
  public enum Kind {
    PROPOSAL,
    PREPARE,
    PRECOMMIT
  }

  /** A vote's valid round, and a new block's: none. */
  public static final int NO_VALID_ROUND = -1;

  /**
   * A proposal's valid round as read from a record written before valid rounds were kept: unknown,
   * so no proposal of that (height, round) matches it and none is signed again there.
   */
  public static final int UNKNOWN_VALID_ROUND = Integer.MIN_VALUE;

  /** A vote, or a proposal of a new block. */
  public SignedStep(long height, int round, Kind kind, ByteString blockHash) {
    this(height, round, kind, blockHash, NO_VALID_ROUND);
  }

  public SignedStep {
    if (kind != Kind.PROPOSAL && validRound != NO_VALID_ROUND) {
      throw new IllegalArgumentException("a vote has no valid round, got " + validRound);
    }
  }
}
