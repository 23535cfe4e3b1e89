package io.timecoin.protocol;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** Building and checking finality certificates (docs/protocol.md 5.7). */
public final class FinalityCertificates {
  private FinalityCertificates() {}

  /** A certificate is refused for a typed reason. */
  public static final class InvalidCertificateException extends Exception {
    private static final long serialVersionUID = 1L;
    private final ErrorReason reason;

    public InvalidCertificateException(ErrorReason reason, String message) {
      super(message);
      this.reason = reason;
    }

    public ErrorReason reason() {
      return reason;
    }
  }

  /** The certificate made of these precommits for (height, round, blockHash), sorted by key. */
  public static FinalityCertificate build(
      long height, int round, ByteString blockHash, Collection<Vote> precommits) {
    List<CertificateSignature> signatures = new ArrayList<>();
    for (Vote v : precommits) {
      signatures.add(
          CertificateSignature.newBuilder()
              .setValidator(v.getValidator())
              .setSignature(v.getSignature())
              .build());
    }
    signatures.sort(
        Comparator.comparing(
            CertificateSignature::getValidator, ByteString.unsignedLexicographicalComparator()));
    return FinalityCertificate.newBuilder()
        .setHeight(height)
        .setRound(round)
        .setBlockHash(blockHash)
        .addAllSignatures(signatures)
        .build();
  }

  /**
   * Checks that every signature verifies over the precommit's VOTE bytes, the signers are distinct
   * members of {@code set}, and they form a quorum; and that it certifies a block, not nil.
   */
  public static void verify(FinalityCertificate cert, String chainId, ValidatorSet set)
      throws InvalidCertificateException {
    verify(cert, chainId, set, SignatureVerifier.ED25519);
  }

  /**
   * As {@link #verify(FinalityCertificate, String, ValidatorSet)}, checking signatures with {@code
   * verifier}.
   */
  public static void verify(
      FinalityCertificate cert, String chainId, ValidatorSet set, SignatureVerifier verifier)
      throws InvalidCertificateException {
    byte[] precommit;
    try {
      CanonicalBytes.certificate(cert); // sizes and strict key order, which also rules out repeats
      precommit =
          CanonicalBytes.vote(
              chainId,
              VoteType.VOTE_TYPE_PRECOMMIT,
              cert.getHeight(),
              cert.getRound(),
              cert.getBlockHash());
    } catch (MalformedException e) {
      throw new InvalidCertificateException(
          ErrorReason.ERROR_REASON_MALFORMED, "certificate: " + e.getMessage());
    }
    if (cert.getBlockHash().equals(io.timecoin.canonical.Hashes.NIL)) {
      throw new InvalidCertificateException(
          ErrorReason.ERROR_REASON_MALFORMED, "certificate for nil");
    }
    long signed = 0;
    for (CertificateSignature s : cert.getSignaturesList()) {
      ValidatorSet.Member m = set.member(s.getValidator());
      if (m == null) {
        throw new InvalidCertificateException(
            ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR,
            "certificate signer is not in the set of height " + set.height());
      }
      if (!verifier.verify(m.key(), precommit, s.getSignature())) {
        throw new InvalidCertificateException(
            ErrorReason.ERROR_REASON_BAD_SIGNATURE,
            "certificate signature of " + m.key().toHex() + " does not verify");
      }
      signed += m.weight();
    }
    if (!set.isQuorum(signed)) {
      throw new InvalidCertificateException(
          ErrorReason.ERROR_REASON_NO_QUORUM,
          "certificate signers hold "
              + signed
              + " of "
              + set.totalWeight()
              + ", not more than two thirds");
    }
  }
}
