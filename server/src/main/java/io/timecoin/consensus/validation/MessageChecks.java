package io.timecoin.consensus.validation;

import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;

/**
 * The checks of docs/protocol.md 5.4 that need nothing but the message: wrong chain, then malformed
 * or oversized. Then the engine places it in time (height, round), {@link VoteValidator} and {@link
 * ProposalValidator} check membership, proposer and signature, and the engine's tallies find
 * duplicates and conflicts, in that order.
 */
public final class MessageChecks {
  private MessageChecks() {}

  private static final int HASH = 32;
  private static final int KEY = 32;
  private static final int SIGNATURE = 64;

  /** Null when the vote has the right chain and form. */
  public static Refusal vote(Vote vote, String chainId) {
    if (!vote.getChainId().equals(chainId)) {
      return new Refusal(
          ErrorReason.ERROR_REASON_WRONG_CHAIN, "vote for chain '" + vote.getChainId() + "'");
    }
    if (vote.getType() != VoteType.VOTE_TYPE_PREPARE
        && vote.getType() != VoteType.VOTE_TYPE_PRECOMMIT) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, "vote type " + vote.getTypeValue());
    }
    if (vote.getBlockHash().size() != HASH
        || vote.getValidator().size() != KEY
        || vote.getSignature().size() != SIGNATURE) {
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
      return new Refusal(
          ErrorReason.ERROR_REASON_WRONG_CHAIN,
          "proposal for chain '" + proposal.getChainId() + "'");
    }
    int size = proposal.getSerializedSize();
    if (size > maxBytes) {
      return new Refusal(
          ErrorReason.ERROR_REASON_TOO_LARGE, "proposal of " + size + " bytes, limit " + maxBytes);
    }
    if (!proposal.hasBlock() || !proposal.getBlock().hasHeader()) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, "proposal without a block header");
    }
    if (proposal.getProposer().size() != KEY || proposal.getSignature().size() != SIGNATURE) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, "proposal field of the wrong size");
    }
    Refusal header = header(proposal.getBlock().getHeader());
    if (header != null) {
      return header;
    }
    if (proposal.getBlock().getBody().hasLastCertificate()) {
      Refusal cert = certificate(proposal.getBlock().getBody().getLastCertificate());
      if (cert != null) {
        return new Refusal(cert.reason(), "last_certificate: " + cert.detail());
      }
    }
    for (Vote v : proposal.getJustificationList()) {
      Refusal bad = vote(v, chainId);
      if (bad != null) {
        return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, "justification: " + bad.detail());
      }
    }
    if (proposal.getRound() < 0
        || proposal.getValidRound() < -1
        || proposal.getValidRound() >= proposal.getRound() && proposal.getValidRound() != -1) {
      return new Refusal(
          ErrorReason.ERROR_REASON_MALFORMED,
          "valid_round "
              + proposal.getValidRound()
              + " is not -1 or below round "
              + proposal.getRound());
    }
    if (proposal.getValidRound() == -1 && proposal.getJustificationCount() > 0) {
      return new Refusal(
          ErrorReason.ERROR_REASON_MALFORMED, "a new block carries no justification");
    }
    return null;
  }

  /**
   * Null when every hash of the header is 32 bytes and its proposer key 32 (a synced block's header
   * too).
   */
  public static Refusal header(BlockHeader header) {
    if (header.getPrevHash().size() != HASH
        || header.getTxRoot().size() != HASH
        || header.getWitnessRoot().size() != HASH
        || header.getLastCertificateHash().size() != HASH
        || header.getValidatorSetHash().size() != HASH
        || header.getNextValidatorSetHash().size() != HASH
        || header.getProposer().size() != KEY) {
      return new Refusal(
          ErrorReason.ERROR_REASON_MALFORMED, "block header field of the wrong size");
    }
    return null;
  }

  /**
   * Null when the certificate's fields have their sizes (block hash 32, each validator key 32, each
   * signature 64) and its round fits 2^31 (rounds are ints here). Signers, order and quorum are the
   * certificate check's.
   */
  public static Refusal certificate(FinalityCertificate cert) {
    if (cert.getBlockHash().size() != HASH) {
      return new Refusal(
          ErrorReason.ERROR_REASON_MALFORMED,
          "certificate block_hash of " + cert.getBlockHash().size() + " bytes");
    }
    if (cert.getRound() < 0) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, "certificate round beyond 2^31");
    }
    for (CertificateSignature sig : cert.getSignaturesList()) {
      if (sig.getValidator().size() != KEY || sig.getSignature().size() != SIGNATURE) {
        return new Refusal(
            ErrorReason.ERROR_REASON_MALFORMED, "certificate signature field of the wrong size");
      }
    }
    return null;
  }
}
