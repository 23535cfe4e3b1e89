package io.timecoin.consensus.statemachine;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.statemachine.HeldBlocks.Judged;
import io.timecoin.consensus.statemachine.VoteTally.Threshold;
import io.timecoin.consensus.types.BlockSource;
import io.timecoin.consensus.types.BlockTemplate;
import io.timecoin.consensus.types.BlockValidator;
import io.timecoin.consensus.types.ChainTip;
import io.timecoin.consensus.types.Clock;
import io.timecoin.consensus.types.SignedStep;
import io.timecoin.consensus.types.Signer;
import io.timecoin.consensus.validation.MessageChecks;
import io.timecoin.consensus.validation.ProposalValidator;
import io.timecoin.consensus.validation.Refusal;
import io.timecoin.consensus.validation.SyncedBlockValidator;
import io.timecoin.consensus.validation.VoteValidator;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.Block;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The consensus core of one validator: the locking two-phase protocol of docs/protocol.md 5.3
 * (Tendermint's, with TIME's names: prepare and precommit), run height after height. Each rule is a
 * method named for it, opening with the rule and its trigger; docs/consensus.md maps them.
 *
 * <p>It is pure: no threads, no I/O, no clock of its own. {@link #handle} takes one event and
 * returns the verdict on it and the effects it caused (send, schedule a timer, finalize, report
 * evidence). A message goes through the checks of 5.4 first (the validators of {@code
 * consensus.validation}, and where this height stands), and only then reaches the rules. Everything
 * it needs from the world comes through the small interfaces of {@code consensus.types}, so the
 * same code runs in the node and in the deterministic simulator. It is not thread-safe: one thread
 * drives it.
 */
public final class ConsensusEngine {
  private static final ByteString NIL = Hashes.NIL;

  /**
   * Proposals are taken for the current round and the next one only: a proposal carries a whole
   * block, and honest proposers send theirs again every rebroadcastMs, so a validator that joins a
   * later round gets that round's proposal then.
   */
  static final int PROPOSAL_ROUNDS_AHEAD = 1;

  private final ConsensusConfig config;
  private final BlockSource blockSource;
  private final BlockValidator blockValidator;
  private final Signer signer;
  private final Clock clock;
  private final SignatureVerifier verifier;
  private final ByteString me;
  private final VoteValidator votes;
  private final ProposalValidator proposals;
  private final SyncedBlockValidator syncedBlocks;

  /** Messages of the coming heights: kept across heights. */
  private final FutureBuffer future;

  private ChainTip tip;
  private ValidatorSet set;
  // what docs/protocol.md 5.3 keeps per height
  private long height;
  private int round;
  private Phase step = Phase.PROPOSE;
  private int lockedRound = -1;
  private ByteString lockedHash;
  private Block validBlock;
  private ByteString validHash;
  private int validRound = -1;
  // what this height has seen: each round's proposal and votes, the blocks, the tip's late
  // precommits
  private final TreeMap<Integer, RoundState> rounds = new TreeMap<>();
  private HeldBlocks blocks;
  private LatePrecommits latePrecommits;
  private boolean started;
  private List<Effect> out = new ArrayList<>();

  public ConsensusEngine(
      ConsensusConfig config,
      ChainTip tip,
      BlockSource blockSource,
      BlockValidator blockValidator,
      Signer signer,
      Clock clock,
      SignatureVerifier verifier) {
    this.config = config;
    this.tip = tip;
    this.blockSource = blockSource;
    this.blockValidator = blockValidator;
    this.signer = signer;
    this.clock = clock;
    this.verifier = verifier;
    this.me = signer.publicKey();
    this.votes = new VoteValidator(verifier);
    this.proposals = new ProposalValidator(config.chainId(), verifier);
    this.syncedBlocks = new SyncedBlockValidator(config.chainId(), verifier);
    this.future = new FutureBuffer(config, votes, proposals);
    this.set = tip.nextSet();
    this.height = tip.height() + 1;
    this.blocks = new HeldBlocks(config, tip, set, blockValidator, verifier, this::stillMatters);
    this.latePrecommits = new LatePrecommits(tip, votes);
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

  /**
   * Height tip + 1 begins: nothing locked or valid, no rounds, no blocks; then what a restart
   * remembers (5.6), the round signed last (or 0), and the messages buffered for this height.
   */
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
    blocks = new HeldBlocks(config, tip, set, blockValidator, verifier, this::stillMatters);
    latePrecommits = new LatePrecommits(tip, votes);
    // A validator restarted mid-height keeps the lock its signer record remembers (docs/protocol.md
    // 5.6),
    // with the block and its proof, so that it can re-propose it as the valid block.
    signer.lockAt(height).ifPresent(this::restoreLock);
    schedule(Timeout.Kind.REBROADCAST, 0, config.rebroadcastMs());
    List<SignedStep> signedHere = signer.signedAt(height);
    startRound(signedHere.isEmpty() ? 0 : signedHere.get(signedHere.size() - 1).round());
    resendSigned(signedHere);
    // If one of them finalizes this height, the rest are simply late for it.
    for (Event e : future.take(height)) {
      if (e instanceof Event.VoteReceived v) {
        onVote(v.vote(), e);
      } else if (e instanceof Event.ProposalReceived p) {
        onProposal(p.proposal(), e);
      }
    }
    evaluate();
  }

  /**
   * Rule 1, entering round r: the proposer proposes (once its TSDC slot opens); the others start
   * timeout_propose.
   */
  private void startRound(int r) {
    round = r;
    step = Phase.PROPOSE;
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

  /**
   * Rule 1, the proposer's part: its valid block if it has one (with the prepares that justify it),
   * else a new block.
   */
  private void propose() {
    if (step != Phase.PROPOSE || set.member(me) == null) {
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
      block =
          blockSource.propose(
              new BlockTemplate(
                  config.chainId(),
                  height,
                  timestamp,
                  tip.blockHash(),
                  lastCertificate(),
                  set.hash(),
                  me));
      vr = -1;
    }
    ByteString hash = Hashes.block(block.getHeader());
    Proposal.Builder builder =
        Proposal.newBuilder()
            .setChainId(config.chainId())
            .setHeight(height)
            .setRound(round)
            .setValidRound(vr)
            .setBlock(block)
            .setProposer(me);
    if (vr >= 0) {
      builder.addAllJustification(roundState(vr).prepares.votesFor(hash));
    }
    Proposal unsigned = builder.build();
    Optional<ByteString> signature =
        signer.sign(
            new SignedStep(height, round, SignedStep.Kind.PROPOSAL, hash, vr),
            CanonicalBytes.proposal(unsigned),
            null);
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

  // ---------------------------------------------------------------- the rules (docs/protocol.md
  // 5.3)

  /** Applies the rules until none applies any more. */
  private void evaluate() {
    while (applyRules()) {
      // each pass that changed something may enable another rule
    }
  }

  /** One pass over rules 2 to 6, in this order; true when one of them moved the state on. */
  private boolean applyRules() {
    if (decide()) {
      return true;
    }
    adoptValidBlock();
    if (skipToLaterRound()) {
      return true;
    }
    RoundState rs = roundState(round);
    Judged proposed = rs.proposal == null ? null : blocks.get(rs.proposalBlockHash);
    boolean changed = prepareProposal(rs, proposed);
    if (step != Phase.PROPOSE) {
      announcePrepareQuorum(rs);
      armPrepareTimeout(rs);
      changed |= lockAndPrecommit(rs, proposed);
      changed |= precommitNil(rs);
    }
    armPrecommitTimeout(rs);
    return changed;
  }

  /**
   * Rule 4, on precommits from a quorum for a block held and valid, in any round of h: it is final,
   * they are its certificate.
   */
  private boolean decide() {
    for (Map.Entry<Integer, RoundState> e : rounds.entrySet()) {
      for (ByteString decided : e.getValue().precommits.quorumHashes()) {
        Judged block = decided.equals(NIL) ? null : blocks.valid(decided);
        if (block != null) {
          out.add(
              new Effect.QuorumReached(height, e.getKey(), VoteType.VOTE_TYPE_PRECOMMIT, decided));
          FinalityCertificate cert =
              FinalityCertificates.build(
                  height, e.getKey(), decided, e.getValue().precommits.votesFor(decided));
          finalizeBlock(block.block(), decided, cert, block.nextSet());
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The node's addition to 5.3, on prepares from a quorum for a valid block in a round after
   * validRound, up to this one: it becomes the valid block, whichever round it was (a locked
   * validator relays its lock's proof), so the next honest proposer re-proposes it and every
   * validator, locked or not, can prepare it.
   */
  private void adoptValidBlock() {
    for (Map.Entry<Integer, RoundState> e :
        rounds.headMap(round, true).tailMap(validRound, false).entrySet()) {
      for (ByteString prepared : e.getValue().prepares.quorumHashes()) {
        Judged block = prepared.equals(NIL) ? null : blocks.valid(prepared);
        if (block != null && e.getKey() > validRound) {
          makeValid(block.block(), prepared, e.getKey());
        }
      }
    }
  }

  /**
   * Rule 6, on messages of a later round from validators holding more than a third of the weight:
   * go to that round.
   */
  private boolean skipToLaterRound() {
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
    return false;
  }

  /**
   * Rule 2, on this round's proposal with its block judged, while proposing: prepare it if it is
   * valid and timely and the lock allows it, otherwise nil. A new block: not locked, or locked on
   * it. A re-proposal of valid_round vr: locked at vr or before, or on it (it is taken in only with
   * a verified quorum of prepares of vr, and that quorum, not this node's tally, which keeps an
   * equivocator's first vote, justifies it).
   */
  private boolean prepareProposal(RoundState rs, Judged proposed) {
    if (step != Phase.PROPOSE || proposed == null) {
      return false;
    }
    ByteString hash = rs.proposalBlockHash;
    int vr = rs.proposal.getValidRound();
    boolean acceptable = proposed.valid() && timely(proposed.block());
    boolean lockAllows =
        vr == -1
            ? lockedRound == -1 || hash.equals(lockedHash)
            : lockedRound <= vr || hash.equals(lockedHash);
    prepare(acceptable && lockAllows ? hash : NIL);
    return true;
  }

  /**
   * A log line, on prepares from a quorum for one value (block or nil) for the first time in this
   * round, once past proposing.
   */
  private void announcePrepareQuorum(RoundState rs) {
    ByteString prepared = rs.prepares.quorumHash();
    if (prepared != null && rs.prepares.firstCrossed(Threshold.SOME_VALUE)) {
      out.add(new Effect.QuorumReached(height, round, VoteType.VOTE_TYPE_PREPARE, prepared));
    }
  }

  /**
   * Rule 3, on prepares from a quorum, split or not, for the first time while preparing: arm
   * timeout_prepare.
   */
  private void armPrepareTimeout(RoundState rs) {
    if (step == Phase.PREPARE && rs.prepares.firstCrossed(Threshold.ANY)) {
      schedule(Timeout.Kind.PREPARE, round, config.timeouts().prepare(round));
    }
  }

  /**
   * Rule 3, on prepares from a quorum for this round's valid block for the first time, once past
   * proposing: while preparing, lock it at this round and precommit it; in any case it becomes the
   * valid block.
   */
  private boolean lockAndPrecommit(RoundState rs, Judged proposed) {
    if (proposed == null
        || !proposed.valid()
        || !rs.prepares.firstCrossed(Threshold.quorumFor(rs.proposalBlockHash))) {
      return false;
    }
    ByteString hash = rs.proposalBlockHash;
    if (step == Phase.PREPARE) {
      lockedRound = round;
      lockedHash = hash;
      step = Phase.PRECOMMIT;
      castVote(
          Phase.PRECOMMIT,
          round,
          hash,
          new Signer.Lock(
              round, withBlock(rs.proposal, proposed.block()), rs.prepares.votesFor(hash)));
    }
    makeValid(proposed.block(), hash, round);
    return true;
  }

  /** Rule 3, on prepares from a quorum for nil while preparing: precommit nil. */
  private boolean precommitNil(RoundState rs) {
    if (step != Phase.PREPARE || !rs.prepares.hasQuorumFor(NIL)) {
      return false;
    }
    precommit(NIL);
    return true;
  }

  /**
   * Rule 5, on precommits from a quorum, split or not, for the first time in this round: arm
   * timeout_precommit.
   */
  private void armPrecommitTimeout(RoundState rs) {
    if (!rs.precommits.firstCrossed(Threshold.ANY)) {
      return;
    }
    schedule(Timeout.Kind.PRECOMMIT, round, config.timeouts().precommit(round));
    if (NIL.equals(rs.precommits.quorumHash())) {
      out.add(new Effect.QuorumReached(height, round, VoteType.VOTE_TYPE_PRECOMMIT, NIL));
    }
  }

  /** Rule 1, when this round's TSDC slot opens: the proposer proposes. */
  private void onSlotOpen(int r) {
    if (r == round) {
      propose();
    }
  }

  /** Rule 2, on timeout_propose(r) while still proposing in r: prepare nil. */
  private void onTimeoutPropose(int r) {
    if (r == round && step == Phase.PROPOSE) {
      prepare(NIL);
    }
  }

  /** Rule 3, on timeout_prepare(r) while still preparing in r: precommit nil. */
  private void onTimeoutPrepare(int r) {
    if (r == round && step == Phase.PREPARE) {
      precommit(NIL);
    }
  }

  /** Rule 5, on timeout_precommit(r) while still in r: go to round r + 1. */
  private void onTimeoutPrecommit(int r) {
    if (r == round) {
      startRound(round + 1);
    }
  }

  /**
   * The node's addition to 5.3, every rebroadcastMs: this validator's own messages of every round
   * of the height again (a lagging group may need votes of a round the others have left), and its
   * lock's proof.
   */
  private void onRebroadcast() {
    rounds.values().forEach(this::resendOwn);
    relayLockProof();
    schedule(Timeout.Kind.REBROADCAST, round, config.rebroadcastMs());
  }

  private void makeValid(Block block, ByteString hash, int r) {
    validBlock = block;
    validHash = hash;
    validRound = r;
  }

  private boolean timely(Block block) {
    return Long.compareUnsigned(
            block.getHeader().getTimestampMs(), clock.nowMs() + config.maxClockAheadMs())
        <= 0;
  }

  private void prepare(ByteString hash) {
    step = Phase.PREPARE;
    castVote(Phase.PREPARE, round, hash, null);
  }

  private void precommit(ByteString hash) {
    step = Phase.PRECOMMIT;
    castVote(Phase.PRECOMMIT, round, hash, null);
  }

  /**
   * Signs (if this node is a member and its signer agrees), counts and broadcasts its own vote; a
   * precommit for a block takes {@code lock}.
   */
  private void castVote(Phase phase, int r, ByteString hash, Signer.Lock lock) {
    ValidatorSet.Member self = set.member(me);
    if (self == null) {
      return;
    }
    Vote unsigned =
        Vote.newBuilder()
            .setChainId(config.chainId())
            .setType(phase.voteType())
            .setHeight(height)
            .setRound(r)
            .setBlockHash(hash)
            .setValidator(me)
            .build();
    Optional<ByteString> signature =
        signer.sign(
            new SignedStep(height, r, phase.signed(), hash), CanonicalBytes.vote(unsigned), lock);
    if (signature.isEmpty()) {
      return;
    }
    Vote vote = unsigned.toBuilder().setSignature(signature.get()).build();
    RoundState rs = roundState(r);
    rs.sent(phase, vote);
    out.add(new Effect.BroadcastVote(vote));
    if (rs.tally(phase).add(vote, self.weight()) == VoteTally.Added.NEW) {
      rs.heardFrom(self);
    }
  }

  private void finalizeBlock(
      Block block, ByteString hash, FinalityCertificate cert, ValidatorSet nextSet) {
    out.add(new Effect.Finalize(block, cert));
    tip =
        new ChainTip(
            height,
            hash,
            block.getHeader().getTimestampMs(),
            cert,
            set,
            nextSet.atHeight(height + 1));
    enterHeight();
  }

  // ---------------------------------------------------------------- restarts (docs/protocol.md
  // 5.6)

  /**
   * Takes up the lock the signer record kept: its block, its proof counted, and the block valid
   * again.
   */
  private void restoreLock(Signer.Lock lock) {
    Block block = lock.proposal().getBlock();
    ByteString hash = Hashes.block(block.getHeader());
    lockedRound = lock.round();
    lockedHash = hash;
    Judged judged = judge(block, hash, true); // the first block of the height: it fits
    RoundState locked = roundState(lock.round());
    if (locked.proposal == null) {
      locked.proposal = bodyless(lock.proposal());
      locked.proposalBlockHash = hash;
    }
    for (Vote v : lock.proof()) {
      if (votes.validate(v, set) == null) {
        count(locked, v, set.member(v.getValidator()));
      }
    }
    if (judged.valid() && locked.prepares.hasQuorumFor(hash)) {
      makeValid(judged.block(), hash, lock.round());
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
      Phase phase = Phase.of(s.kind());
      castVote(phase, s.round(), s.blockHash(), null);
      if (s.round() == round) {
        step = phase;
      }
    }
  }

  // ---------------------------------------------------------------- messages (docs/protocol.md
  // 5.4)

  /** A vote: its checks in the order of 5.4, then it is counted and the rules run. */
  private Verdict onVote(Vote vote, Event event) {
    Refusal form = MessageChecks.vote(vote, config.chainId());
    if (form != null) {
      return Verdict.refused(form);
    }
    if (vote.getHeight() == height - 1 && vote.getType() == VoteType.VOTE_TYPE_PRECOMMIT) {
      return latePrecommits.offer(vote);
    }
    Verdict place = placeInTime(vote.getHeight(), vote.getRound(), config.maxRoundsAhead(), event);
    if (place != null) {
      return place;
    }
    Refusal stranger = votes.member(vote, set);
    if (stranger != null) {
      return Verdict.refused(stranger);
    }
    ValidatorSet.Member member = set.member(vote.getValidator());
    RoundState rs = roundState(vote.getRound());
    if (rs.tally(Phase.of(vote.getType())).holds(vote)) {
      return Verdict.DUPLICATE; // the very same signed vote, already verified
    }
    Refusal forged = votes.signature(vote, member);
    if (forged != null) {
      return Verdict.refused(forged);
    }
    Verdict counted = count(rs, vote, member);
    if (counted.accepted()) {
      evaluate();
    }
    return counted;
  }

  /**
   * 5.4 step 8: counts a verified vote: new, a duplicate, or an equivocation (evidence; the first
   * stays counted).
   */
  private Verdict count(RoundState rs, Vote vote, ValidatorSet.Member member) {
    VoteTally tally = rs.tally(Phase.of(vote.getType()));
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
        out.add(
            new Effect.ReportEvidence(
                EquivocationEvidence.newBuilder()
                    .setValidator(vote.getValidator())
                    .setHeight(vote.getHeight())
                    .setRound(vote.getRound())
                    .setVotes(ConflictingVotes.newBuilder().setFirst(first).setSecond(vote))
                    .build()));
        return Verdict.refused(
            ErrorReason.ERROR_REASON_EQUIVOCATION,
            "second " + vote.getType() + " of one validator in one round");
      }
    }
  }

  /**
   * A proposal: its checks in the order of 5.4, then it becomes the round's proposal, its block is
   * judged and the rules run.
   */
  private Verdict onProposal(Proposal proposal, Event event) {
    Refusal form = MessageChecks.proposal(proposal, config.chainId(), config.maxMessageBytes());
    if (form != null) {
      return Verdict.refused(form);
    }
    Verdict place =
        placeInTime(proposal.getHeight(), proposal.getRound(), PROPOSAL_ROUNDS_AHEAD, event);
    if (place != null) {
      return place;
    }
    Refusal notProposer = proposals.proposer(proposal, set);
    if (notProposer != null) {
      return Verdict.refused(notProposer);
    }
    ValidatorSet.Member member = set.member(proposal.getProposer());
    RoundState rs = roundState(proposal.getRound());
    // the very signed proposal stored for the round, verified then: not verified again
    boolean stored = bodyless(proposal).equals(rs.proposal);
    if (stored && blocks.holds(rs.proposalBlockHash)) {
      return Verdict.DUPLICATE;
    }
    ByteString hash =
        stored
            ? rs.proposalBlockHash
            : Hashes.block(proposal.getBlock().getHeader()); // MessageChecks sized its fields
    if (!stored) {
      Refusal forged = proposals.signature(proposal, member);
      if (forged != null) {
        return Verdict.refused(forged);
      }
    }
    if (rs.proposal != null) {
      return rs.proposalBlockHash.equals(hash)
              && rs.proposal.getValidRound() == proposal.getValidRound()
          ? onProposalCopy(proposal, hash)
          : onSecondProposal(rs, proposal, hash);
    }
    int vr = proposal.getValidRound();
    Refusal unjustified =
        proposals.justified(
            proposal,
            hash,
            set,
            v -> {
              RoundState justifying = rounds.get(vr);
              return justifying != null && justifying.prepares.holds(v);
            });
    if (unjustified != null) {
      return Verdict.refused(unjustified);
    }
    if (vr >= 0) {
      RoundState justifying = roundState(vr); // a re-proposal's prepares count like any prepare
      for (Vote v : proposal.getJustificationList()) {
        count(justifying, v, set.member(v.getValidator()));
      }
    }
    rs.proposal = bodyless(proposal);
    rs.proposalBlockHash = hash;
    rs.heardFrom(member);
    // Refused for its body, it waits for a genuine copy until timeout_propose: the proposer signed
    // only the header, so a refused body may be a relayer's doing, not the proposer's. Refused for
    // the byte budget, it waits for its proposer's next rebroadcast.
    Judged judged = judge(proposal.getBlock(), hash, false);
    evaluate();
    return judged.valid() ? Verdict.ACCEPTED : Verdict.refused(judged.refusal());
  }

  /**
   * Another copy of the round's signed proposal, perhaps with another body (the signature covers
   * the header only): judged, unless the block of its hash is held, its body was refused already,
   * or it is a past round's block that can no longer matter.
   */
  private Verdict onProposalCopy(Proposal proposal, ByteString hash) {
    if (blocks.holds(hash)) {
      return Verdict.DUPLICATE; // the same signed proposal, its block already judged by its hash
    }
    // Not held: only refused bodies were seen with this signed header (this copy may carry the
    // genuine one), or the block was let go for the byte budget or refused for it.
    if (proposal.getRound() < round && !stillMatters(hash)) {
      // a past round's block, sent again by its proposer's rebroadcast: it can no longer be
      // decided or re-proposed, so it is neither judged nor held again
      return Verdict.IGNORED;
    }
    if (blocks.bodyRefused(proposal.getBlock())) {
      return Verdict.DUPLICATE; // a body already refused
    }
    Judged judged = judge(proposal.getBlock(), hash, false);
    if (!judged.valid()) {
      return Verdict.refused(judged.refusal());
    }
    evaluate();
    return Verdict.ACCEPTED;
  }

  /**
   * 5.4 step 8, a second proposal of the round: evidence; its block is judged still (within a
   * bound), since it may gather a quorum.
   */
  private Verdict onSecondProposal(RoundState rs, Proposal proposal, ByteString hash) {
    out.add(
        new Effect.ReportEvidence(
            EquivocationEvidence.newBuilder()
                .setValidator(proposal.getProposer())
                .setHeight(height)
                .setRound(proposal.getRound())
                .setProposals(
                    ConflictingProposals.newBuilder()
                        .setFirst(headerOnly(rs.proposal))
                        .setSecond(headerOnly(proposal)))
                .build()));
    Judged judged = blocks.judgeConflicting(proposal.getBlock(), hash, precommitQuorumFor(hash));
    if (judged != null && judged.valid()) {
      evaluate(); // and finalized, if a quorum precommitted it
    }
    return Verdict.refused(
        ErrorReason.ERROR_REASON_EQUIVOCATION, "second proposal of round " + proposal.getRound());
  }

  /**
   * 5.4 step 4: null for a message of this height within {@code roundsAhead} rounds of the current
   * one; otherwise late, buffered or refused.
   */
  private Verdict placeInTime(long msgHeight, int msgRound, int roundsAhead, Event event) {
    if (msgHeight == height - 1) {
      return Verdict.LATE; // a late vote for the height just finalized: normal, not a fault
    }
    if (msgHeight < height) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE, "height " + msgHeight + " is final here");
    }
    if (msgHeight > height) {
      return future.offer(height, set, msgHeight, msgRound, event);
    }
    if (msgRound > round + (long) roundsAhead) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE,
          "round " + msgRound + " is more than " + roundsAhead + " ahead of round " + round);
    }
    return null;
  }

  // ---------------------------------------------------------------- timers and catch-up

  private Verdict onTimeout(Timeout t) {
    if (t.height() != height) {
      return Verdict.IGNORED;
    }
    switch (t.kind()) {
      case PROPOSE_AT -> onSlotOpen(t.round());
      case PROPOSE -> onTimeoutPropose(t.round());
      case PREPARE -> onTimeoutPrepare(t.round());
      case PRECOMMIT -> onTimeoutPrecommit(t.round());
      case REBROADCAST -> onRebroadcast();
      default -> throw new IllegalStateException("unknown timeout " + t);
    }
    evaluate();
    return Verdict.ACCEPTED;
  }

  /**
   * A locked validator relays the proposal it locked on and the prepares that justified the lock,
   * so that every validator can make that block its valid block and re-propose it. Otherwise, when
   * the proof rests on votes only this validator holds, nobody else can unlock it.
   */
  private void relayLockProof() {
    RoundState rs = lockedRound >= 0 ? rounds.get(lockedRound) : null;
    if (rs == null || rs.proposal == null || !lockedHash.equals(rs.proposalBlockHash)) {
      return;
    }
    Judged locked = blocks.valid(lockedHash);
    if (rs.ownProposal == null && locked != null) {
      out.add(new Effect.BroadcastProposal(withBlock(rs.proposal, locked.block())));
    }
    for (Vote v : rs.prepares.votesFor(lockedHash)) {
      if (!v.getValidator().equals(me)) {
        out.add(new Effect.BroadcastVote(v));
      }
    }
  }

  /** Sends this validator's own messages of a round again: peers may have lost them. */
  private void resendOwn(RoundState rs) {
    Judged own = rs.ownProposal == null ? null : blocks.valid(rs.proposalBlockHash);
    if (own != null) { // a past round's block let go for the budget is not sent again
      out.add(new Effect.BroadcastProposal(withBlock(rs.ownProposal, own.block())));
    }
    if (rs.ownPrepare != null) {
      out.add(new Effect.BroadcastVote(rs.ownPrepare));
    }
    if (rs.ownPrecommit != null) {
      out.add(new Effect.BroadcastVote(rs.ownPrecommit));
    }
  }

  /**
   * Catch-up: a block and its certificate from a peer, finalized when it is the next height and
   * checks out.
   */
  private Verdict onBlockSynced(Block block, FinalityCertificate cert) {
    long h = block.getHeader().getHeight();
    if (h < height) {
      return Verdict.DUPLICATE;
    }
    if (h > height) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE,
          "synced block " + h + " while at " + height);
    }
    Refusal uncertified = syncedBlocks.validate(block, cert, set);
    if (uncertified != null) {
      return Verdict.refused(uncertified);
    }
    ByteString hash = cert.getBlockHash(); // the block's, as checked
    Judged judged = judge(block, hash, true); // certified: finalized at once, then let go
    if (!judged.valid()) {
      return Verdict.refused(judged.refusal());
    }
    finalizeBlock(judged.block(), hash, cert, judged.nextSet());
    evaluate();
    return Verdict.ACCEPTED;
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The verdict on a block of this height (see {@link HeldBlocks#judge}): one a quorum precommitted
   * is always taken in.
   */
  private Judged judge(Block block, ByteString hash, boolean mustHold) {
    return blocks.judge(block, hash, mustHold || precommitQuorumFor(hash));
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
      if ((e.getKey() >= round && hash.equals(rs.proposalBlockHash))
          || set.exceedsOneThird(rs.precommits.weightFor(hash))
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

  /**
   * The signed proposal with the body in hand for its block (its signature covers the header only).
   */
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
    return p.getBlock().hasBody()
        ? p.toBuilder().setBlock(Block.newBuilder().setHeader(p.getBlock().getHeader())).build()
        : p;
  }

  private static Proposal headerOnly(Proposal p) {
    return p.toBuilder()
        .setBlock(Block.newBuilder().setHeader(p.getBlock().getHeader()))
        .clearJustification()
        .build();
  }

  // ---------------------------------------------------------------- for hosts, logs and tests

  /**
   * The certificate of the tip as the next block carries it: the one that finalized the tip, with
   * every valid precommit heard since, sorted by key (docs/protocol.md 5.7). Null at height 1.
   */
  public FinalityCertificate lastCertificate() {
    return latePrecommits.certificate();
  }

  /** The height being decided. */
  public long height() {
    return height;
  }

  public int round() {
    return round;
  }

  public Phase step() {
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
    return future.messages();
  }

  public long bufferedBytes() {
    return future.bytes();
  }

  /**
   * The bytes (serialized) of the blocks held for the current height: at most maxHeldBlockBytes.
   */
  public long heldBlockBytes() {
    return blocks.bytes();
  }
}
