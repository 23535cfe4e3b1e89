package io.timecoin.consensus.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.signer.MemorySignerRecordStore;
import io.timecoin.consensus.signer.RecordKeepingSigner;
import io.timecoin.consensus.types.BlockValidator;
import io.timecoin.consensus.types.ChainTip;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Validator;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.proto.v1.Witness;
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
      keys.add(
          Ed25519KeyPair.fromSeed(
              Sha256.hash(("engine test " + i).getBytes(StandardCharsets.UTF_8))));
      validators.add(Validator.newBuilder().setKey(key(i)).setWeight(1_000).build());
    }
    set = ValidatorSet.of(1, validators);
    genesis =
        new ChainTip(
            0,
            ByteString.copyFrom(Sha256.hash("genesis".getBytes(StandardCharsets.UTF_8))),
            T0,
            null,
            null,
            set);
    engine = engineOf(indexNotProposingFirst());
    engine.handle(new Event.Start());
  }

  private ConsensusEngine engineOf(int validator) throws Exception {
    return new ConsensusEngine(
        ConsensusConfig.defaults(CHAIN, 0),
        genesis,
        template -> template.assemble(List.of()),
        block -> BlockValidator.Verdict.valid(set),
        new RecordKeepingSigner(keys.get(validator), new MemorySignerRecordStore()),
        () -> now,
        SignatureVerifier.ED25519);
  }

  /** This test's engine is a validator that is not the proposer of (1, 0), so it waits for one. */
  private int indexNotProposingFirst() {
    ByteString first = set.proposer(CHAIN, 1, 0).keyBytes();
    for (int i = 0; i < 4; i++) {
      if (!key(i).equals(first)) {
        return i;
      }
    }
    throw new IllegalStateException();
  }

  private int proposerIndex(int round) {
    ByteString k = set.proposer(CHAIN, 1, round).keyBytes();
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
    Vote unsigned =
        Vote.newBuilder()
            .setChainId(CHAIN)
            .setType(type)
            .setHeight(height)
            .setRound(round)
            .setBlockHash(hash)
            .setValidator(key(signer))
            .build();
    return unsigned.toBuilder()
        .setSignature(ByteString.copyFrom(keys.get(signer).sign(CanonicalBytes.vote(unsigned))))
        .build();
  }

  private Proposal proposal(int signer, int round) {
    // the timestamp differs per round, so that one proposer's blocks of two rounds differ
    var template =
        new io.timecoin.consensus.types.BlockTemplate(
            CHAIN, 1, T0 + round, genesis.blockHash(), null, set.hash(), key(signer));
    Proposal unsigned =
        Proposal.newBuilder()
            .setChainId(CHAIN)
            .setHeight(1)
            .setRound(round)
            .setValidRound(-1)
            .setBlock(template.assemble(List.of()))
            .setProposer(key(signer))
            .build();
    return unsigned.toBuilder()
        .setSignature(ByteString.copyFrom(keys.get(signer).sign(CanonicalBytes.proposal(unsigned))))
        .build();
  }

  private Verdict send(Vote v) {
    return engine.handle(new Event.VoteReceived(v)).verdict();
  }

  private static ErrorReason reason(Verdict v) {
    return v.reason();
  }

  @Test
  void aVoteForAnotherChainIsRefusedFirst() {
    Vote v =
        vote(0, VoteType.VOTE_TYPE_PREPARE, 1, 0, Hashes.NIL).toBuilder()
            .setChainId("other")
            .build();
    assertEquals(ErrorReason.ERROR_REASON_WRONG_CHAIN, reason(send(v)));
  }

  @Test
  void malformedVotesAreRefused() {
    Vote v = vote(0, VoteType.VOTE_TYPE_PREPARE, 1, 0, Hashes.NIL);
    assertEquals(
        ErrorReason.ERROR_REASON_MALFORMED,
        reason(send(v.toBuilder().setSignature(ByteString.copyFrom(new byte[63])).build())));
    assertEquals(
        ErrorReason.ERROR_REASON_MALFORMED,
        reason(send(v.toBuilder().setBlockHash(ByteString.EMPTY).build())));
    assertEquals(
        ErrorReason.ERROR_REASON_MALFORMED,
        reason(send(v.toBuilder().setType(VoteType.VOTE_TYPE_UNSPECIFIED).build())));
  }

  @Test
  void votesAheadAreBufferedUpToTwoHeightsAndRefusedBeyond() {
    assertEquals(
        Verdict.Kind.BUFFERED, send(vote(0, VoteType.VOTE_TYPE_PREPARE, 2, 0, Hashes.NIL)).kind());
    assertEquals(
        Verdict.Kind.BUFFERED, send(vote(0, VoteType.VOTE_TYPE_PREPARE, 3, 0, Hashes.NIL)).kind());
    assertEquals(
        ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE,
        reason(send(vote(0, VoteType.VOTE_TYPE_PREPARE, 4, 0, Hashes.NIL))));
  }

  @Test
  void aKeyOutsideTheSetHasNoWeight() {
    Ed25519KeyPair stranger = Ed25519KeyPair.fromSeed(new byte[32]);
    Vote unsigned =
        Vote.newBuilder()
            .setChainId(CHAIN)
            .setType(VoteType.VOTE_TYPE_PREPARE)
            .setHeight(1)
            .setRound(0)
            .setBlockHash(Hashes.NIL)
            .setValidator(ByteString.copyFrom(stranger.publicKey().bytes()))
            .build();
    Vote forged =
        unsigned.toBuilder()
            .setSignature(ByteString.copyFrom(stranger.sign(CanonicalBytes.vote(unsigned))))
            .build();
    assertEquals(ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR, reason(send(forged)));
  }

  @Test
  void aBadSignatureIsRefusedAndAnIdenticalVoteIsADuplicate() {
    Vote v = vote(0, VoteType.VOTE_TYPE_PREPARE, 1, 0, Hashes.NIL);
    byte[] sig = v.getSignature().toByteArray();
    sig[10] ^= 1;
    assertEquals(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        reason(send(v.toBuilder().setSignature(ByteString.copyFrom(sig)).build())));
    // a member's key with someone else's signature
    Vote impersonated =
        v.toBuilder()
            .setSignature(vote(1, VoteType.VOTE_TYPE_PREPARE, 1, 0, Hashes.NIL).getSignature())
            .build();
    assertEquals(ErrorReason.ERROR_REASON_BAD_SIGNATURE, reason(send(impersonated)));
    assertEquals(Verdict.Kind.ACCEPTED, send(v).kind());
    assertEquals(Verdict.Kind.DUPLICATE, send(v).kind());
  }

  @Test
  void aConflictingVoteIsEvidenceAndTheFirstStaysCounted() {
    Vote first = vote(0, VoteType.VOTE_TYPE_PREPARE, 1, 0, Hashes.NIL);
    Vote second =
        vote(0, VoteType.VOTE_TYPE_PREPARE, 1, 0, ByteString.copyFrom(Sha256.hash(new byte[] {1})));
    assertEquals(Verdict.Kind.ACCEPTED, send(first).kind());
    Outcome o = engine.handle(new Event.VoteReceived(second));
    assertEquals(ErrorReason.ERROR_REASON_EQUIVOCATION, o.verdict().reason());
    Effect.ReportEvidence evidence =
        (Effect.ReportEvidence)
            o.effects().stream()
                .filter(e -> e instanceof Effect.ReportEvidence)
                .findFirst()
                .orElseThrow();
    assertEquals(first, evidence.evidence().getVotes().getFirst());
    assertEquals(second, evidence.evidence().getVotes().getSecond());
  }

  @Test
  void onlyTheRoundsProposerMayPropose() {
    int proposer = proposerIndex(0);
    int other = (proposer + 1) % 4;
    assertEquals(
        ErrorReason.ERROR_REASON_WRONG_PROPOSER,
        engine.handle(new Event.ProposalReceived(proposal(other, 0))).verdict().reason());
  }

  @Test
  void anOversizedProposalIsRefused() throws Exception {
    ConsensusConfig small =
        new ConsensusConfig(
            CHAIN,
            0,
            ConsensusConfig.Timeouts.DEFAULTS,
            1_000,
            100,
            2,
            10,
            1 << 20,
            1_000,
            2_000,
            64L << 20);
    ConsensusEngine strict =
        new ConsensusEngine(
            small,
            genesis,
            t -> t.assemble(List.of()),
            b -> BlockValidator.Verdict.valid(set),
            new RecordKeepingSigner(keys.get(0), new MemorySignerRecordStore()),
            () -> now,
            SignatureVerifier.ED25519);
    strict.handle(new Event.Start());
    assertEquals(
        ErrorReason.ERROR_REASON_TOO_LARGE,
        strict
            .handle(new Event.ProposalReceived(proposal(proposerIndex(0), 0)))
            .verdict()
            .reason());
  }

  @Test
  void aValidProposalAndAQuorumOfVotesFinalizeWithAValidCertificate() throws Exception {
    int proposer = proposerIndex(0);
    Proposal p = proposal(proposer, 0);
    ByteString hash = Hashes.block(p.getBlock().getHeader());
    Outcome afterProposal = engine.handle(new Event.ProposalReceived(p));
    assertEquals(Verdict.Kind.ACCEPTED, afterProposal.verdict().kind());
    assertTrue(
        afterProposal.effects().stream()
            .anyMatch(
                e ->
                    e instanceof Effect.BroadcastVote bv
                        && bv.vote().getType() == VoteType.VOTE_TYPE_PREPARE
                        && bv.vote().getBlockHash().equals(hash)),
        "prepares the block");
    List<Effect> effects = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      if (!key(i).equals(engineKey())) {
        effects.addAll(
            engine
                .handle(new Event.VoteReceived(vote(i, VoteType.VOTE_TYPE_PREPARE, 1, 0, hash)))
                .effects());
      }
    }
    assertTrue(
        effects.stream()
            .anyMatch(
                e ->
                    e instanceof Effect.BroadcastVote bv
                        && bv.vote().getType() == VoteType.VOTE_TYPE_PRECOMMIT
                        && bv.vote().getBlockHash().equals(hash)),
        "precommits it");
    assertEquals(0, engine.lockedRound(), "and locks it");
    FinalityCertificate cert = null;
    for (int i = 0; i < 4 && cert == null; i++) {
      if (!key(i).equals(engineKey())) {
        Optional<Effect.Finalize> f =
            engine
                .handle(new Event.VoteReceived(vote(i, VoteType.VOTE_TYPE_PRECOMMIT, 1, 0, hash)))
                .effects()
                .stream()
                .filter(e -> e instanceof Effect.Finalize)
                .map(e -> (Effect.Finalize) e)
                .findFirst();
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
        engine.handle(
            new Event.VoteReceived(vote(i, VoteType.VOTE_TYPE_PRECOMMIT, 1, 0, Hashes.NIL)));
        n++;
      }
    }
    engine.handle(new Event.TimeoutFired(new Timeout(1, 0, Timeout.Kind.PRECOMMIT)));
    assertEquals(1, engine.round());
    return me;
  }

  private static ByteString preparedHash(Outcome o) {
    return o.effects().stream()
        .filter(
            e ->
                e instanceof Effect.BroadcastVote bv
                    && bv.vote().getType() == VoteType.VOTE_TYPE_PREPARE)
        .map(e -> ((Effect.BroadcastVote) e).vote().getBlockHash())
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aLockedValidatorPreparesNilForAnotherNewBlock() throws Exception {
    lockedValidator();
    Proposal other = proposal(proposerIndex(1), 1); // a different block: round 1, another proposer
    assertEquals(
        Hashes.NIL,
        preparedHash(engine.handle(new Event.ProposalReceived(other))),
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
    Proposal unsigned =
        first.toBuilder()
            .setRound(1)
            .setValidRound(0)
            .setProposer(key(p1))
            .clearSignature()
            .addAllJustification(justification)
            .build();
    Proposal reproposal =
        unsigned.toBuilder()
            .setSignature(ByteString.copyFrom(keys.get(p1).sign(CanonicalBytes.proposal(unsigned))))
            .build();
    assertEquals(hash, preparedHash(engine.handle(new Event.ProposalReceived(reproposal))));
  }

  // ---------------------------------------------------------------- a relayer that tampers with
  // bodies

  /**
   * A transfer whose one witness signs its txid, so that flipping a witness byte leaves the block
   * hash alone.
   */
  private Transaction signedTransfer(long nonce) {
    Ed25519KeyPair owner = keys.get(0);
    Transaction unsigned =
        Transaction.newBuilder()
            .setVersion(io.timecoin.protocol.ProtocolVersion.TRANSACTION)
            .setKind(TransactionKind.TRANSACTION_KIND_TRANSFER)
            .addInputs(
                TxInput.newBuilder()
                    .setOutpoint(
                        OutPoint.newBuilder()
                            .setTxid(
                                ByteString.copyFrom(
                                    Sha256.hash(
                                        ("coin " + nonce).getBytes(StandardCharsets.UTF_8))))))
            .addOutputs(
                TxOutput.newBuilder().setAmount(1).setAddress(ByteString.copyFrom(new byte[20])))
            .build();
    ByteString txid = Hashes.transaction(unsigned);
    return unsigned.toBuilder()
        .setInputs(
            0,
            unsigned.getInputs(0).toBuilder()
                .setWitness(
                    Witness.newBuilder()
                        .setPublicKey(key(0))
                        .setSignature(ByteString.copyFrom(owner.sign(txid.toByteArray())))))
        .build();
  }

  /** The ledger's check that matters here: every witness signs its transaction's id. */
  private BlockValidator.Verdict witnessesSign(Block block) {
    for (Transaction tx : block.getBody().getTransactionsList()) {
      byte[] txid = Hashes.transaction(tx).toByteArray();
      for (TxInput in : tx.getInputsList()) {
        if (!Ed25519PublicKey.of(in.getWitness().getPublicKey().toByteArray())
            .verify(txid, in.getWitness().getSignature().toByteArray())) {
          return BlockValidator.Verdict.invalid(
              ErrorReason.ERROR_REASON_BAD_SIGNATURE, "witness does not verify");
        }
      }
    }
    return BlockValidator.Verdict.valid(set);
  }

  private ConsensusEngine witnessCheckingEngine(int validator) throws Exception {
    return new ConsensusEngine(
        ConsensusConfig.defaults(CHAIN, 0),
        genesis,
        template -> template.assemble(List.of(signedTransfer(template.height()))),
        this::witnessesSign,
        new RecordKeepingSigner(keys.get(validator), new MemorySignerRecordStore()),
        () -> now,
        SignatureVerifier.ED25519);
  }

  private Proposal proposalWithTransfer(int signer, int round) {
    var template =
        new io.timecoin.consensus.types.BlockTemplate(
            CHAIN, 1, T0 + round, genesis.blockHash(), null, set.hash(), key(signer));
    Proposal unsigned =
        Proposal.newBuilder()
            .setChainId(CHAIN)
            .setHeight(1)
            .setRound(round)
            .setValidRound(-1)
            .setBlock(template.assemble(List.of(signedTransfer(1))))
            .setProposer(key(signer))
            .build();
    return unsigned.toBuilder()
        .setSignature(ByteString.copyFrom(keys.get(signer).sign(CanonicalBytes.proposal(unsigned))))
        .build();
  }

  /**
   * The relayer's forgery: one byte of the first witness flipped; the signed header, and so the
   * hash, unchanged.
   */
  private static Proposal tampered(Proposal p) {
    Block b = p.getBlock();
    Transaction tx = b.getBody().getTransactions(0);
    byte[] sig = tx.getInputs(0).getWitness().getSignature().toByteArray();
    sig[0] ^= 1;
    Transaction bad =
        tx.toBuilder()
            .setInputs(
                0,
                tx.getInputs(0).toBuilder()
                    .setWitness(
                        tx.getInputs(0).getWitness().toBuilder()
                            .setSignature(ByteString.copyFrom(sig))))
            .build();
    return p.toBuilder()
        .setBlock(b.toBuilder().setBody(b.getBody().toBuilder().setTransactions(0, bad)))
        .build();
  }

  private static Optional<ByteString> prepared(Outcome o) {
    return o.effects().stream()
        .filter(
            e ->
                e instanceof Effect.BroadcastVote bv
                    && bv.vote().getType() == VoteType.VOTE_TYPE_PREPARE)
        .map(e -> ((Effect.BroadcastVote) e).vote().getBlockHash())
        .findFirst();
  }

  @Test
  void aTamperedCopyFirstDoesNotKeepTheGenuineProposalOut() throws Exception {
    engine = witnessCheckingEngine(indexNotProposingFirst());
    engine.handle(new Event.Start());
    Proposal genuine = proposalWithTransfer(proposerIndex(0), 0);
    Proposal forged = tampered(genuine);
    ByteString hash = Hashes.block(genuine.getBlock().getHeader());
    assertEquals(
        hash, Hashes.block(forged.getBlock().getHeader()), "the forgery keeps the block hash");

    Outcome first = engine.handle(new Event.ProposalReceived(forged));
    // v2: the header's witness_root no longer matches the altered witness (docs/protocol.md 4.3)
    assertEquals(
        ErrorReason.ERROR_REASON_INVALID_BLOCK,
        first.verdict().reason(),
        "the forged body is refused");
    assertTrue(first.verdict().detail().contains("witness_root"), first.verdict().detail());
    assertTrue(prepared(first).isEmpty(), "and it is not the proposer's doing: no nil prepare yet");
    assertEquals(
        Verdict.Kind.DUPLICATE,
        engine.handle(new Event.ProposalReceived(forged)).verdict().kind(),
        "the very same forged copy again");

    Outcome second = engine.handle(new Event.ProposalReceived(genuine));
    assertEquals(
        Verdict.Kind.ACCEPTED,
        second.verdict().kind(),
        "the genuine copy is judged on its own body");
    assertEquals(Optional.of(hash), prepared(second), "and prepared");
    assertEquals(
        Verdict.Kind.DUPLICATE,
        engine.handle(new Event.ProposalReceived(forged)).verdict().kind(),
        "once the block is valid under its hash, other bodies for it are not looked at");
  }

  @Test
  void aGenuineSyncedBlockIsJudgedOnItsOwnBodyAfterATamperedProposal() throws Exception {
    engine = witnessCheckingEngine(indexNotProposingFirst());
    engine.handle(new Event.Start());
    Proposal genuine = proposalWithTransfer(proposerIndex(0), 0);
    ByteString hash = Hashes.block(genuine.getBlock().getHeader());
    assertEquals(
        Verdict.Kind.REFUSED,
        engine.handle(new Event.ProposalReceived(tampered(genuine))).verdict().kind());
    List<Vote> precommits = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      precommits.add(vote(i, VoteType.VOTE_TYPE_PRECOMMIT, 1, 0, hash));
    }
    FinalityCertificate cert = FinalityCertificates.build(1, 0, hash, precommits);
    assertEquals(
        Verdict.Kind.REFUSED,
        engine.handle(new Event.BlockSynced(tampered(genuine).getBlock(), cert)).verdict().kind(),
        "a tampered synced body is refused too");
    Outcome synced = engine.handle(new Event.BlockSynced(genuine.getBlock(), cert));
    assertEquals(Verdict.Kind.ACCEPTED, synced.verdict().kind());
    Effect.Finalize f =
        synced.effects().stream()
            .filter(e -> e instanceof Effect.Finalize)
            .map(e -> (Effect.Finalize) e)
            .findFirst()
            .orElseThrow();
    assertEquals(genuine.getBlock(), f.block(), "the genuine body is the one finalized");
    assertEquals(2, engine.height());
  }

  /**
   * Four validators, and a relayer in front of each: every proposal reaches every other validator
   * first as a tampered copy, then as the genuine one. They still finalize, height after height.
   */
  @Test
  void fourValidatorsFinalizeWhenATamperedCopyReachesEveryoneFirst() throws Exception {
    List<ConsensusEngine> nodes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      nodes.add(witnessCheckingEngine(i));
    }
    record Delivery(int to, Event event) {}
    java.util.ArrayDeque<Delivery> wire = new java.util.ArrayDeque<>();
    List<List<Timeout>> timers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      timers.add(new ArrayList<>());
    }
    java.util.function.BiConsumer<Integer, Outcome> route =
        (from, o) -> {
          for (Effect e : o.effects()) {
            for (int to = 0; to < 4; to++) {
              if (to == from) {
                continue;
              }
              if (e instanceof Effect.BroadcastProposal bp) {
                if (bp.proposal().getBlock().getBody().getTransactionsCount() > 0) {
                  wire.add(new Delivery(to, new Event.ProposalReceived(tampered(bp.proposal()))));
                }
                wire.add(new Delivery(to, new Event.ProposalReceived(bp.proposal())));
              } else if (e instanceof Effect.BroadcastVote bv) {
                wire.add(new Delivery(to, new Event.VoteReceived(bv.vote())));
              }
            }
            if (e instanceof Effect.ScheduleTimeout st
                && st.timeout().kind() != Timeout.Kind.REBROADCAST) {
              timers.get(from).add(st.timeout());
            }
          }
        };
    for (int i = 0; i < 4; i++) {
      route.accept(i, nodes.get(i).handle(new Event.Start()));
    }
    long target = 4;
    // a height that needs more than a few rounds is stuck: the old engine went round after round
    // for ever
    for (int steps = 0;
        steps < 50_000
            && nodes.stream().anyMatch(n -> n.height() < target)
            && nodes.stream().allMatch(n -> n.round() < 10);
        steps++) {
      if (wire.isEmpty()) { // stalled: the timers of the current heights fire
        for (int i = 0; i < 4; i++) {
          List<Timeout> due = new ArrayList<>(timers.get(i));
          timers.get(i).clear();
          for (Timeout t : due) {
            route.accept(i, nodes.get(i).handle(new Event.TimeoutFired(t)));
          }
        }
        continue;
      }
      Delivery d = wire.poll();
      route.accept(d.to(), nodes.get(d.to()).handle(d.event()));
    }
    for (ConsensusEngine n : nodes) {
      assertTrue(n.height() >= target, "stuck at height " + n.height() + " round " + n.round());
    }
  }

  // ---------------------------------------------------------------- certificates with every timely
  // signer

  /**
   * An engine of 1 s slots for validator {@code e}, with height 1 final on {@code e}'s and {@code
   * others}' precommits.
   */
  private record FinalAtOne(
      ConsensusEngine engine, ByteString hash, FinalityCertificate cert, List<Effect> effects) {}

  private FinalAtOne finalizeHeightOne(int e, List<Integer> others) throws Exception {
    ConsensusEngine eng =
        new ConsensusEngine(
            ConsensusConfig.defaults(CHAIN, 1_000),
            genesis,
            t -> t.assemble(List.of()),
            b -> BlockValidator.Verdict.valid(set),
            new RecordKeepingSigner(keys.get(e), new MemorySignerRecordStore()),
            () -> now,
            SignatureVerifier.ED25519);
    List<Effect> effects = new ArrayList<>(eng.handle(new Event.Start()).effects());
    int p = proposerIndex(0);
    ByteString hash;
    if (p == e) {
      effects.addAll(
          eng.handle(new Event.TimeoutFired(new Timeout(1, 0, Timeout.Kind.PROPOSE_AT))).effects());
      hash =
          effects.stream()
              .filter(x -> x instanceof Effect.BroadcastProposal)
              .map(x -> (Effect.BroadcastProposal) x)
              .findFirst()
              .map(bp -> Hashes.block(bp.proposal().getBlock().getHeader()))
              .orElseThrow();
    } else {
      var template =
          new io.timecoin.consensus.types.BlockTemplate(
              CHAIN, 1, T0 + 1_000, genesis.blockHash(), null, set.hash(), key(p));
      Proposal unsigned =
          Proposal.newBuilder()
              .setChainId(CHAIN)
              .setHeight(1)
              .setRound(0)
              .setValidRound(-1)
              .setBlock(template.assemble(List.of()))
              .setProposer(key(p))
              .build();
      Proposal signed =
          unsigned.toBuilder()
              .setSignature(
                  ByteString.copyFrom(keys.get(p).sign(CanonicalBytes.proposal(unsigned))))
              .build();
      assertEquals(
          Verdict.Kind.ACCEPTED, eng.handle(new Event.ProposalReceived(signed)).verdict().kind());
      hash = Hashes.block(signed.getBlock().getHeader());
    }
    for (int i : others) {
      effects.addAll(
          eng.handle(new Event.VoteReceived(vote(i, VoteType.VOTE_TYPE_PREPARE, 1, 0, hash)))
              .effects());
    }
    FinalityCertificate cert = null;
    for (int i : others) {
      for (Effect x :
          eng.handle(new Event.VoteReceived(vote(i, VoteType.VOTE_TYPE_PRECOMMIT, 1, 0, hash)))
              .effects()) {
        effects.add(x);
        if (x instanceof Effect.Finalize f) {
          cert = f.certificate();
        }
      }
    }
    assertNotNull(cert, "height 1 is final");
    return new FinalAtOne(eng, hash, cert, effects);
  }

  private static long signersOf(FinalityCertificate cert) {
    return cert.getSignaturesCount();
  }

  @Test
  void aPrecommitArrivingAfterFinalityJoinsTheCertificateTheNextBlockCarries() throws Exception {
    int e = proposerOf(2, 0); // this engine proposes height 2, one slot after block 1
    List<Integer> others = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      if (i != e) {
        others.add(i);
      }
    }
    int late = others.remove(2); // its precommit comes after the first quorum
    FinalAtOne f = finalizeHeightOne(e, others);
    assertEquals(3, signersOf(f.cert()), "the first quorum finalizes");
    assertEquals(2, f.engine().height());
    ConsensusEngine eng = f.engine();

    Vote lateVote = vote(late, VoteType.VOTE_TYPE_PRECOMMIT, 1, 0, f.hash());
    byte[] bad = lateVote.getSignature().toByteArray();
    bad[5] ^= 1;
    assertEquals(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        eng.handle(
                new Event.VoteReceived(
                    lateVote.toBuilder().setSignature(ByteString.copyFrom(bad)).build()))
            .verdict()
            .reason());
    assertEquals(
        Verdict.Kind.LATE,
        eng.handle(
                new Event.VoteReceived(vote(late, VoteType.VOTE_TYPE_PRECOMMIT, 1, 0, Hashes.NIL)))
            .verdict()
            .kind(),
        "a late nil precommit is only late");
    assertEquals(
        Verdict.Kind.LATE,
        eng.handle(new Event.VoteReceived(vote(late, VoteType.VOTE_TYPE_PRECOMMIT, 1, 1, f.hash())))
            .verdict()
            .kind(),
        "so is one of another round");
    assertEquals(
        Verdict.Kind.LATE,
        eng.handle(new Event.VoteReceived(vote(late, VoteType.VOTE_TYPE_PREPARE, 1, 0, f.hash())))
            .verdict()
            .kind(),
        "and a late prepare");
    assertEquals(
        Verdict.Kind.DUPLICATE,
        eng.handle(
                new Event.VoteReceived(
                    vote(others.get(0), VoteType.VOTE_TYPE_PRECOMMIT, 1, 0, f.hash())))
            .verdict()
            .kind(),
        "a signer the certificate holds counts once");
    assertEquals(
        Verdict.Kind.ACCEPTED, eng.handle(new Event.VoteReceived(lateVote)).verdict().kind());
    assertEquals(
        Verdict.Kind.DUPLICATE, eng.handle(new Event.VoteReceived(lateVote)).verdict().kind());

    FinalityCertificate full = eng.lastCertificate();
    assertEquals(4, signersOf(full));
    FinalityCertificates.verify(full, CHAIN, set); // valid, sorted by key, distinct signers
    Outcome proposed =
        eng.handle(new Event.TimeoutFired(new Timeout(2, 0, Timeout.Kind.PROPOSE_AT)));
    Proposal p =
        proposed.effects().stream()
            .filter(x -> x instanceof Effect.BroadcastProposal)
            .map(x -> ((Effect.BroadcastProposal) x).proposal())
            .findFirst()
            .orElseThrow();
    assertEquals(
        full, p.getBlock().getBody().getLastCertificate(), "block 2 carries every precommit held");
    assertEquals(Hashes.certificate(full), p.getBlock().getHeader().getLastCertificateHash());
  }

  @Test
  void aProposalWhoseCertificateHoldsMoreThanTheFirstQuorumIsValid() throws Exception {
    int p2 = proposerOf(2, 0);
    int e = (p2 + 1) % 4;
    List<Integer> others = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      if (i != e) {
        others.add(i);
      }
    }
    others.remove(2); // its precommit reaches the proposer of height 2, not this engine
    FinalAtOne f = finalizeHeightOne(e, others);
    assertEquals(3, signersOf(f.cert()));
    // the proposer of height 2 heard all four: its certificate is a superset of this engine's
    List<Vote> all = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      all.add(vote(i, VoteType.VOTE_TYPE_PRECOMMIT, 1, 0, f.hash()));
    }
    FinalityCertificate full = FinalityCertificates.build(1, 0, f.hash(), all);
    var template =
        new io.timecoin.consensus.types.BlockTemplate(
            CHAIN, 2, T0 + 2_000, f.hash(), full, set.hash(), key(p2));
    Proposal unsigned =
        Proposal.newBuilder()
            .setChainId(CHAIN)
            .setHeight(2)
            .setRound(0)
            .setValidRound(-1)
            .setBlock(template.assemble(List.of()))
            .setProposer(key(p2))
            .build();
    Proposal signed =
        unsigned.toBuilder()
            .setSignature(ByteString.copyFrom(keys.get(p2).sign(CanonicalBytes.proposal(unsigned))))
            .build();
    now = T0 + 2_000;
    Outcome o = f.engine().handle(new Event.ProposalReceived(signed));
    assertEquals(Verdict.Kind.ACCEPTED, o.verdict().kind(), () -> o.verdict().toString());
    ByteString hash = Hashes.block(signed.getBlock().getHeader());
    assertTrue(
        o.effects().stream()
            .anyMatch(
                x ->
                    x instanceof Effect.BroadcastVote bv
                        && bv.vote().getType() == VoteType.VOTE_TYPE_PREPARE
                        && bv.vote().getBlockHash().equals(hash)),
        "prepares it");
  }

  private int proposerOf(long h, int round) {
    ByteString k = set.proposer(CHAIN, h, round).keyBytes();
    for (int i = 0; i < 4; i++) {
      if (key(i).equals(k)) {
        return i;
      }
    }
    throw new IllegalStateException();
  }

  // ---------------------------------------------------------------- messages of coming heights

  private static ByteString bytes(String seed, int i, int size) {
    byte[] h = Sha256.hash((seed + i).getBytes(StandardCharsets.UTF_8));
    byte[] out = new byte[size];
    for (int k = 0; k < size; k++) {
      out[k] = h[k % h.length];
    }
    return ByteString.copyFrom(out);
  }

  @Test
  void futureMessagesFromUnknownKeysAreRefusedAtOnceAndNeverBuffered() {
    for (int i = 0; i < 10_000; i++) {
      Vote forged =
          Vote.newBuilder()
              .setChainId(CHAIN)
              .setType(VoteType.VOTE_TYPE_PREPARE)
              .setHeight(2 + i % 2)
              .setRound(i % 7)
              .setBlockHash(bytes("hash", i, 32))
              .setValidator(bytes("stranger", i, 32))
              .setSignature(bytes("sig", i, 64))
              .build();
      assertEquals(ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR, reason(send(forged)));
      Proposal p =
          proposal(0, 0).toBuilder()
              .setHeight(2 + i % 2)
              .setRound(i % 2)
              .setProposer(bytes("stranger", i, 32))
              .setSignature(bytes("sig", i, 64))
              .build();
      assertEquals(
          ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR,
          engine.handle(new Event.ProposalReceived(p)).verdict().reason());
    }
    assertEquals(0, engine.bufferedMessages());
    assertEquals(0, engine.bufferedBytes());
  }

  @Test
  void aMembersFutureMessagesTakeOneSlotEachAndForgeriesOfItsKeyAreRefused() {
    Vote v = vote(0, VoteType.VOTE_TYPE_PREPARE, 2, 0, Hashes.NIL);
    assertEquals(Verdict.Kind.BUFFERED, send(v).kind());
    for (int i = 0; i < 1_000; i++) {
      assertEquals(Verdict.Kind.DUPLICATE, send(v).kind());
    }
    byte[] sig = v.getSignature().toByteArray();
    sig[3] ^= 1;
    assertEquals(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        reason(send(v.toBuilder().setSignature(ByteString.copyFrom(sig)).build())),
        "a forged vote under a member's key is refused now, not checked later");
    for (int i = 0; i < 100; i++) {
      Vote other = vote(0, VoteType.VOTE_TYPE_PREPARE, 2, 0, bytes("other", i, 32));
      assertEquals(ErrorReason.ERROR_REASON_EQUIVOCATION, reason(send(other)));
    }
    Proposal p = proposal(1, 0).toBuilder().setHeight(2).clearSignature().build();
    p =
        p.toBuilder()
            .setSignature(ByteString.copyFrom(keys.get(1).sign(CanonicalBytes.proposal(p))))
            .build();
    assertEquals(
        Verdict.Kind.BUFFERED, engine.handle(new Event.ProposalReceived(p)).verdict().kind());
    for (int i = 0; i < 100; i++) {
      assertEquals(
          Verdict.Kind.DUPLICATE, engine.handle(new Event.ProposalReceived(p)).verdict().kind());
    }
    assertEquals(2, engine.bufferedMessages());
    assertEquals(v.getSerializedSize() + p.getSerializedSize(), engine.bufferedBytes());
  }

  /**
   * A signed proposal of a coming height whose body a relay altered arrives before the genuine one:
   * the genuine copy is kept beside it (the signature does not cover the body), so that both are
   * judged when the height starts; the copies a relay can add are few.
   */
  @Test
  void aTamperedCopyOfAComingHeightsProposalDoesNotShutOutTheGenuineOne() {
    Proposal genuine = proposal(1, 0).toBuilder().setHeight(2).clearSignature().build();
    genuine =
        genuine.toBuilder()
            .setSignature(ByteString.copyFrom(keys.get(1).sign(CanonicalBytes.proposal(genuine))))
            .build();
    List<Proposal> altered = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      com.google.protobuf.UnknownFieldSet extra =
          com.google.protobuf.UnknownFieldSet.newBuilder()
              .addField(
                  99, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(i).build())
              .build();
      altered.add(
          genuine.toBuilder()
              .setBlock(
                  genuine.getBlock().toBuilder()
                      .setBody(genuine.getBlock().getBody().toBuilder().setUnknownFields(extra)))
              .build());
    }
    assertEquals(
        Verdict.Kind.BUFFERED,
        engine.handle(new Event.ProposalReceived(altered.get(0))).verdict().kind());
    assertEquals(
        Verdict.Kind.BUFFERED,
        engine.handle(new Event.ProposalReceived(genuine)).verdict().kind(),
        "the genuine copy is kept beside the altered one");
    assertEquals(
        Verdict.Kind.DUPLICATE,
        engine.handle(new Event.ProposalReceived(genuine)).verdict().kind());
    assertEquals(
        Verdict.Kind.BUFFERED,
        engine.handle(new Event.ProposalReceived(altered.get(1))).verdict().kind());
    for (int i = 2; i < 4; i++) {
      assertEquals(
          Verdict.Kind.DUPLICATE,
          engine.handle(new Event.ProposalReceived(altered.get(i))).verdict().kind(),
          "a few copies at most, the sender not blamed");
    }
    assertEquals(3, engine.bufferedMessages());
  }

  @Test
  void theBufferOfComingHeightsKeepsToItsByteBudgetAndEmptiesAsHeightsPass() throws Exception {
    long budget = 4_000;
    ConsensusConfig tight =
        new ConsensusConfig(
            CHAIN,
            0,
            ConsensusConfig.Timeouts.DEFAULTS,
            1_000,
            4 << 20,
            2,
            10_000,
            budget,
            1_000,
            2_000,
            64L << 20);
    int me = indexNotProposingFirst();
    engine =
        new ConsensusEngine(
            tight,
            genesis,
            t -> t.assemble(List.of()),
            b -> BlockValidator.Verdict.valid(set),
            new RecordKeepingSigner(keys.get(me), new MemorySignerRecordStore()),
            () -> now,
            SignatureVerifier.ED25519);
    engine.handle(new Event.Start());
    int buffered = 0;
    int refused = 0;
    for (int round = 0; round < 100; round++) {
      for (int i = 0; i < 4; i++) {
        Verdict verdict =
            send(vote(i, VoteType.VOTE_TYPE_PRECOMMIT, 2 + round % 2, round, Hashes.NIL));
        if (verdict.kind() == Verdict.Kind.BUFFERED) {
          buffered++;
        } else {
          assertEquals(ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE, verdict.reason());
          refused++;
        }
      }
    }
    assertTrue(refused > 0 && buffered > 0);
    assertTrue(engine.bufferedBytes() <= budget, engine.bufferedBytes() + " bytes buffered");
    assertEquals(buffered, engine.bufferedMessages());
    // height 1 ends by a synced block: height 2's messages are taken out, height 3's stay
    Proposal p = proposal(proposerIndex(0), 0);
    ByteString hash = Hashes.block(p.getBlock().getHeader());
    List<Vote> precommits = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      precommits.add(vote(i, VoteType.VOTE_TYPE_PRECOMMIT, 1, 0, hash));
    }
    long before = engine.bufferedBytes();
    assertEquals(
        Verdict.Kind.ACCEPTED,
        engine
            .handle(
                new Event.BlockSynced(
                    p.getBlock(), FinalityCertificates.build(1, 0, hash, precommits)))
            .verdict()
            .kind());
    assertTrue(
        engine.bufferedBytes() < before && engine.bufferedBytes() > 0,
        engine.bufferedBytes() + " of " + before);
  }

  // ---------------------------------------------------------------- the bytes of blocks held at
  // one height

  private static final long HELD_BUDGET = ConsensusConfig.DEFAULT_MAX_HELD_BLOCK_BYTES;
  private List<Transaction> bigBody;

  /**
   * Transfers of 100 outputs each, up to a proposal of nearly 4 MiB, the default message limit. One
   * list shared by every block of these tests: their blocks differ in their headers, so the engine
   * counts each block's bytes, while the test's heap holds the transactions once.
   */
  private List<Transaction> bigBody() {
    if (bigBody == null) {
      bigBody = new ArrayList<>();
      long bytes = 0;
      for (int n = 0; bytes < (4 << 20) - 16_384; n++) {
        Transaction.Builder tx = signedTransfer(1_000_000 + n).toBuilder().clearOutputs();
        for (int o = 0; o < 100; o++) {
          tx.addOutputs(TxOutput.newBuilder().setAmount(1 + o).setAddress(bytes("address", o, 20)));
        }
        Transaction unsigned = tx.build();
        ByteString txid = Hashes.transaction(unsigned);
        Transaction t =
            unsigned.toBuilder()
                .setInputs(
                    0,
                    unsigned.getInputs(0).toBuilder()
                        .setWitness(
                            unsigned.getInputs(0).getWitness().toBuilder()
                                .setSignature(
                                    ByteString.copyFrom(keys.get(0).sign(txid.toByteArray())))))
                .build();
        bigBody.add(t);
        bytes += t.getSerializedSize() + 4;
      }
    }
    return bigBody;
  }

  private Proposal bigProposal(int signer, int round) {
    var template =
        new io.timecoin.consensus.types.BlockTemplate(
            CHAIN, 1, T0 + round, genesis.blockHash(), null, set.hash(), key(signer));
    Proposal unsigned =
        Proposal.newBuilder()
            .setChainId(CHAIN)
            .setHeight(1)
            .setRound(round)
            .setValidRound(-1)
            .setBlock(template.assemble(bigBody()))
            .setProposer(key(signer))
            .build();
    return unsigned.toBuilder()
        .setSignature(ByteString.copyFrom(keys.get(signer).sign(CanonicalBytes.proposal(unsigned))))
        .build();
  }

  /**
   * A Byzantine validator sends a proposal of nearly 4 MiB for every round it proposes in the next
   * 1,000, then, while the others' votes lead the height through 120 rounds, its proposals of every
   * round around the current one. The old engine kept every one: about 1 GiB at once. Now a
   * proposal more than one round ahead is refused, and the blocks held stay within the byte budget;
   * the proposal of the current round is still taken (older blocks are let go to make room).
   */
  @Test
  void aByzantineProposerOfManyRoundsCannotMakeTheEngineHoldMoreThanItsBudget() {
    int me = indexNotProposingFirst();
    int byzantine = (me + 1) % 4;
    assertTrue(bigProposal(byzantine, 0).getSerializedSize() > (4 << 20) - 20_000);
    int refusedAhead = 0;
    for (int r = 0; r < 1_000; r++) {
      if (proposerIndex(r) == byzantine) {
        Verdict v = engine.handle(new Event.ProposalReceived(bigProposal(byzantine, r))).verdict();
        if (r > 1) {
          assertEquals(ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE, v.reason(), "round " + r);
          refusedAhead++;
        }
        assertTrue(engine.heldBlockBytes() <= HELD_BUDGET, engine.heldBlockBytes() + " bytes held");
      }
    }
    assertTrue(refusedAhead > 200);
    int others0 = (me + 2) % 4;
    int others1 = (me + 3) % 4;
    int currentAccepted = 0;
    long maxHeld = 0;
    for (int r = 1; r <= 120; r++) {
      // two of four in round r: more than a third, so the engine joins it
      send(vote(others0, VoteType.VOTE_TYPE_PREPARE, 1, r, Hashes.NIL));
      send(vote(others1, VoteType.VOTE_TYPE_PREPARE, 1, r, Hashes.NIL));
      assertEquals(r, engine.round());
      for (int q = Math.max(0, r - 4); q <= r + 4; q++) {
        if (proposerIndex(q) == byzantine) {
          Verdict v =
              engine.handle(new Event.ProposalReceived(bigProposal(byzantine, q))).verdict();
          if (q == r) {
            // taken now, or when it was the next round's (then held since): a duplicate
            assertTrue(
                v.kind() == Verdict.Kind.ACCEPTED || v.kind() == Verdict.Kind.DUPLICATE,
                "its proposal of the current round " + r + ": " + v);
            currentAccepted++;
          } else if (q > r + 1) {
            assertEquals(ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE, v.reason());
          }
          maxHeld = Math.max(maxHeld, engine.heldBlockBytes());
          assertTrue(
              engine.heldBlockBytes() <= HELD_BUDGET,
              engine.heldBlockBytes() + " bytes held at round " + r);
        }
      }
    }
    assertTrue(currentAccepted > 20, currentAccepted + " current proposals accepted");
    assertTrue(maxHeld > HELD_BUDGET - (8 << 20), "the budget was reached: " + maxHeld);
  }

  /**
   * Four honest validators with blocks of nearly 4 MiB, in a network that delivers every proposal
   * of the first 24 rounds too late (after its round has ended): each validator sees 24 valid
   * blocks of height 1, 96 MiB, more than the budget, and never a quorum for one. From round 24 on
   * proposals are on time: height 1 and the next ones are finalized, with the same blocks
   * everywhere, and no validator ever held more than its budget.
   */
  @Test
  void anHonestNetworkGoingThroughManyRoundsWithLargeBlocksStillFinalizes() throws Exception {
    List<ConsensusEngine> nodes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      nodes.add(
          new ConsensusEngine(
              ConsensusConfig.defaults(CHAIN, 0),
              genesis,
              template -> template.assemble(bigBody()),
              block -> BlockValidator.Verdict.valid(set),
              new RecordKeepingSigner(keys.get(i), new MemorySignerRecordStore()),
              () -> now,
              SignatureVerifier.ED25519));
    }
    int lateRounds = 24;
    record Delivery(int to, Event event) {}
    java.util.ArrayDeque<Delivery> wire = new java.util.ArrayDeque<>();
    List<Delivery> late = new ArrayList<>();
    List<Delivery> later = new ArrayList<>();
    List<List<Timeout>> timers = new ArrayList<>();
    List<List<ByteString>> finalized = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      timers.add(new ArrayList<>());
      finalized.add(new ArrayList<>());
    }
    long[] maxHeld = new long[1];
    java.util.function.BiConsumer<Integer, Outcome> route =
        (from, o) -> {
          maxHeld[0] = Math.max(maxHeld[0], nodes.get(from).heldBlockBytes());
          for (Effect e : o.effects()) {
            for (int to = 0; to < 4; to++) {
              if (to == from) {
                continue;
              }
              if (e instanceof Effect.BroadcastProposal bp) {
                Delivery d = new Delivery(to, new Event.ProposalReceived(bp.proposal()));
                if (bp.proposal().getHeight() == 1 && bp.proposal().getRound() < lateRounds) {
                  late.add(d);
                } else {
                  wire.add(d);
                }
              } else if (e instanceof Effect.BroadcastVote bv) {
                wire.add(new Delivery(to, new Event.VoteReceived(bv.vote())));
              }
            }
            if (e instanceof Effect.ScheduleTimeout st
                && st.timeout().kind() != Timeout.Kind.REBROADCAST) {
              timers.get(from).add(st.timeout());
            }
            if (e instanceof Effect.Finalize f) {
              finalized.get(from).add(f.certificate().getBlockHash());
            }
          }
        };
    for (int i = 0; i < 4; i++) {
      route.accept(i, nodes.get(i).handle(new Event.Start()));
    }
    long target = 3;
    for (int steps = 0;
        steps < 100_000 && nodes.stream().anyMatch(n -> n.height() < target);
        steps++) {
      if (wire.isEmpty()) { // stalled: the timers fire, then the proposals of two stalls ago arrive
        now += 10; // blocks of one proposer differ from round to round by their timestamps
        for (int i = 0; i < 4; i++) {
          List<Timeout> due = new ArrayList<>(timers.get(i));
          timers.get(i).clear();
          for (Timeout t : due) {
            route.accept(i, nodes.get(i).handle(new Event.TimeoutFired(t)));
          }
        }
        wire.addAll(later);
        later.clear();
        later.addAll(late);
        late.clear();
        continue;
      }
      Delivery d = wire.poll();
      route.accept(d.to(), nodes.get(d.to()).handle(d.event()));
    }
    for (ConsensusEngine n : nodes) {
      assertTrue(n.height() >= target, "stuck at height " + n.height() + " round " + n.round());
    }
    for (int i = 1; i < 4; i++) {
      assertEquals(
          finalized.get(0).subList(0, 2), finalized.get(i).subList(0, 2), "the same blocks");
    }
    assertTrue(maxHeld[0] <= HELD_BUDGET, maxHeld[0] + " bytes held");
    assertTrue(maxHeld[0] > HELD_BUDGET - (8 << 20), "the budget was reached: " + maxHeld[0]);
  }

  /**
   * Rule 4 with the budget: a block of round 0 is let go once later rounds brought 20 blocks of 4
   * MiB, and its proposal sent again is then ignored; when a quorum's precommits for it arrive, the
   * same proposal sent again is taken in over the budget and finalizes it at once.
   */
  @Test
  void aBlockLetGoForTheBudgetIsFinalizedWhenItsProposalComesAgainAfterAPrecommitQuorum() {
    int me = indexNotProposingFirst();
    Proposal first = bigProposal(proposerIndex(0), 0);
    ByteString hash = Hashes.block(first.getBlock().getHeader());
    assertEquals(
        Verdict.Kind.ACCEPTED, engine.handle(new Event.ProposalReceived(first)).verdict().kind());
    // rounds until 20 big blocks of other proposers came (this engine's own blocks are small)
    for (int r = 1, big = 0; big < 20; r++) {
      assertTrue(r < 100);
      send(vote((me + 1) % 4, VoteType.VOTE_TYPE_PREPARE, 1, r, Hashes.NIL));
      send(vote((me + 2) % 4, VoteType.VOTE_TYPE_PREPARE, 1, r, Hashes.NIL));
      assertEquals(r, engine.round());
      if (proposerIndex(r) != me) {
        assertEquals(
            Verdict.Kind.ACCEPTED,
            engine
                .handle(new Event.ProposalReceived(bigProposal(proposerIndex(r), r)))
                .verdict()
                .kind());
        big++;
      }
      assertTrue(engine.heldBlockBytes() <= HELD_BUDGET);
    }
    assertEquals(
        Verdict.Kind.IGNORED,
        engine.handle(new Event.ProposalReceived(first)).verdict().kind(),
        "let go, and no longer of use: not taken in again");
    for (int i = 0, n = 0; n < 3; i++) {
      if (i != me) {
        send(vote(i, VoteType.VOTE_TYPE_PRECOMMIT, 1, 0, hash));
        n++;
      }
    }
    assertEquals(1, engine.height(), "a quorum of precommits, but the block is not in hand");
    Outcome again = engine.handle(new Event.ProposalReceived(first));
    assertEquals(Verdict.Kind.ACCEPTED, again.verdict().kind());
    Effect.Finalize f =
        again.effects().stream()
            .filter(e -> e instanceof Effect.Finalize)
            .map(e -> (Effect.Finalize) e)
            .findFirst()
            .orElseThrow();
    assertEquals(hash, f.certificate().getBlockHash());
    assertEquals(2, engine.height());
    assertTrue(
        engine.heldBlockBytes() < 4_096,
        "height 2 holds at most its own small proposal: " + engine.heldBlockBytes());
  }

  private ByteString engineKey() {
    return key(indexNotProposingFirst());
  }
}
