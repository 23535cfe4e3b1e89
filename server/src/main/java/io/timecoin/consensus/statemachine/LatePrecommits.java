package io.timecoin.consensus.statemachine;

import com.google.protobuf.ByteString;
import io.timecoin.consensus.types.ChainTip;
import io.timecoin.consensus.validation.Refusal;
import io.timecoin.consensus.validation.VoteValidator;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Vote;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;

/**
 * Precommits for the tip's block, in its certificate's round, from members of the tip's set whose
 * precommit the certificate lacks, heard after the tip was final: the next block's last_certificate
 * carries them, so a slower honest validator is still paid (docs/protocol.md 5.7, 8.5). One per
 * signer, so at most the set's size. A new height gets a new one.
 */
final class LatePrecommits {
  private final ChainTip tip;
  private final VoteValidator votes;
  private final TreeMap<ByteString, Vote> bySigner =
      new TreeMap<>(ByteString.unsignedLexicographicalComparator());

  LatePrecommits(ChainTip tip, VoteValidator votes) {
    this.tip = tip;
    this.votes = votes;
  }

  /**
   * A precommit for the height just finalized: kept when it is for the tip's block in its
   * certificate's round and from a member the certificate lacks; any other late vote is simply late
   * (counted as late, not a fault).
   */
  Verdict offer(Vote vote) {
    FinalityCertificate cert = tip.certificate();
    if (cert == null
        || vote.getRound() != cert.getRound()
        || !vote.getBlockHash().equals(tip.blockHash())) {
      return Verdict.LATE;
    }
    Refusal notMember = votes.member(vote, tip.certificateSet());
    if (notMember != null) {
      return Verdict.refused(notMember);
    }
    if (bySigner.containsKey(vote.getValidator()) || certificateHolds(cert, vote.getValidator())) {
      return Verdict.DUPLICATE; // one precommit per signer: a second signature adds nothing
    }
    Refusal forged = votes.signature(vote, tip.certificateSet().member(vote.getValidator()));
    if (forged != null) {
      return Verdict.refused(forged);
    }
    bySigner.put(vote.getValidator(), vote);
    return Verdict.ACCEPTED;
  }

  /**
   * The certificate of the tip as the next block carries it: the one that finalized the tip, with
   * every valid precommit heard since, sorted by key (docs/protocol.md 5.7). Null at height 1.
   */
  FinalityCertificate certificate() {
    FinalityCertificate cert = tip.certificate();
    if (cert == null || bySigner.isEmpty()) {
      return cert;
    }
    List<CertificateSignature> signatures = new ArrayList<>(cert.getSignaturesList());
    for (Vote v : bySigner.values()) {
      signatures.add(
          CertificateSignature.newBuilder()
              .setValidator(v.getValidator())
              .setSignature(v.getSignature())
              .build());
    }
    signatures.sort(
        Comparator.comparing(
            CertificateSignature::getValidator, ByteString.unsignedLexicographicalComparator()));
    return cert.toBuilder().clearSignatures().addAllSignatures(signatures).build();
  }

  private static boolean certificateHolds(FinalityCertificate cert, ByteString validator) {
    for (CertificateSignature s : cert.getSignaturesList()) {
      if (s.getValidator().equals(validator)) {
        return true;
      }
    }
    return false;
  }
}
