package io.timecoin.consensus.signer;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.types.SignedStep;

/**
 * The never-sign-twice record (PROTOCOL.md 5.6): the last (height, round, step, block hash) this
 * validator signed, and the lock it held then. Within a height a validator signs in (round, step)
 * order, so one record is enough: anything before it, or at it for another block, is refused. The
 * lock is kept too, so that a validator restarted mid-height still honours it.
 */
public record SignerRecord(long height, int round, int step, ByteString blockHash, int lockedRound, ByteString lockedHash) {
  /** Nothing signed yet. */
  public static final SignerRecord EMPTY = new SignerRecord(0, 0, -1, Hashes.NIL, -1, Hashes.NIL);

  /** Negative, zero or positive as {@code s} comes before, at or after this record. */
  public int compareTo(SignedStep s) {
    int c = Long.compare(s.height(), height);
    if (c == 0) {
      c = Integer.compare(s.round(), round);
    }
    if (c == 0) {
      c = Integer.compare(s.kind().ordinal(), step);
    }
    return c;
  }

  /** The record after signing {@code s}: a precommit for a block locks it. */
  public SignerRecord after(SignedStep s) {
    boolean locks = s.kind() == SignedStep.Kind.PRECOMMIT && !s.blockHash().equals(Hashes.NIL);
    int newLockedRound = locks ? s.round() : s.height() == height ? lockedRound : -1;
    ByteString newLockedHash = locks ? s.blockHash() : s.height() == height ? lockedHash : Hashes.NIL;
    return new SignerRecord(s.height(), s.round(), s.kind().ordinal(), s.blockHash(), newLockedRound, newLockedHash);
  }
}
