package io.timecoin.consensus.statemachine;

import io.timecoin.consensus.types.SignedStep;
import io.timecoin.proto.v1.VoteType;

/**
 * The steps of a round, in order (docs/protocol.md 5.3), each with what it signs: the one place
 * that maps the engine's step, the vote's type and the signer record's kind onto each other.
 */
public enum Phase {
  PROPOSE(VoteType.VOTE_TYPE_UNSPECIFIED, SignedStep.Kind.PROPOSAL),
  PREPARE(VoteType.VOTE_TYPE_PREPARE, SignedStep.Kind.PREPARE),
  PRECOMMIT(VoteType.VOTE_TYPE_PRECOMMIT, SignedStep.Kind.PRECOMMIT);

  private final VoteType voteType;
  private final SignedStep.Kind signed;

  Phase(VoteType voteType, SignedStep.Kind signed) {
    this.voteType = voteType;
    this.signed = signed;
  }

  /** The type of this phase's vote (a proposal is no vote: UNSPECIFIED). */
  public VoteType voteType() {
    return voteType;
  }

  /** What the signer record calls a signature of this phase. */
  public SignedStep.Kind signed() {
    return signed;
  }

  /**
   * The phase of a vote of this type; only prepares and precommits get this far (MessageChecks).
   */
  public static Phase of(VoteType type) {
    return switch (type) {
      case VOTE_TYPE_PREPARE -> PREPARE;
      case VOTE_TYPE_PRECOMMIT -> PRECOMMIT;
      default -> throw new IllegalArgumentException("no phase votes " + type);
    };
  }

  public static Phase of(SignedStep.Kind kind) {
    return switch (kind) {
      case PROPOSAL -> PROPOSE;
      case PREPARE -> PREPARE;
      case PRECOMMIT -> PRECOMMIT;
    };
  }
}
