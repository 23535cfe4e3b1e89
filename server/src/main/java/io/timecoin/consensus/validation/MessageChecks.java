package io.timecoin.consensus.validation;

import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;

/**
 * The checks of PROTOCOL.md 5.4 that need nothing but the message: wrong chain, then malformed or
 * oversized. The engine applies the rest (height, membership, signature, duplicates, conflicts) in
 * order.
 */
public final class MessageChecks {
  private MessageChecks() {}

  /** Null when the vote has the right chain and form. */
  public static Refusal vote(Vote vote, String chainId) {
    if (!vote.getChainId().equals(chainId)) {
      return new Refusal(ErrorReason.ERROR_REASON_WRONG_CHAIN, "vote for chain '" + vote.getChainId() + "'");
    }
    if (vote.getType() != VoteType.VOTE_TYPE_PREPARE && vote.getType() != VoteType.VOTE_TYPE_PRECOMMIT) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, "vote type " + vote.getTypeValue());
    }
    if (vote.getBlockHash().size() != 32 || vote.getValidator().size() != 32 || vote.getSignature().size() != 64) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, "vote field of the wrong size");
    }
    if (vote.getRound() < 0) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, "round beyond 2^31");
    }
    return null;
  }

  /** Null when the proposal has the right chain, form and size. */
  public static Refusal proposal(Proposal proposal, String chainId, int maxBytes) {
    if (!proposal.getChainId().equals(chainId)) {
      return new Refusal(ErrorReason.ERROR_REASON_WRONG_CHAIN, "proposal for chain '" + proposal.getChainId() + "'");
    }
    int size = proposal.getSerializedSize();
    if (size > maxBytes) {
      return new Refusal(ErrorReason.ERROR_REASON_TOO_LARGE, "proposal of " + size + " bytes, limit " + maxBytes);
    }
    if (!proposal.hasBlock() || !proposal.getBlock().hasHeader()) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, "proposal without a block header");
    }
    if (proposal.getProposer().size() != 32 || proposal.getSignature().size() != 64) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, "proposal field of the wrong size");
    }
    if (proposal.getRound() < 0 || proposal.getValidRound() < -1 || proposal.getValidRound() >= proposal.getRound()
        && proposal.getValidRound() != -1) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED,
          "valid_round " + proposal.getValidRound() + " is not -1 or below round " + proposal.getRound());
    }
    if (proposal.getValidRound() == -1 && proposal.getJustificationCount() > 0) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, "a new block carries no justification");
    }
    return null;
  }
}
