package io.timecoin.consensus.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.types.BlockTemplate;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Validator;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.ValidatorSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The checks a proposal passes before the state machine takes it (docs/protocol.md 5.4 steps 5, 7,
 * 9), one refusal each.
 */
class ProposalValidatorTest {
  private static final String CHAIN = "timecoin-test";
  private final List<Ed25519KeyPair> keys = new ArrayList<>();
  private final ValidatorSet set;
  private final ProposalValidator validator =
      new ProposalValidator(CHAIN, SignatureVerifier.ED25519);
  private final Ed25519KeyPair stranger =
      Ed25519KeyPair.fromSeed(Sha256.hash("stranger".getBytes(StandardCharsets.UTF_8)));

  ProposalValidatorTest() {
    List<Validator> validators = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      keys.add(
          Ed25519KeyPair.fromSeed(
              Sha256.hash(("validator " + i).getBytes(StandardCharsets.UTF_8))));
      validators.add(Validator.newBuilder().setKey(key(keys.get(i))).setWeight(1_000).build());
    }
    set = ValidatorSet.of(1, validators);
  }

  private static ByteString key(Ed25519KeyPair k) {
    return ByteString.copyFrom(k.publicKey().bytes());
  }

  private Ed25519KeyPair proposerOf(int round) {
    ByteString k = set.proposer(CHAIN, 1, round).keyBytes();
    return keys.stream().filter(p -> key(p).equals(k)).findFirst().orElseThrow();
  }

  private static Proposal signed(Proposal unsigned, Ed25519KeyPair by) {
    return unsigned.toBuilder()
        .setSignature(ByteString.copyFrom(by.sign(CanonicalBytes.proposal(unsigned))))
        .build();
  }

  private Proposal newBlock(int round, Ed25519KeyPair by, ByteString headerProposer) {
    var template =
        new BlockTemplate(
            CHAIN, 1, 1_000, ByteString.copyFrom(new byte[32]), null, set.hash(), headerProposer);
    return signed(
        Proposal.newBuilder()
            .setChainId(CHAIN)
            .setHeight(1)
            .setRound(round)
            .setValidRound(-1)
            .setBlock(template.assemble(List.of()))
            .setProposer(key(by))
            .build(),
        by);
  }

  private Vote prepare(Ed25519KeyPair by, int round, ByteString hash) {
    Vote unsigned =
        Vote.newBuilder()
            .setChainId(CHAIN)
            .setType(VoteType.VOTE_TYPE_PREPARE)
            .setHeight(1)
            .setRound(round)
            .setBlockHash(hash)
            .setValidator(key(by))
            .build();
    return unsigned.toBuilder()
        .setSignature(ByteString.copyFrom(by.sign(CanonicalBytes.vote(unsigned))))
        .build();
  }

  /** Round 1's proposer re-proposes round 0's block, justified by these prepares. */
  private Proposal reproposal(List<Vote> justification) {
    Ed25519KeyPair p = proposerOf(1);
    Proposal first = newBlock(0, proposerOf(0), key(proposerOf(0)));
    return signed(
        first.toBuilder()
            .clearSignature()
            .setRound(1)
            .setValidRound(0)
            .setProposer(key(p))
            .addAllJustification(justification)
            .build(),
        p);
  }

  private Refusal justified(Proposal p) {
    return validator.justified(p, Hashes.block(p.getBlock().getHeader()), set, v -> false);
  }

  private static ErrorReason reason(Refusal r) {
    return r == null ? null : r.reason();
  }

  @Test
  void theProposerMustBeAMemberAndTheRoundsProposer() {
    assertNull(validator.proposer(newBlock(0, proposerOf(0), key(proposerOf(0))), set));
    assertEquals(
        ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR,
        reason(validator.proposer(newBlock(0, stranger, key(stranger)), set)));
    Ed25519KeyPair other = keys.stream().filter(k -> k != proposerOf(0)).findFirst().orElseThrow();
    assertEquals(
        ErrorReason.ERROR_REASON_WRONG_PROPOSER,
        reason(validator.proposer(newBlock(0, other, key(other)), set)));
  }

  @Test
  void theSignatureCoversTheHeaderAndMustVerify() {
    Proposal p = newBlock(0, proposerOf(0), key(proposerOf(0)));
    ValidatorSet.Member m = set.member(p.getProposer());
    assertNull(validator.signature(p, m));
    Proposal otherRound = p.toBuilder().setRound(2).build();
    assertEquals(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE, reason(validator.signature(otherRound, m)));
  }

  @Test
  void aNewBlockMustNameItsProposer() {
    assertNull(justified(newBlock(0, proposerOf(0), key(proposerOf(0)))));
    assertEquals(
        ErrorReason.ERROR_REASON_INVALID_BLOCK,
        reason(justified(newBlock(0, proposerOf(0), key(stranger)))));
  }

  @Test
  void aReproposalNeedsDistinctMembersValidPreparesOfItsValidRoundFormingAQuorum() {
    ByteString hash =
        Hashes.block(newBlock(0, proposerOf(0), key(proposerOf(0))).getBlock().getHeader());
    List<Vote> quorum =
        List.of(
            prepare(keys.get(0), 0, hash),
            prepare(keys.get(1), 0, hash),
            prepare(keys.get(2), 0, hash));
    assertNull(justified(reproposal(quorum)));
    assertEquals(
        ErrorReason.ERROR_REASON_NO_QUORUM, reason(justified(reproposal(quorum.subList(0, 2)))));
    assertEquals(
        ErrorReason.ERROR_REASON_MALFORMED,
        reason(
            justified(
                reproposal(List.of(quorum.get(0), quorum.get(1), prepare(keys.get(2), 1, hash))))),
        "a prepare of another round");
    assertEquals(
        ErrorReason.ERROR_REASON_MALFORMED,
        reason(justified(reproposal(List.of(quorum.get(0), quorum.get(1), quorum.get(1))))),
        "a signer twice");
    assertEquals(
        ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR,
        reason(
            justified(
                reproposal(List.of(quorum.get(0), quorum.get(1), prepare(stranger, 0, hash))))));
    Vote forged = quorum.get(2).toBuilder().setSignature(quorum.get(0).getSignature()).build();
    assertEquals(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        reason(justified(reproposal(List.of(quorum.get(0), quorum.get(1), forged)))));
    Proposal withForged = reproposal(List.of(quorum.get(0), quorum.get(1), forged));
    assertNull(
        validator.justified(withForged, hash, set, forged::equals),
        "a prepare already held is not verified again");
  }
}
