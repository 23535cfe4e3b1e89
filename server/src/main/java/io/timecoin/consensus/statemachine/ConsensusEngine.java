package io.timecoin.consensus.statemachine;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.consensus.types.BlockSource;
import io.timecoin.consensus.types.BlockTemplate;
import io.timecoin.consensus.types.BlockValidator;
import io.timecoin.consensus.types.ChainTip;
import io.timecoin.consensus.types.Clock;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.consensus.types.SignedStep;
import io.timecoin.consensus.types.Signer;
import io.timecoin.consensus.validation.BlockRules;
import io.timecoin.consensus.validation.MessageChecks;
import io.timecoin.consensus.validation.Refusal;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.ConflictingProposals;
import io.timecoin.proto.v1.ConflictingVotes;
import io.timecoin.proto.v1.EquivocationEvidence;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.FinalityCertificates;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The consensus core of one validator: the locking two-phase protocol of docs/protocol.md 5.3
 * (Tendermint's, with TIME's names: prepare and precommit), run height after height.
 *
 * <p>It is pure: no threads, no I/O, no clock of its own. {@link #handle} takes one event and
 * returns the verdict on it and the effects it caused (send, schedule a timer, finalize, report
 * evidence). Everything it needs from the world comes through the small interfaces of
 * {@code consensus.types}, so the same code runs in the node and in the deterministic simulator.
 * It is not thread-safe: one thread drives it.
 */
public final class ConsensusEngine {
  /** The three steps of a round. */
  public enum Step { PROPOSE, PREPARE, PRECOMMIT }

  private static final ByteString NIL = Hashes.NIL;
  /** Conflicting proposals' blocks are judged only up to this many per height. */
  private static final int MAX_BLOCKS_PER_HEIGHT = 64;
  /**
   * Proposals are taken for the current round and the next one only: a proposal carries a whole
   * block, and honest proposers send theirs again every rebroadcastMs, so a validator that joins a
   * later round gets that round's proposal then.
   */
  private static final int PROPOSAL_ROUNDS_AHEAD = 1;
  /** Verdicts on refused bodies are remembered only up to this many per height (32-byte keys). */
  private static final int MAX_REFUSED_BODIES = 256;

  private final ConsensusConfig config;
  private final BlockSource blockSource;
  private final BlockValidator blockValidator;
  private final Signer signer;
  private final Clock clock;
  private final SignatureVerifier verifier;
  private final ByteString me;

  private ChainTip tip;
  private ValidatorSet set;
  private long height;
  private int round;
  private Step step = Step.PROPOSE;
  private int lockedRound = -1;
  private ByteString lockedHash;
  private Block validBlock;
  private ByteString validHash;
  private int validRound = -1;
  private final TreeMap<Integer, RoundState> rounds = new TreeMap<>();
  /**
   * Blocks judged by their hash: valid ones, and those refused for their header (which the hash
   * covers). A block refused for its body is never here: its body may be a relayer's forgery, and
   * the genuine body for the same hash must still be judged on its own. The only place where the
   * engine holds block bodies (rounds keep their proposals without body), in the order taken in, at
   * most maxHeldBlockBytes in all (serialized).
   */
  private final LinkedHashMap<ByteString, BlockInfo> blocks = new LinkedHashMap<>();
  private long heldBytes;
  /** Second proposals of a round whose blocks were judged at this height. */
  private int conflictingBlocksJudged;
  /** Refusals of bodies, by SHA-256 of the whole block's bytes, so that a copy resent is not judged twice. */
  private final Map<ByteString, Refusal> refusedBodies = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<ByteString, Refusal> eldest) {
      return size() > MAX_REFUSED_BODIES;
    }
  };
  /** Messages of coming heights from current members, one per slot, at most maxBufferedBytes in all. */
  private final TreeMap<Long, LinkedHashMap<Slot, Buffered>> future = new TreeMap<>();
  private long futureBytes;
  private boolean started;
  private List<Effect> out = new ArrayList<>();
  /**
   * Precommits for the tip's block, in its certificate's round, from members of the tip's set whose
   * precommit the certificate lacks, heard after the tip was final: the next block's last_certificate
   * carries them, so a slower honest validator is still paid (docs/protocol.md 5.7, 8.5). One per
   * signer, so at most the set's size.
   */
  private final TreeMap<ByteString, Vote> latePrecommits = new TreeMap<>(ByteString.unsignedLexicographicalComparator());

  /** A block seen in a proposal of this height, and the verdict on it. */
  private record BlockInfo(Block block, Refusal refusal, ValidatorSet nextSet) {
    boolean valid() {
      return refusal == null;
    }
  }

  /**
   * One signer's message of a coming height: its proposal (kind 0) or its vote of a type, in a round;
   * {@code copy} tells apart copies of one signed proposal with different bodies.
   */
  private record Slot(int round, int kind, ByteString signer, int copy) {
    Slot(int round, int kind, ByteString signer) {
      this(round, kind, signer, 0);
    }

    Slot copy(int c) {
      return new Slot(round, kind, signer, c);
    }
  }

  /**
   * Copies of one signed proposal of a coming height kept with different bodies: the signature does
   * not cover the body, so a relay's tampered copy arriving first must not shut out the genuine one
   * (each is judged when the height starts, as copies of this height's proposals are).
   */
  private static final int BODY_COPIES = 3;

  /** A buffered message, what its signature covers, and its size. */
  private record Buffered(Event event, ByteString signed, int bytes) {}

  public ConsensusEngine(ConsensusConfig config, ChainTip tip, BlockSource blockSource, BlockValidator blockValidator,
      Signer signer, Clock clock, SignatureVerifier verifier) {
    this.config = config;
    this.tip = tip;
    this.blockSource = blockSource;
    this.blockValidator = blockValidator;
    this.signer = signer;
    this.clock = clock;
    this.verifier = verifier;
    this.me = signer.publicKey();
    this.set = tip.nextSet();
    this.height = tip.height() + 1;
  }

  /** Consumes one event; returns what became of it and what the host must do, in order. */
  public Outcome handle(Event event) {
    out = new ArrayList<>();
    Verdict verdict;
    if (event instanceof Event.Start) {
      verdict = start();
    } else if (!started) {
      verdict = Verdict.IGNORED;
    } else if (event instanceof Event.VoteReceived v) {
      verdict = onVote(v.vote(), event);
    } else if (event instanceof Event.ProposalReceived p) {
      verdict = onProposal(p.proposal(), event);
    } else if (event instanceof Event.TimeoutFired t) {
      verdict = onTimeout(t.timeout());
    } else if (event instanceof Event.BlockSynced s) {
      verdict = onBlockSynced(s.block(), s.certificate());
    } else {
      throw new IllegalArgumentException("unknown event " + event);
    }
    List<Effect> effects = out;
    out = new ArrayList<>();
    return new Outcome(verdict, effects);
  }

  // ---------------------------------------------------------------- heights and rounds

  private Verdict start() {
    if (started) {
      return Verdict.IGNORED;
    }
    started = true;
    enterHeight();
    return Verdict.ACCEPTED;
  }

  private void enterHeight() {
    height = tip.height() + 1;
    set = tip.nextSet();
    round = 0;
    lockedRound = -1;
    lockedHash = null;
    validBlock = null;
    validHash = null;
    validRound = -1;
    rounds.clear();
    blocks.clear();
    heldBytes = 0;
    conflictingBlocksJudged = 0;
    refusedBodies.clear();
    latePrecommits.clear();
    // A validator restarted mid-height keeps the lock its signer record remembers (docs/protocol.md 5.6),
    // with the block and its proof, so that it can re-propose it as the valid block.
    signer.lockAt(height).ifPresent(this::restoreLock);
    schedule(Timeout.Kind.REBROADCAST, 0, config.rebroadcastMs());
    List<SignedStep> signedHere = signer.signedAt(height);
    startRound(signedHere.isEmpty() ? 0 : signedHere.get(signedHere.size() - 1).round());
    resendSigned(signedHere);
    while (!future.isEmpty() && future.firstKey() < height) {
      dropBuffered(future.firstKey());
    }
    Map<Slot, Buffered> buffered = dropBuffered(height);
    if (buffered != null) {
      // If one of them finalizes this height, the rest are simply late for it.
      for (Buffered b : buffered.values()) {
        Event e = b.event();
        if (e instanceof Event.VoteReceived v) {
          onVote(v.vote(), e);
        } else if (e instanceof Event.ProposalReceived p) {
          onProposal(p.proposal(), e);
        }
      }
    }
    evaluate();
  }

  /** Rule 1: the proposer proposes (once its TSDC slot opens); the others wait timeout_propose. */
  private void startRound(int r) {
    round = r;
    step = Step.PROPOSE;
    ValidatorSet.Member proposer = set.proposer(config.chainId(), height, r);
    out.add(new Effect.RoundStarted(height, r, proposer.keyBytes()));
    long slotWait = Math.max(0, tip.timestampMs() + config.blockIntervalMs() - clock.nowMs());
    schedule(Timeout.Kind.PROPOSE, r, slotWait + config.timeouts().propose(r));
    if (proposer.keyBytes().equals(me)) {
      if (slotWait > 0) {
        schedule(Timeout.Kind.PROPOSE_AT, r, slotWait);
      } else {
        propose();
      }
    }
  }

  private void propose() {
    if (step != Step.PROPOSE || set.member(me) == null) {
      return;
    }
    RoundState rs = roundState(round);
    if (rs.proposal != null) {
      return;
    }
    Block block;
    int vr;
    if (validBlock != null) {
      block = validBlock;
      vr = validRound;
    } else {
      long timestamp = Math.max(clock.nowMs(), tip.timestampMs() + config.blockIntervalMs());
      block = blockSource.propose(new BlockTemplate(config.chainId(), height, timestamp, tip.blockHash(),
          lastCertificate(), set.hash(), me));
      vr = -1;
    }
    ByteString hash = Hashes.block(block.getHeader());
    Proposal.Builder builder = Proposal.newBuilder().setChainId(config.chainId()).setHeight(height).setRound(round)
        .setValidRound(vr).setBlock(block).setProposer(me);
    if (vr >= 0) {
      builder.addAllJustification(roundState(vr).prepares.votesFor(hash));
    }
    Proposal unsigned = builder.build();
    Optional<ByteString> signature = signer.sign(new SignedStep(height, round, SignedStep.Kind.PROPOSAL, hash, vr),
        CanonicalBytes.proposal(unsigned), null);
    if (signature.isEmpty()) {
      return;
    }
    Proposal proposal = unsigned.toBuilder().setSignature(signature.get()).build();
    rs.ownProposal = bodyless(proposal);
    rs.proposal = rs.ownProposal;
    rs.proposalBlockHash = hash;
    rs.heardFrom(set.member(me));
    judge(block, hash, false);
    out.add(new Effect.BroadcastProposal(proposal));
  }

  // ---------------------------------------------------------------- the rules

  /** Applies the rules until none applies any more. */
  private void evaluate() {
    while (evaluateOnce()) {
      // each pass that changed something may enable another rule
    }
  }

  /** One pass over rules 2 to 6; true when it changed the state. */
  private boolean evaluateOnce() {
    // Rule 4: a quorum of precommits for a block in hand, in any round, finalizes it.
    for (Map.Entry<Integer, RoundState> e : rounds.entrySet()) {
      for (ByteString decided : e.getValue().precommits.quorumHashes()) {
        BlockInfo info = decided.equals(NIL) ? null : blocks.get(decided);
        if (info != null && info.valid()) {
          out.add(new Effect.QuorumReached(height, e.getKey(), VoteType.VOTE_TYPE_PRECOMMIT, decided));
          FinalityCertificate cert = FinalityCertificates.build(height, e.getKey(), decided,
              e.getValue().precommits.votesFor(decided));
          finalizeBlock(info.block(), decided, cert, info.nextSet());
          return true;
        }
      }
    }
    // A quorum of prepares for a valid block in a round after validRound makes it the valid block,
    // whichever round it was (a locked validator relays its lock's proof): the next honest proposer
    // then re-proposes it, and every validator, locked or not, can prepare it.
    for (Map.Entry<Integer, RoundState> e : rounds.headMap(round, true).tailMap(validRound, false).entrySet()) {
      for (ByteString prepared : e.getValue().prepares.quorumHashes()) {
        BlockInfo info = prepared.equals(NIL) ? null : blocks.get(prepared);
        if (info != null && info.valid() && e.getKey() > validRound) {
          validBlock = info.block();
          validHash = prepared;
          validRound = e.getKey();
        }
      }
    }
    // Rule 6: validators holding more than a third of the weight are in a later round: join it.
    int skipTo = -1;
    for (Map.Entry<Integer, RoundState> e : rounds.tailMap(round, false).entrySet()) {
      if (set.exceedsOneThird(e.getValue().speakersWeight)) {
        skipTo = e.getKey();
      }
    }
    if (skipTo > round) {
      startRound(skipTo);
      return true;
    }

    RoundState rs = roundState(round);
    BlockInfo proposed = rs.proposal == null ? null : blocks.get(rs.proposalBlockHash);
    boolean changed = false;
    // Rule 2: prepare the proposal if it is valid and the lock allows it; otherwise nil.
    if (step == Step.PROPOSE && proposed != null) {
      ByteString hash = rs.proposalBlockHash;
      int vr = rs.proposal.getValidRound();
      boolean acceptable = proposed.valid() && timely(proposed.block());
      if (vr == -1) {
        prepare(acceptable && (lockedRound == -1 || hash.equals(lockedHash)) ? hash : NIL);
        changed = true;
      } else {
        // a re-proposal is stored only with a verified quorum of prepares of its valid_round: that
        // quorum, not this node's tally (which keeps an equivocator's first vote), justifies it
        prepare(acceptable && (lockedRound <= vr || hash.equals(lockedHash)) ? hash : NIL);
        changed = true;
      }
    }
    if (step != Step.PROPOSE) {
      ByteString prepared = rs.prepares.quorumHash();
      if (prepared != null && !rs.prepareQuorumAnnounced) {
        rs.prepareQuorumAnnounced = true;
        out.add(new Effect.QuorumReached(height, round, VoteType.VOTE_TYPE_PREPARE, prepared));
      }
      // Rule 3: prepares of every kind form a quorum: precommit nil unless a block gets one in time.
      if (step == Step.PREPARE && rs.prepares.hasQuorumOfAny() && !rs.prepareTimeoutStarted) {
        rs.prepareTimeoutStarted = true;
        schedule(Timeout.Kind.PREPARE, round, config.timeouts().prepare(round));
      }
      // Rule 3: a quorum of prepares for the proposed block: lock it and precommit it.
      if (proposed != null && proposed.valid() && !rs.prepareQuorumForBlockSeen
          && rs.prepares.hasQuorumFor(rs.proposalBlockHash)) {
        rs.prepareQuorumForBlockSeen = true;
        if (step == Step.PREPARE) {
          lockedRound = round;
          lockedHash = rs.proposalBlockHash;
          step = Step.PRECOMMIT;
          castVote(VoteType.VOTE_TYPE_PRECOMMIT, round, rs.proposalBlockHash,
              new Signer.Lock(round, withBlock(rs.proposal, proposed.block()), rs.prepares.votesFor(rs.proposalBlockHash)));
        }
        validBlock = proposed.block();
        validHash = rs.proposalBlockHash;
        validRound = round;
        changed = true;
      }
      // Rule 3: a quorum of prepares for nil: precommit nil.
      if (step == Step.PREPARE && rs.prepares.hasQuorumFor(NIL)) {
        precommit(NIL);
        changed = true;
      }
    }
    // Rule 5: precommits of every kind form a quorum: go to the next round unless one decides in time.
    if (rs.precommits.hasQuorumOfAny() && !rs.precommitTimeoutStarted) {
      rs.precommitTimeoutStarted = true;
      schedule(Timeout.Kind.PRECOMMIT, round, config.timeouts().precommit(round));
      ByteString precommitted = rs.precommits.quorumHash();
      if (precommitted != null && precommitted.equals(NIL) && !rs.precommitQuorumAnnounced) {
        rs.precommitQuorumAnnounced = true;
        out.add(new Effect.QuorumReached(height, round, VoteType.VOTE_TYPE_PRECOMMIT, NIL));
      }
    }
    return changed;
  }

  private boolean timely(Block block) {
    return Long.compareUnsigned(block.getHeader().getTimestampMs(), clock.nowMs() + config.maxClockAheadMs()) <= 0;
  }

  private void prepare(ByteString hash) {
    step = Step.PREPARE;
    castVote(VoteType.VOTE_TYPE_PREPARE, hash);
  }

  private void precommit(ByteString hash) {
    step = Step.PRECOMMIT;
    castVote(VoteType.VOTE_TYPE_PRECOMMIT, hash);
  }

  private void restoreLock(Signer.Lock lock) {
    Block block = lock.proposal().getBlock();
    ByteString hash = Hashes.block(block.getHeader());
    lockedRound = lock.round();
    lockedHash = hash;
    BlockInfo info = judge(block, hash, true); // the first block of the height: it fits
    RoundState locked = roundState(lock.round());
    if (locked.proposal == null) {
      locked.proposal = bodyless(lock.proposal());
      locked.proposalBlockHash = hash;
    }
    for (Vote v : lock.proof()) {
      ValidatorSet.Member m = set.member(v.getValidator());
      if (m != null && verifier.verify(m.key(), CanonicalBytes.vote(v), v.getSignature())) {
        count(locked, v, m);
      }
    }
    if (info.valid() && locked.prepares.hasQuorumFor(hash)) {
      validBlock = info.block();
      validHash = hash;
      validRound = lock.round();
    }
  }

  /**
   * A validator restarted mid-height signed these steps before it stopped: it sends the votes again
   * (the same bytes, so not a second vote) and takes up the step it had reached. A lost proposal
   * cannot be rebuilt; its round just times out.
   */
  private void resendSigned(List<SignedStep> steps) {
    for (SignedStep s : steps) {
      if (s.kind() == SignedStep.Kind.PROPOSAL) {
        continue;
      }
      VoteType type = s.kind() == SignedStep.Kind.PREPARE ? VoteType.VOTE_TYPE_PREPARE : VoteType.VOTE_TYPE_PRECOMMIT;
      castVote(type, s.round(), s.blockHash(), null);
      if (s.round() == round) {
        step = type == VoteType.VOTE_TYPE_PREPARE ? Step.PREPARE : Step.PRECOMMIT;
      }
    }
  }

  /** Signs (if this node is a member and its signer agrees), counts and broadcasts its own vote. */
  private void castVote(VoteType type, ByteString hash) {
    castVote(type, round, hash, null);
  }

  private void castVote(VoteType type, int r, ByteString hash, Signer.Lock lock) {
    ValidatorSet.Member self = set.member(me);
    if (self == null) {
      return;
    }
    Vote unsigned = Vote.newBuilder().setChainId(config.chainId()).setType(type).setHeight(height).setRound(r)
        .setBlockHash(hash).setValidator(me).build();
    SignedStep.Kind kind = type == VoteType.VOTE_TYPE_PREPARE ? SignedStep.Kind.PREPARE : SignedStep.Kind.PRECOMMIT;
    Optional<ByteString> signature = signer.sign(new SignedStep(height, r, kind, hash), CanonicalBytes.vote(unsigned), lock);
    if (signature.isEmpty()) {
      return;
    }
    Vote vote = unsigned.toBuilder().setSignature(signature.get()).build();
    RoundState rs = roundState(r);
    if (type == VoteType.VOTE_TYPE_PREPARE) {
      rs.ownPrepare = vote;
    } else {
      rs.ownPrecommit = vote;
    }
    out.add(new Effect.BroadcastVote(vote));
    if (rs.tally(type).add(vote, self.weight()) == VoteTally.Added.NEW) {
      rs.heardFrom(self);
    }
  }

  private void finalizeBlock(Block block, ByteString hash, FinalityCertificate cert, ValidatorSet nextSet) {
    out.add(new Effect.Finalize(block, cert));
    tip = new ChainTip(height, hash, block.getHeader().getTimestampMs(), cert, set, nextSet.atHeight(height + 1));
    enterHeight();
  }

  // ---------------------------------------------------------------- messages (docs/protocol.md 5.4)

  private Verdict onVote(Vote vote, Event event) {
    Refusal form = MessageChecks.vote(vote, config.chainId());
    if (form != null) {
      return refused(form);
    }
    if (vote.getHeight() == height - 1 && vote.getType() == VoteType.VOTE_TYPE_PRECOMMIT) {
      return onLatePrecommit(vote);
    }
    Verdict place = placeInTime(vote.getHeight(), vote.getRound(), config.maxRoundsAhead(), event);
    if (place != null) {
      return place;
    }
    ValidatorSet.Member member = set.member(vote.getValidator());
    if (member == null) {
      return Verdict.refused(ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR, "vote signer is not in the set of height " + height);
    }
    RoundState rs = roundState(vote.getRound());
    if (rs.tally(vote.getType()).holds(vote)) {
      return Verdict.DUPLICATE; // the very same signed vote, already verified
    }
    if (!verifier.verify(member.key(), CanonicalBytes.vote(vote), vote.getSignature())) {
      return Verdict.refused(ErrorReason.ERROR_REASON_BAD_SIGNATURE, "vote signature does not verify");
    }
    Verdict counted = count(rs, vote, member);
    if (counted.accepted()) {
      evaluate();
    }
    return counted;
  }

  /**
   * A precommit for the height just finalized: kept for the next block's last_certificate when it is
   * for the tip's block in its certificate's round and from a member the certificate lacks; any other
   * late vote is simply late (counted as late, not a fault).
   */
  private Verdict onLatePrecommit(Vote vote) {
    FinalityCertificate cert = tip.certificate();
    if (cert == null || vote.getRound() != cert.getRound() || !vote.getBlockHash().equals(tip.blockHash())) {
      return Verdict.LATE;
    }
    ValidatorSet.Member member = tip.certificateSet().member(vote.getValidator());
    if (member == null) {
      return Verdict.refused(ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR,
          "precommit signer is not in the set of height " + tip.height());
    }
    if (latePrecommits.containsKey(vote.getValidator()) || certificateHolds(cert, vote.getValidator())) {
      return Verdict.DUPLICATE; // one precommit per signer: a second signature adds nothing
    }
    if (!verifier.verify(member.key(), CanonicalBytes.vote(vote), vote.getSignature())) {
      return Verdict.refused(ErrorReason.ERROR_REASON_BAD_SIGNATURE, "precommit signature does not verify");
    }
    latePrecommits.put(vote.getValidator(), vote);
    return Verdict.ACCEPTED;
  }

  private static boolean certificateHolds(FinalityCertificate cert, ByteString validator) {
    for (CertificateSignature s : cert.getSignaturesList()) {
      if (s.getValidator().equals(validator)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The certificate of the tip as the next block carries it: the one that finalized the tip, with
   * every valid precommit heard since, sorted by key (docs/protocol.md 5.7). Null at height 1.
   */
  public FinalityCertificate lastCertificate() {
    FinalityCertificate cert = tip.certificate();
    if (cert == null || latePrecommits.isEmpty()) {
      return cert;
    }
    List<CertificateSignature> signatures = new ArrayList<>(cert.getSignaturesList());
    for (Vote v : latePrecommits.values()) {
      signatures.add(CertificateSignature.newBuilder().setValidator(v.getValidator()).setSignature(v.getSignature()).build());
    }
    signatures.sort(java.util.Comparator.comparing(CertificateSignature::getValidator, ByteString.unsignedLexicographicalComparator()));
    return cert.toBuilder().clearSignatures().addAllSignatures(signatures).build();
  }

  /** Counts a verified vote: new, a duplicate, or an equivocation (the first stays counted). */
  private Verdict count(RoundState rs, Vote vote, ValidatorSet.Member member) {
    VoteTally tally = rs.tally(vote.getType());
    switch (tally.add(vote, member.weight())) {
      case NEW -> {
        rs.heardFrom(member);
        return Verdict.ACCEPTED;
      }
      case DUPLICATE -> {
        return Verdict.DUPLICATE;
      }
      default -> {
        Vote first = tally.existing(vote.getValidator());
        out.add(new Effect.ReportEvidence(EquivocationEvidence.newBuilder().setValidator(vote.getValidator())
            .setHeight(vote.getHeight()).setRound(vote.getRound())
            .setVotes(ConflictingVotes.newBuilder().setFirst(first).setSecond(vote)).build()));
        return Verdict.refused(ErrorReason.ERROR_REASON_EQUIVOCATION, "second " + vote.getType() + " of one validator in one round");
      }
    }
  }

  private Verdict onProposal(Proposal proposal, Event event) {
    Refusal form = MessageChecks.proposal(proposal, config.chainId(), config.maxMessageBytes());
    if (form != null) {
      return refused(form);
    }
    Verdict place = placeInTime(proposal.getHeight(), proposal.getRound(), PROPOSAL_ROUNDS_AHEAD, event);
    if (place != null) {
      return place;
    }
    ValidatorSet.Member member = set.member(proposal.getProposer());
    if (member == null) {
      return Verdict.refused(ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR, "proposer is not in the set of height " + height);
    }
    if (!set.proposer(config.chainId(), height, proposal.getRound()).keyBytes().equals(proposal.getProposer())) {
      return Verdict.refused(ErrorReason.ERROR_REASON_WRONG_PROPOSER, "not the proposer of round " + proposal.getRound());
    }
    RoundState rs = roundState(proposal.getRound());
    // the very signed proposal stored for the round, verified then: not verified again
    boolean stored = bodyless(proposal).equals(rs.proposal);
    if (stored && blocks.containsKey(rs.proposalBlockHash)) {
      return Verdict.DUPLICATE;
    }
    ByteString hash;
    if (stored) {
      hash = rs.proposalBlockHash;
    } else {
      byte[] signed;
      try {
        hash = Hashes.block(proposal.getBlock().getHeader());
        signed = CanonicalBytes.proposal(proposal);
      } catch (MalformedException e) {
        return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, e.getMessage());
      }
      if (!verifier.verify(member.key(), signed, proposal.getSignature())) {
        return Verdict.refused(ErrorReason.ERROR_REASON_BAD_SIGNATURE, "proposal signature does not verify");
      }
    }
    if (rs.proposal != null) {
      if (rs.proposalBlockHash.equals(hash) && rs.proposal.getValidRound() == proposal.getValidRound()) {
        if (blocks.containsKey(hash)) {
          return Verdict.DUPLICATE; // the same signed proposal, its block already judged by its hash
        }
        // Not held: only refused bodies were seen with this signed header (this copy may carry the
        // genuine one), or the block was let go for the byte budget or refused for it.
        if (proposal.getRound() < round && !stillMatters(hash)) {
          // a past round's block, sent again by its proposer's rebroadcast: it can no longer be
          // decided or re-proposed, so it is neither judged nor held again
          return Verdict.IGNORED;
        }
        if (refusedBodies.containsKey(bodyKey(proposal.getBlock()))) {
          return Verdict.DUPLICATE; // a body already refused
        }
        BlockInfo info = judge(proposal.getBlock(), hash, false);
        if (!info.valid()) {
          return refused(info.refusal());
        }
        evaluate();
        return Verdict.ACCEPTED;
      }
      out.add(new Effect.ReportEvidence(EquivocationEvidence.newBuilder().setValidator(proposal.getProposer())
          .setHeight(height).setRound(proposal.getRound())
          .setProposals(ConflictingProposals.newBuilder().setFirst(headerOnly(rs.proposal)).setSecond(headerOnly(proposal)))
          .build()));
      Verdict equivocation = Verdict.refused(ErrorReason.ERROR_REASON_EQUIVOCATION, "second proposal of round " + proposal.getRound());
      if (conflictingBlocksJudged < MAX_BLOCKS_PER_HEIGHT) {
        conflictingBlocksJudged++;
        // its block may still gather a quorum: keep it in hand (and finalize it if a quorum precommitted it)
        if (judge(proposal.getBlock(), hash, false).valid()) {
          evaluate();
        }
      }
      return equivocation;
    }
    if (proposal.getValidRound() == -1 && !proposal.getBlock().getHeader().getProposer().equals(proposal.getProposer())) {
      return Verdict.refused(ErrorReason.ERROR_REASON_INVALID_BLOCK, "a new block must name its proposer");
    }
    if (proposal.getValidRound() >= 0) {
      Verdict justified = countJustification(proposal, hash);
      if (justified != null) {
        return justified;
      }
    }
    rs.proposal = bodyless(proposal);
    rs.proposalBlockHash = hash;
    rs.heardFrom(member);
    // Refused for its body, it waits for a genuine copy until timeout_propose: the proposer signed
    // only the header, so a refused body may be a relayer's doing, not the proposer's. Refused for
    // the byte budget, it waits for its proposer's next rebroadcast.
    BlockInfo info = judge(proposal.getBlock(), hash, false);
    evaluate();
    return info.valid() ? Verdict.ACCEPTED : refused(info.refusal());
  }

  /**
   * A re-proposal carries the prepares of its valid_round for its block: they must be distinct
   * members' valid prepares forming a quorum. They are then counted like any prepare.
   */
  private Verdict countJustification(Proposal proposal, ByteString hash) {
    int vr = proposal.getValidRound();
    RoundState justifiedRound = roundState(vr);
    Set<ByteString> signers = new HashSet<>();
    List<ValidatorSet.Member> members = new ArrayList<>();
    long weight = 0;
    for (Vote v : proposal.getJustificationList()) {
      if (MessageChecks.vote(v, config.chainId()) != null || v.getType() != VoteType.VOTE_TYPE_PREPARE
          || v.getHeight() != height || v.getRound() != vr || !v.getBlockHash().equals(hash)) {
        return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, "justification is not prepares of round " + vr + " for the block");
      }
      ValidatorSet.Member m = set.member(v.getValidator());
      if (m == null) {
        return Verdict.refused(ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR, "justification signer is not in the set");
      }
      if (!signers.add(v.getValidator())) {
        return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, "justification repeats a signer");
      }
      if (!justifiedRound.prepares.holds(v) && !verifier.verify(m.key(), CanonicalBytes.vote(v), v.getSignature())) {
        return Verdict.refused(ErrorReason.ERROR_REASON_BAD_SIGNATURE, "justification signature does not verify");
      }
      members.add(m);
      weight += m.weight();
    }
    if (!set.isQuorum(weight)) {
      return Verdict.refused(ErrorReason.ERROR_REASON_NO_QUORUM, "justification is not a quorum of prepares");
    }
    for (int i = 0; i < members.size(); i++) {
      count(justifiedRound, proposal.getJustification(i), members.get(i));
    }
    return null;
  }

  /**
   * Null for a message of this height within {@code roundsAhead} rounds of the current one;
   * otherwise buffered or refused.
   */
  private Verdict placeInTime(long msgHeight, int msgRound, int roundsAhead, Event event) {
    if (msgHeight == height - 1) {
      return Verdict.LATE; // a late vote for the height just finalized: normal, not a fault
    }
    if (msgHeight < height) {
      return Verdict.refused(ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE, "height " + msgHeight + " is final here");
    }
    if (msgHeight > height) {
      return buffer(msgHeight, msgRound, event);
    }
    if (msgRound > round + (long) roundsAhead) {
      return Verdict.refused(ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE, "round " + msgRound + " is more than "
          + roundsAhead + " ahead of round " + round);
    }
    return null;
  }

  /**
   * Keeps a message of a coming height for when it starts. The set of that height is not known yet,
   * so only a key of the current set may fill the buffer, and its signature is checked now with that
   * key: a stranger or a forger is refused at once (and its peer penalized), not checked later. One
   * message per signer and slot, and a byte budget for all heights, bound what members can fill.
   */
  private Verdict buffer(long msgHeight, int msgRound, Event event) {
    if (msgHeight > height + config.bufferedHeights()) {
      return Verdict.refused(ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE,
          "height " + msgHeight + " is more than " + config.bufferedHeights() + " ahead of " + height);
    }
    // a coming height starts at round 0: its proposals, like this height's, only up to one round ahead
    int roundsAhead = event instanceof Event.ProposalReceived ? PROPOSAL_ROUNDS_AHEAD : config.maxRoundsAhead();
    if (msgRound > roundsAhead) {
      return Verdict.refused(ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE,
          "round " + msgRound + " of coming height " + msgHeight + " is too far ahead");
    }
    ByteString signer;
    Slot slot;
    byte[] signed;
    ByteString signature;
    int bytes;
    try {
      if (event instanceof Event.VoteReceived v) {
        signer = v.vote().getValidator();
        slot = new Slot(msgRound, v.vote().getTypeValue(), signer);
        signed = CanonicalBytes.vote(v.vote());
        signature = v.vote().getSignature();
        bytes = v.vote().getSerializedSize();
      } else {
        Proposal p = ((Event.ProposalReceived) event).proposal();
        signer = p.getProposer();
        slot = new Slot(msgRound, 0, signer);
        signed = CanonicalBytes.proposal(p);
        signature = p.getSignature();
        bytes = p.getSerializedSize();
      }
    } catch (MalformedException e) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, e.getMessage());
    }
    ValidatorSet.Member member = set.member(signer);
    if (member == null) {
      return Verdict.refused(ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR,
          "signer of a message for height " + msgHeight + " is not in the set of height " + height);
    }
    LinkedHashMap<Slot, Buffered> atHeight = future.get(msgHeight);
    Buffered held = atHeight == null ? null : atHeight.get(slot);
    if (held != null && held.event().equals(event)) {
      return Verdict.DUPLICATE;
    }
    if (!verifier.verify(member.key(), signed, signature)) {
      return Verdict.refused(ErrorReason.ERROR_REASON_BAD_SIGNATURE, "signature of a message for height " + msgHeight
          + " does not verify");
    }
    if (held != null) {
      if (held.signed().equals(ByteString.copyFrom(signed))) {
        // the same signed message with other bytes around it (a proposal's body): kept beside the first
        // (up to BODY_COPIES), the sender not blamed: it may be the one with the genuine body
        for (int c = 1; c < BODY_COPIES; c++) {
          Buffered other = atHeight.get(slot.copy(c));
          if (other == null) {
            slot = slot.copy(c);
            held = null;
            break;
          }
          if (other.event().equals(event)) {
            return Verdict.DUPLICATE;
          }
        }
        if (held != null) {
          return Verdict.DUPLICATE; // every copy's place is taken
        }
      } else {
        return Verdict.refused(ErrorReason.ERROR_REASON_EQUIVOCATION,
            "a second, different message of one signer for one slot of height " + msgHeight);
      }
    }
    if (atHeight != null && atHeight.size() >= config.maxBufferedPerHeight()) {
      return Verdict.refused(ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE, "buffer of height " + msgHeight + " is full");
    }
    if (futureBytes + bytes > config.maxBufferedBytes()) {
      return Verdict.refused(ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE, "buffer of coming heights holds "
          + futureBytes + " bytes, limit " + config.maxBufferedBytes());
    }
    future.computeIfAbsent(msgHeight, h -> new LinkedHashMap<>()).put(slot, new Buffered(event, ByteString.copyFrom(signed), bytes));
    futureBytes += bytes;
    return Verdict.BUFFERED;
  }

  /** Takes a height's buffered messages out of the buffer; null if none. */
  private Map<Slot, Buffered> dropBuffered(long h) {
    LinkedHashMap<Slot, Buffered> dropped = future.remove(h);
    if (dropped != null) {
      for (Buffered b : dropped.values()) {
        futureBytes -= b.bytes();
      }
    }
    return dropped;
  }

  // ---------------------------------------------------------------- timers and catch-up

  private Verdict onTimeout(Timeout t) {
    if (t.height() != height) {
      return Verdict.IGNORED;
    }
    switch (t.kind()) {
      case PROPOSE_AT -> {
        if (t.round() == round) {
          propose();
        }
      }
      case PROPOSE -> {
        if (t.round() == round && step == Step.PROPOSE) {
          prepare(NIL);
        }
      }
      case PREPARE -> {
        if (t.round() == round && step == Step.PREPARE) {
          precommit(NIL);
        }
      }
      case PRECOMMIT -> {
        if (t.round() == round) {
          startRound(round + 1);
        }
      }
      case REBROADCAST -> {
        // every round of the height: a lagging group may need votes of a round the others have left
        rounds.values().forEach(this::rebroadcast);
        relayLockProof();
        schedule(Timeout.Kind.REBROADCAST, round, config.rebroadcastMs());
      }
      default -> throw new IllegalStateException("unknown timeout " + t);
    }
    evaluate();
    return Verdict.ACCEPTED;
  }

  /**
   * A locked validator relays the proposal it locked on and the prepares that justified the lock, so
   * that every validator can make that block its valid block and re-propose it. Otherwise, when the
   * proof rests on votes only this validator holds, nobody else can unlock it.
   */
  private void relayLockProof() {
    RoundState rs = lockedRound >= 0 ? rounds.get(lockedRound) : null;
    if (rs == null || rs.proposal == null || !lockedHash.equals(rs.proposalBlockHash)) {
      return;
    }
    BlockInfo info = blocks.get(lockedHash);
    if (rs.ownProposal == null && info != null && info.valid()) {
      out.add(new Effect.BroadcastProposal(withBlock(rs.proposal, info.block())));
    }
    for (Vote v : rs.prepares.votesFor(lockedHash)) {
      if (!v.getValidator().equals(me)) {
        out.add(new Effect.BroadcastVote(v));
      }
    }
  }

  /** Sends this validator's own messages of a round again: peers may have lost them. */
  private void rebroadcast(RoundState rs) {
    BlockInfo own = rs.ownProposal == null ? null : blocks.get(rs.proposalBlockHash);
    if (own != null && own.valid()) { // a past round's block let go for the budget is not sent again
      out.add(new Effect.BroadcastProposal(withBlock(rs.ownProposal, own.block())));
    }
    if (rs.ownPrepare != null) {
      out.add(new Effect.BroadcastVote(rs.ownPrepare));
    }
    if (rs.ownPrecommit != null) {
      out.add(new Effect.BroadcastVote(rs.ownPrecommit));
    }
  }

  /** A block and its certificate from a peer: applied when it is the next height and checks out. */
  private Verdict onBlockSynced(Block block, FinalityCertificate cert) {
    long h = block.getHeader().getHeight();
    if (h < height) {
      return Verdict.DUPLICATE;
    }
    if (h > height) {
      return Verdict.refused(ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE, "synced block " + h + " while at " + height);
    }
    ByteString hash;
    try {
      hash = Hashes.block(block.getHeader());
    } catch (MalformedException e) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, e.getMessage());
    }
    if (cert.getHeight() != h || !cert.getBlockHash().equals(hash)) {
      return Verdict.refused(ErrorReason.ERROR_REASON_INVALID_BLOCK, "certificate is not for this block");
    }
    try {
      FinalityCertificates.verify(cert, config.chainId(), set, verifier);
    } catch (FinalityCertificates.InvalidCertificateException e) {
      return Verdict.refused(e.reason(), e.getMessage());
    }
    BlockInfo info = judge(block, hash, true); // certified: finalized at once, then let go
    if (!info.valid()) {
      return refused(info.refusal());
    }
    finalizeBlock(info.block(), hash, cert, info.nextSet());
    evaluate();
    return Verdict.ACCEPTED;
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The verdict on a block of this height whose header hashes to {@code hash}. Once a block is found
   * valid, it is the block of that hash: any other body for it is the same block to consensus, and is
   * not looked at. A header refusal stands for the hash; a body refusal only for that very body.
   * A valid block is held within the byte budget, making room by letting go of blocks that no longer
   * matter; when there is no room it is refused (HEIGHT_OUT_OF_RANGE, not the sender's fault, and not
   * remembered), unless {@code mustHold} or a quorum precommitted it: then it is about to be finalized.
   */
  private BlockInfo judge(Block block, ByteString hash, boolean mustHold) {
    BlockInfo known = blocks.get(hash);
    if (known != null) {
      return known;
    }
    Refusal header = BlockRules.checkHeader(block.getHeader(), tip, set, config.chainId(), config.blockIntervalMs());
    if (header != null) {
      BlockInfo info = new BlockInfo(Block.newBuilder().setHeader(block.getHeader()).build(), header, null);
      int size = info.block().getSerializedSize();
      letGoUntilRoomFor(size);
      if (heldBytes + size <= config.maxHeldBlockBytes()) { // else judged again if it comes again: cheap
        hold(hash, info);
      }
      return info;
    }
    ByteString bodyKey = bodyKey(block);
    Refusal refusal = refusedBodies.get(bodyKey);
    if (refusal != null) {
      return new BlockInfo(block, refusal, null);
    }
    int size = block.getSerializedSize();
    boolean admit = mustHold || precommitQuorumFor(hash);
    if (!admit && heldBytes - evictableBytes() + size > config.maxHeldBlockBytes()) {
      return new BlockInfo(block, new Refusal(ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE, "the blocks held for height "
          + height + " weigh " + heldBytes + " bytes, with " + size + " more over the limit of "
          + config.maxHeldBlockBytes()), null);
    }
    refusal = BlockRules.checkBody(block, tip, config.chainId(), verifier);
    if (refusal == null) {
      BlockValidator.Verdict verdict = blockValidator.validate(block);
      if (verdict.isValid()) {
        letGoUntilRoomFor(size);
        BlockInfo info = new BlockInfo(block, null, verdict.nextSet());
        hold(hash, info);
        return info;
      }
      refusal = new Refusal(verdict.reason(), verdict.detail());
    }
    refusedBodies.put(bodyKey, refusal);
    return new BlockInfo(block, refusal, null);
  }

  private void hold(ByteString hash, BlockInfo info) {
    blocks.put(hash, info);
    heldBytes += info.block().getSerializedSize();
  }

  /**
   * Whether a held block can still matter: it is locked or the valid block, proposed in this round
   * or the next, precommitted by more than a third of the weight (so by an honest validator, which
   * locked it), or prepared by a quorum in a round that would make it the valid block. Any other
   * block may be let go for the budget: if it ever gets a precommit quorum, its proposal sent again
   * or a synced copy brings it back (such a block is always taken in).
   */
  private boolean stillMatters(ByteString hash) {
    if (hash.equals(lockedHash) || hash.equals(validHash)) {
      return true;
    }
    for (Map.Entry<Integer, RoundState> e : rounds.entrySet()) {
      RoundState rs = e.getValue();
      if ((e.getKey() >= round && hash.equals(rs.proposalBlockHash)) || set.exceedsOneThird(rs.precommits.weightFor(hash))
          || (e.getKey() > validRound && e.getKey() <= round && rs.prepares.hasQuorumFor(hash))) {
        return true;
      }
    }
    return false;
  }

  private boolean precommitQuorumFor(ByteString hash) {
    for (RoundState rs : rounds.values()) {
      if (rs.precommits.hasQuorumFor(hash)) {
        return true;
      }
    }
    return false;
  }

  private long evictableBytes() {
    long bytes = 0;
    for (Map.Entry<ByteString, BlockInfo> e : blocks.entrySet()) {
      if (!stillMatters(e.getKey())) {
        bytes += e.getValue().block().getSerializedSize();
      }
    }
    return bytes;
  }

  /** Lets go of blocks that no longer matter, the earliest taken first, until {@code size} more bytes fit. */
  private void letGoUntilRoomFor(int size) {
    var it = blocks.entrySet().iterator();
    while (heldBytes + size > config.maxHeldBlockBytes() && it.hasNext()) {
      Map.Entry<ByteString, BlockInfo> e = it.next();
      if (!stillMatters(e.getKey())) {
        heldBytes -= e.getValue().block().getSerializedSize();
        it.remove();
      }
    }
  }

  private static ByteString bodyKey(Block block) {
    return ByteString.copyFrom(Sha256.hash(block.toByteArray()));
  }

  /** The signed proposal with the body in hand for its block (its signature covers the header only). */
  private static Proposal withBlock(Proposal proposal, Block block) {
    return proposal.getBlock() == block ? proposal : proposal.toBuilder().setBlock(block).build();
  }

  private RoundState roundState(int r) {
    return rounds.computeIfAbsent(r, x -> new RoundState(set));
  }

  private void schedule(Timeout.Kind kind, int r, long delayMs) {
    out.add(new Effect.ScheduleTimeout(new Timeout(height, r, kind), delayMs));
  }

  /** A proposal as a round keeps it: all but its block's body, which only {@link #blocks} holds. */
  private static Proposal bodyless(Proposal p) {
    return p.getBlock().hasBody() ? p.toBuilder().setBlock(Block.newBuilder().setHeader(p.getBlock().getHeader())).build() : p;
  }

  private static Proposal headerOnly(Proposal p) {
    return p.toBuilder().setBlock(Block.newBuilder().setHeader(p.getBlock().getHeader())).clearJustification().build();
  }

  private static Verdict refused(Refusal r) {
    return Verdict.refused(r.reason(), r.detail());
  }

  // ---------------------------------------------------------------- for hosts, logs and tests

  /** The height being decided. */
  public long height() {
    return height;
  }

  public int round() {
    return round;
  }

  public Step step() {
    return step;
  }

  /** The last finalized block's place. */
  public ChainTip tip() {
    return tip;
  }

  /** The set voting at the current height. */
  public ValidatorSet validatorSet() {
    return set;
  }

  public int lockedRound() {
    return lockedRound;
  }

  /** How many messages of coming heights are buffered, and their bytes. */
  public int bufferedMessages() {
    return future.values().stream().mapToInt(Map::size).sum();
  }

  public long bufferedBytes() {
    return futureBytes;
  }

  /** The bytes (serialized) of the blocks held for the current height: at most maxHeldBlockBytes. */
  public long heldBlockBytes() {
    return heldBytes;
  }
}
