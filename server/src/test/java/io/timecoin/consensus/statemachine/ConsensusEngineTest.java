package io.timecoin.consensus.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.signer.RecordKeepingSigner;
import io.timecoin.consensus.signer.MemorySignerRecordStore;
import io.timecoin.consensus.types.BlockValidator;
import io.timecoin.consensus.types.ChainTip;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Validator;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.FinalityCertificates;
import io.timecoin.protocol.ValidatorSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One engine among four equal validators, fed messages by hand; it answers with typed verdicts. */
class ConsensusEngineTest {
  private static final String CHAIN = "timecoin-test";
  private static final long T0 = 1_800_000_000_000L;

  private final List<Ed25519KeyPair> keys = new ArrayList<>();
  private ValidatorSet set;
  private ChainTip genesis;
  private ConsensusEngine engine;
  private long now = T0;

  @BeforeEach
  void setUp() throws Exception {
    List<Validator> validators = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      keys.add(Ed25519KeyPair.fromSeed(Sha256.hash(("engine test " + i).getBytes(StandardCharsets.UTF_8))));
      validators.add(Validator.newBuilder().setKey(key(i)).setWeight(1_000).build());
    }
    set = ValidatorSet.of(1, validators);
    genesis = new ChainTip(0, ByteString.copyFrom(Sha256.hash("genesis".getBytes(StandardCharsets.UTF_8))), T0, null, null, set);
    engine = engineOf(indexNotProposingFirst());
    engine.handle(new Event.Start());
  }

  private ConsensusEngine engineOf(int validator) throws Exception {
    return new ConsensusEngine(ConsensusConfig.defaults(CHAIN, 0), genesis,
        template -> template.assemble(List.of()),
        block -> BlockValidator.Verdict.valid(set),
        new RecordKeepingSigner(keys.get(validator), new MemorySignerRecordStore()), () -> now, SignatureVerifier.ED25519);
  }

  /** This test's engine is a validator that is not the proposer of (1, 0), so it waits for one. */
  private int indexNotProposingFirst() {
    ByteString first = set.proposer(genesis.blockHash(), 1, 0).keyBytes();
    for (int i = 0; i < 4; i++) {
      if (!key(i).equals(first)) {
        return i;
      }
    }
    throw new IllegalStateException();
  }

  private int proposerIndex(int round) {
    ByteString k = set.proposer(genesis.blockHash(), 1, round).keyBytes();
    for (int i = 0; i < 4; i++) {
      if (key(i).equals(k)) {
        return i;
      }
    }
    throw new IllegalStateException();
  }

  private ByteString key(int i) {
    return ByteString.copyFrom(keys.get(i).publicKey().bytes());
  }

  private Vote vote(int signer, VoteType type, long height, int round, ByteString hash) {
    Vote unsigned = Vote.newBuilder().setChainId(CHAIN).setType(type).setHeight(height).setRound(round)
        .setBlockHash(hash).setValidator(key(signer)).build();
    return unsigned.toBuilder().setSignature(ByteString.copyFrom(keys.get(signer).sign(CanonicalBytes.vote(unsigned)))).build();
  }

  private Proposal proposal(int signer, int round) {
    // the timestamp differs per round, so that one proposer's blocks of two rounds differ
    var template = new io.timecoin.consensus.types.BlockTemplate(CHAIN, 1, T0 + round, genesis.blockHash(), null, set.hash(), key(signer));
    Proposal unsigned = Proposal.newBuilder().setChainId(CHAIN).setHeight(1).setRound(round).setValidRound(-1)
        .setBlock(template.assemble(List.of())).setProposer(key(signer)).build();
    return unsigned.toBuilder().setSignature(ByteString.copyFrom(keys.get(signer).sign(CanonicalBytes.proposal(unsigned)))).build();
  }

  private Verdict send(Vote v) {
    return engine.handle(new Event.VoteReceived(v)).verdict();
  }

  private static ErrorReason reason(Verdict v) {
    return v.reason();
  }

  @Test
  void aVoteForAnotherChainIsRefusedFirst() {
    Vote v = vote(0, VoteType.VOTE_TYPE_PREPARE, 1, 0, Hashes.NIL).toBuilder().setChainId("other").build();
    assertEquals(ErrorReason.ERROR_REASON_WRONG_CHAIN, reason(send(v)));
  }

  @Test
  void malformedVotesAreRefused() {
    Vote v = vote(0, VoteType.VOTE_TYPE_PREPARE, 1, 0, Hashes.NIL);
    assertEquals(ErrorReason.ERROR_REASON_MALFORMED, reason(send(v.toBuilder().setSignature(ByteString.copyFrom(new byte[63])).build())));
    assertEquals(ErrorReason.ERROR_REASON_MALFORMED, reason(send(v.toBuilder().setBlockHash(ByteString.EMPTY).build())));
    assertEquals(ErrorReason.ERROR_REASON_MALFORMED, reason(send(v.toBuilder().setType(VoteType.VOTE_TYPE_UNSPECIFIED).build())));
  }

  @Test
  void votesAheadAreBufferedUpToTwoHeightsAndRefusedBeyond() {
    assertEquals(Verdict.Kind.BUFFERED, send(vote(0, VoteType.VOTE_TYPE_PREPARE, 2, 0, Hashes.NIL)).kind());
    assertEquals(Verdict.Kind.BUFFERED, send(vote(0, VoteType.VOTE_TYPE_PREPARE, 3, 0, Hashes.NIL)).kind());
    assertEquals(ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE, reason(send(vote(0, VoteType.VOTE_TYPE_PREPARE, 4, 0, Hashes.NIL))));
  }

  @Test
  void aKeyOutsideTheSetHasNoWeight() {
    Ed25519KeyPair stranger = Ed25519KeyPair.fromSeed(new byte[32]);
    Vote unsigned = Vote.newBuilder().setChainId(CHAIN).setType(VoteType.VOTE_TYPE_PREPARE).setHeight(1).setRound(0)
        .setBlockHash(Hashes.NIL).setValidator(ByteString.copyFrom(stranger.publicKey().bytes())).build();
    Vote forged = unsigned.toBuilder().setSignature(ByteString.copyFrom(stranger.sign(CanonicalBytes.vote(unsigned)))).build();
    assertEquals(ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR, reason(send(forged)));
  }

  @Test
  void aBadSignatureIsRefusedAndAnIdenticalVoteIsADuplicate() {
    Vote v = vote(0, VoteType.VOTE_TYPE_PREPARE, 1, 0, Hashes.NIL);
    byte[] sig = v.getSignature().toByteArray();
    sig[10] ^= 1;
    assertEquals(ErrorReason.ERROR_REASON_BAD_SIGNATURE, reason(send(v.toBuilder().setSignature(ByteString.copyFrom(sig)).build())));
    // a member's key with someone else's signature
    Vote impersonated = v.toBuilder().setSignature(vote(1, VoteType.VOTE_TYPE_PREPARE, 1, 0, Hashes.NIL).getSignature()).build();
    assertEquals(ErrorReason.ERROR_REASON_BAD_SIGNATURE, reason(send(impersonated)));
    assertEquals(Verdict.Kind.ACCEPTED, send(v).kind());
    assertEquals(Verdict.Kind.DUPLICATE, send(v).kind());
  }

  @Test
  void aConflictingVoteIsEvidenceAndTheFirstStaysCounted() {
    Vote first = vote(0, VoteType.VOTE_TYPE_PREPARE, 1, 0, Hashes.NIL);
    Vote second = vote(0, VoteType.VOTE_TYPE_PREPARE, 1, 0, ByteString.copyFrom(Sha256.hash(new byte[] {1})));
    assertEquals(Verdict.Kind.ACCEPTED, send(first).kind());
    Outcome o = engine.handle(new Event.VoteReceived(second));
    assertEquals(ErrorReason.ERROR_REASON_EQUIVOCATION, o.verdict().reason());
    Effect.ReportEvidence evidence = (Effect.ReportEvidence) o.effects().stream()
        .filter(e -> e instanceof Effect.ReportEvidence).findFirst().orElseThrow();
    assertEquals(first, evidence.evidence().getVotes().getFirst());
    assertEquals(second, evidence.evidence().getVotes().getSecond());
  }

  @Test
  void onlyTheRoundsProposerMayPropose() {
    int proposer = proposerIndex(0);
    int other = (proposer + 1) % 4;
    assertEquals(ErrorReason.ERROR_REASON_WRONG_PROPOSER,
        engine.handle(new Event.ProposalReceived(proposal(other, 0))).verdict().reason());
  }

  @Test
  void anOversizedProposalIsRefused() throws Exception {
    ConsensusConfig small = new ConsensusConfig(CHAIN, 0, ConsensusConfig.Timeouts.DEFAULTS, 1_000, 100, 2, 10, 1_000, 2_000);
    ConsensusEngine strict = new ConsensusEngine(small, genesis, t -> t.assemble(List.of()), b -> BlockValidator.Verdict.valid(set),
        new RecordKeepingSigner(keys.get(0), new MemorySignerRecordStore()), () -> now, SignatureVerifier.ED25519);
    strict.handle(new Event.Start());
    assertEquals(ErrorReason.ERROR_REASON_TOO_LARGE,
        strict.handle(new Event.ProposalReceived(proposal(proposerIndex(0), 0))).verdict().reason());
  }

  @Test
  void aValidProposalAndAQuorumOfVotesFinalizeWithAValidCertificate() throws Exception {
    int proposer = proposerIndex(0);
    Proposal p = proposal(proposer, 0);
    ByteString hash = Hashes.block(p.getBlock().getHeader());
    Outcome afterProposal = engine.handle(new Event.ProposalReceived(p));
    assertEquals(Verdict.Kind.ACCEPTED, afterProposal.verdict().kind());
    assertTrue(afterProposal.effects().stream().anyMatch(e -> e instanceof Effect.BroadcastVote bv
        && bv.vote().getType() == VoteType.VOTE_TYPE_PREPARE && bv.vote().getBlockHash().equals(hash)), "prepares the block");
    List<Effect> effects = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      if (!key(i).equals(engineKey())) {
        effects.addAll(engine.handle(new Event.VoteReceived(vote(i, VoteType.VOTE_TYPE_PREPARE, 1, 0, hash))).effects());
      }
    }
    assertTrue(effects.stream().anyMatch(e -> e instanceof Effect.BroadcastVote bv
        && bv.vote().getType() == VoteType.VOTE_TYPE_PRECOMMIT && bv.vote().getBlockHash().equals(hash)), "precommits it");
    assertEquals(0, engine.lockedRound(), "and locks it");
    FinalityCertificate cert = null;
    for (int i = 0; i < 4 && cert == null; i++) {
      if (!key(i).equals(engineKey())) {
        Optional<Effect.Finalize> f = engine.handle(new Event.VoteReceived(vote(i, VoteType.VOTE_TYPE_PRECOMMIT, 1, 0, hash)))
            .effects().stream().filter(e -> e instanceof Effect.Finalize).map(e -> (Effect.Finalize) e).findFirst();
        cert = f.map(Effect.Finalize::certificate).orElse(null);
      }
    }
    assertNotNull(cert, "three of four precommits finalize");
    assertEquals(3, cert.getSignaturesCount());
    FinalityCertificates.verify(cert, CHAIN, set);
    assertEquals(2, engine.height());
  }

  @Test
  void twoOfFourPrecommitsDoNotFinalize() {
    Proposal p = proposal(proposerIndex(0), 0);
    ByteString hash = Hashes.block(p.getBlock().getHeader());
    engine.handle(new Event.ProposalReceived(p));
    int counted = 0;
    for (int i = 0; i < 4 && counted < 1; i++) {
      if (!key(i).equals(engineKey())) {
        engine.handle(new Event.VoteReceived(vote(i, VoteType.VOTE_TYPE_PRECOMMIT, 1, 0, hash)));
        counted++;
      }
    }
    // the engine has not precommitted (no prepare quorum): one other precommit is 1/4 of the weight
    assertEquals(1, engine.height());
  }

  /** A validator that proposes neither round 0 nor round 1, locked on round 0's block. */
  private int lockedValidator() throws Exception {
    int p0 = proposerIndex(0);
    int p1 = proposerIndex(1);
    int me = 0;
    while (me == p0 || me == p1) {
      me++;
    }
    engine = engineOf(me);
    engine.handle(new Event.Start());
    Proposal b = proposal(p0, 0);
    ByteString hash = Hashes.block(b.getBlock().getHeader());
    engine.handle(new Event.ProposalReceived(b));
    for (int i = 0; i < 4; i++) {
      if (i != me) {
        engine.handle(new Event.VoteReceived(vote(i, VoteType.VOTE_TYPE_PREPARE, 1, 0, hash)));
      }
    }
    assertEquals(0, engine.lockedRound());
    // the others precommit nil: a quorum of precommits of any kind, then the timeout ends round 0
    for (int i = 0, n = 0; i < 4 && n < 2; i++) {
      if (i != me) {
        engine.handle(new Event.VoteReceived(vote(i, VoteType.VOTE_TYPE_PRECOMMIT, 1, 0, Hashes.NIL)));
        n++;
      }
    }
    engine.handle(new Event.TimeoutFired(new Timeout(1, 0, Timeout.Kind.PRECOMMIT)));
    assertEquals(1, engine.round());
    return me;
  }

  private static ByteString preparedHash(Outcome o) {
    return o.effects().stream().filter(e -> e instanceof Effect.BroadcastVote bv
        && bv.vote().getType() == VoteType.VOTE_TYPE_PREPARE).map(e -> ((Effect.BroadcastVote) e).vote().getBlockHash())
        .findFirst().orElseThrow();
  }

  @Test
  void aLockedValidatorPreparesNilForAnotherNewBlock() throws Exception {
    lockedValidator();
    Proposal other = proposal(proposerIndex(1), 1); // a different block: round 1, another proposer
    assertEquals(Hashes.NIL, preparedHash(engine.handle(new Event.ProposalReceived(other))),
        "the lock of round 0 forbids preparing another block");
  }

  @Test
  void aLockedValidatorPreparesTheBlockItIsLockedOn() throws Exception {
    lockedValidator();
    int p1 = proposerIndex(1);
    Proposal first = proposal(proposerIndex(0), 0);
    ByteString hash = Hashes.block(first.getBlock().getHeader());
    List<Vote> justification = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      justification.add(vote(i, VoteType.VOTE_TYPE_PREPARE, 1, 0, hash));
    }
    Proposal unsigned = first.toBuilder().setRound(1).setValidRound(0).setProposer(key(p1)).clearSignature()
        .addAllJustification(justification).build();
    Proposal reproposal = unsigned.toBuilder()
        .setSignature(ByteString.copyFrom(keys.get(p1).sign(CanonicalBytes.proposal(unsigned)))).build();
    assertEquals(hash, preparedHash(engine.handle(new Event.ProposalReceived(reproposal))));
  }

  private ByteString engineKey() {
    return key(indexNotProposingFirst());
  }
}
