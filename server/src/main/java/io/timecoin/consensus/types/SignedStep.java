package io.timecoin.consensus.types;

import com.google.protobuf.ByteString;

/** What one signature commits to: a step of (height, round), for a block hash (nil = zeros). */
public record SignedStep(long height, int round, Kind kind, ByteString blockHash) {
  /** In the order a validator signs them within a round. */
  public enum Kind { PROPOSAL, PREPARE, PRECOMMIT }
}
