package io.timecoin.consensus.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.consensus.types.BlockTemplate;
import io.timecoin.consensus.types.ChainTip;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Validator;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.FinalityCertificates;
import io.timecoin.protocol.ValidatorSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A block's last_certificate (docs/protocol.md 5.7, 8.5): any superset of a quorum of distinct
 * members' valid precommits for the parent is valid, not only the certificate that finalized it
 * here.
 */
class BlockRulesTest {
  private static final String CHAIN = "timecoin-test";
  private static final long T0 = 1_800_000_000_000L;
  private static final ByteString PARENT =
      ByteString.copyFrom(Sha256.hash("block 1".getBytes(StandardCharsets.UTF_8)));

  private final List<Ed25519KeyPair> keys = new ArrayList<>();
  private final ValidatorSet set;

  /** Height 1 finalized here by validators 0, 1 and 2. */
  private final ChainTip tip;

  BlockRulesTest() {
    List<Validator> validators = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      keys.add(
          Ed25519KeyPair.fromSeed(Sha256.hash(("rules " + i).getBytes(StandardCharsets.UTF_8))));
      validators.add(Validator.newBuilder().setKey(key(i)).setWeight(1_000).build());
    }
    set = ValidatorSet.of(1, validators);
    tip = new ChainTip(1, PARENT, T0, certificate(0, 1, 2), set, set.atHeight(2));
  }

  private ByteString key(int i) {
    return ByteString.copyFrom(keys.get(i).publicKey().bytes());
  }

  private Vote precommit(int i) {
    Vote unsigned =
        Vote.newBuilder()
            .setChainId(CHAIN)
            .setType(VoteType.VOTE_TYPE_PRECOMMIT)
            .setHeight(1)
            .setRound(0)
            .setBlockHash(PARENT)
            .setValidator(key(i))
            .build();
    return unsigned.toBuilder()
        .setSignature(ByteString.copyFrom(keys.get(i).sign(CanonicalBytes.vote(unsigned))))
        .build();
  }

  private FinalityCertificate certificate(int... signers) {
    List<Vote> votes = new ArrayList<>();
    for (int i : signers) {
      votes.add(precommit(i));
    }
    return FinalityCertificates.build(1, 0, PARENT, votes);
  }

  private Refusal carrying(FinalityCertificate cert) {
    Block block =
        new BlockTemplate(CHAIN, 2, T0 + 1_000, PARENT, cert, set.hash(), key(0))
            .assemble(List.of());
    return BlockRules.checkBody(block, tip, CHAIN, SignatureVerifier.ED25519);
  }

  /**
   * A certificate that has no canonical bytes (so no hash for the header), in a block built around
   * another.
   */
  private Refusal carryingMalformed(FinalityCertificate cert) {
    Block block =
        new BlockTemplate(CHAIN, 2, T0 + 1_000, PARENT, certificate(0, 1, 2), set.hash(), key(0))
            .assemble(List.of());
    Block swapped =
        block.toBuilder().setBody(block.getBody().toBuilder().setLastCertificate(cert)).build();
    return BlockRules.checkBody(swapped, tip, CHAIN, SignatureVerifier.ED25519);
  }

  @Test
  void everySupersetOfAQuorumIsValid() {
    assertNull(carrying(certificate(0, 1, 2)), "the certificate that finalized the parent here");
    assertNull(carrying(certificate(0, 1, 2, 3)), "every signer");
    assertNull(carrying(certificate(1, 2, 3)), "another quorum");
  }

  @Test
  void lessThanAQuorumOrARepeatedOrForeignOrBadSignerIsRefused() {
    assertEquals(ErrorReason.ERROR_REASON_NO_QUORUM, carrying(certificate(0, 3)).reason());
    FinalityCertificate full = certificate(0, 1, 2, 3);
    // a signer twice: the strict key order refuses it
    FinalityCertificate repeated = full.toBuilder().addSignatures(2, full.getSignatures(2)).build();
    assertEquals(ErrorReason.ERROR_REASON_MALFORMED, carryingMalformed(repeated).reason());
    // out of key order
    FinalityCertificate unsorted =
        full.toBuilder()
            .clearSignatures()
            .addSignatures(full.getSignatures(3))
            .addAllSignatures(full.getSignaturesList().subList(0, 3))
            .build();
    assertEquals(ErrorReason.ERROR_REASON_MALFORMED, carryingMalformed(unsorted).reason());
    // a fourth signature that does not verify spoils the whole certificate
    byte[] sig = full.getSignatures(3).getSignature().toByteArray();
    sig[7] ^= 1;
    FinalityCertificate badExtra =
        full.toBuilder()
            .setSignatures(
                3, full.getSignatures(3).toBuilder().setSignature(ByteString.copyFrom(sig)))
            .build();
    assertEquals(ErrorReason.ERROR_REASON_BAD_SIGNATURE, carrying(badExtra).reason());
    // a stranger's precommit added to a quorum
    Ed25519KeyPair stranger = Ed25519KeyPair.fromSeed(new byte[32]);
    Vote v =
        precommit(0).toBuilder()
            .setValidator(ByteString.copyFrom(stranger.publicKey().bytes()))
            .clearSignature()
            .build();
    CertificateSignature foreign =
        CertificateSignature.newBuilder()
            .setValidator(v.getValidator())
            .setSignature(ByteString.copyFrom(stranger.sign(CanonicalBytes.vote(v))))
            .build();
    List<CertificateSignature> withForeign =
        new ArrayList<>(certificate(0, 1, 2).getSignaturesList());
    withForeign.add(foreign);
    withForeign.sort(
        java.util.Comparator.comparing(
            CertificateSignature::getValidator, ByteString.unsignedLexicographicalComparator()));
    FinalityCertificate foreignCert =
        certificate(0, 1, 2).toBuilder().clearSignatures().addAllSignatures(withForeign).build();
    assertEquals(ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR, carrying(foreignCert).reason());
  }
}
