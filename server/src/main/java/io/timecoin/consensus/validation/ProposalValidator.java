package io.timecoin.consensus.validation;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.ValidatorSet;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * docs/protocol.md 5.4 steps 5, 7 and 9 for a proposal, run before the state machine takes it: its
 * proposer is a member and proposer(h, r), its signature verifies, a new block names its proposer,
 * and a re-proposal carries a quorum of valid prepares of its valid_round for its block. The block
 * itself is judged where blocks are held (4.3).
 */
public final class ProposalValidator {
  private final String chainId;
  private final SignatureVerifier verifier;

  public ProposalValidator(String chainId, SignatureVerifier verifier) {
    this.chainId = chainId;
    this.verifier = verifier;
  }

  /** Step 5: null when the proposer is in {@code set}. */
  public Refusal member(Proposal proposal, ValidatorSet set) {
    if (set.member(proposal.getProposer()) != null) {
      return null;
    }
    return new Refusal(
        ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR,
        (proposal.getHeight() == set.height() ? "" : "height " + proposal.getHeight() + ": ")
            + "proposer is not in the set of height "
            + set.height());
  }

  /** Step 5: null when the proposer is a member and proposer(h, r) of its round. */
  public Refusal proposer(Proposal proposal, ValidatorSet set) {
    Refusal notMember = member(proposal, set);
    if (notMember != null) {
      return notMember;
    }
    if (!set.proposer(chainId, proposal.getHeight(), proposal.getRound())
        .keyBytes()
        .equals(proposal.getProposer())) {
      return new Refusal(
          ErrorReason.ERROR_REASON_WRONG_PROPOSER,
          "not the proposer of round " + proposal.getRound());
    }
    return null;
  }

  /**
   * Step 7: null when the signature, over the header (not the body), verifies with the proposer's
   * key.
   */
  public Refusal signature(Proposal proposal, ValidatorSet.Member proposer) {
    byte[] signed;
    try {
      signed = CanonicalBytes.proposal(proposal);
    } catch (MalformedException e) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, e.getMessage());
    }
    if (verifier.verify(proposer.key(), signed, proposal.getSignature())) {
      return null;
    }
    return new Refusal(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE, "proposal signature does not verify");
  }

  /**
   * Step 9, before the block is judged: null when a new block names its proposer in its header, or
   * a re-proposal's justification is distinct members' valid prepares of its valid_round for its
   * block ({@code blockHash}) forming a quorum. Prepares for which {@code held} is true were
   * verified when they were counted, and are not verified again.
   */
  public Refusal justified(
      Proposal proposal, ByteString blockHash, ValidatorSet set, Predicate<Vote> held) {
    int vr = proposal.getValidRound();
    if (vr == -1) {
      return proposal.getBlock().getHeader().getProposer().equals(proposal.getProposer())
          ? null
          : new Refusal(
              ErrorReason.ERROR_REASON_INVALID_BLOCK, "a new block must name its proposer");
    }
    Set<ByteString> signers = new HashSet<>();
    long weight = 0;
    for (Vote v : proposal.getJustificationList()) {
      if (MessageChecks.vote(v, chainId) != null
          || v.getType() != VoteType.VOTE_TYPE_PREPARE
          || v.getHeight() != proposal.getHeight()
          || v.getRound() != vr
          || !v.getBlockHash().equals(blockHash)) {
        return new Refusal(
            ErrorReason.ERROR_REASON_MALFORMED,
            "justification is not prepares of round " + vr + " for the block");
      }
      ValidatorSet.Member m = set.member(v.getValidator());
      if (m == null) {
        return new Refusal(
            ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR, "justification signer is not in the set");
      }
      if (!signers.add(v.getValidator())) {
        return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, "justification repeats a signer");
      }
      if (!held.test(v) && !verifier.verify(m.key(), CanonicalBytes.vote(v), v.getSignature())) {
        return new Refusal(
            ErrorReason.ERROR_REASON_BAD_SIGNATURE, "justification signature does not verify");
      }
      weight += m.weight();
    }
    if (!set.isQuorum(weight)) {
      return new Refusal(
          ErrorReason.ERROR_REASON_NO_QUORUM, "justification is not a quorum of prepares");
    }
    return null;
  }
}
