package io.timecoin.node;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.statemachine.ConsensusEngine;
import io.timecoin.consensus.statemachine.Effect;
import io.timecoin.consensus.statemachine.Event;
import io.timecoin.consensus.statemachine.Outcome;
import io.timecoin.consensus.statemachine.Verdict;
import io.timecoin.ledger.BlockExecution;
import io.timecoin.ledger.Ledger;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.ErrorReasons;
import io.timecoin.protocol.Units;
import io.timecoin.protocol.ValidatorSet;
import io.timecoin.storage.ChainStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The consensus thread's side of the node: carries out the engine's effects (broadcast, store a
 * final block, report evidence), tells the peer layer what each verdict means, counts, and
 * publishes a {@link NodeStatus} after each event, which every other thread reads instead of the
 * engine.
 */
final class ConsensusHost implements ConsensusLoop.Host {
  private static final Logger LOG = Logger.getLogger(ConsensusHost.class.getName());

  /** The peer traffic figures of the status (PeerNetwork's counters, thread-safe). */
  record Traffic(LongSupplier messages, LongSupplier bytes) {}

  /**
   * The loop's host before there is a ConsensusHost (it needs the peer network, which needs the
   * loop): {@link #to} gives it, once, before the loop starts (whose thread then sees it).
   */
  static final class Deferred implements ConsensusLoop.Host {
    private ConsensusHost host;

    void to(ConsensusHost host) {
      if (this.host != null) {
        throw new IllegalStateException("the consensus loop already has its host");
      }
      this.host = host;
    }

    @Override
    public void handled(ConsensusLoop.Input input, Outcome outcome) {
      host.handled(input, outcome);
    }
  }

  private final String name;
  private final ByteString nodeKey;
  private final ConsensusEngine engine;
  private final ChainStore chain;
  private final Ledger ledger;
  private final FinalizedFeed feed;
  private final EvidenceKeeper evidence;
  private final SyncPipeline sync;
  private final PeerFeedback peers;
  private final Traffic traffic;
  private final NodeMetrics metrics;
  private final List<Consumer<NodeStatus>> listeners = new CopyOnWriteArrayList<>();

  /**
   * The keys of the validator set of the height being decided, for the network threads: replaced
   * when a block is final.
   */
  private volatile Set<ByteString> validatorKeys;

  private volatile NodeStatus status;
  // consensus thread only
  private long lastFinalizedAtNanos = System.nanoTime();
  private long proposalSeenAtNanos;
  private long lastLatencyNanos;
  private Block tipBlock;
  private ByteString tipHash;
  private FinalityCertificate tipCertificate;

  ConsensusHost(
      String name,
      ByteString nodeKey,
      ConsensusEngine engine,
      ChainStore chain,
      Ledger ledger,
      FinalizedFeed feed,
      EvidenceKeeper evidence,
      SyncPipeline sync,
      PeerFeedback peers,
      Traffic traffic,
      NodeMetrics metrics)
      throws IOException {
    this.name = name;
    this.nodeKey = nodeKey;
    this.engine = engine;
    this.chain = chain;
    this.ledger = ledger;
    this.feed = feed;
    this.evidence = evidence;
    this.sync = sync;
    this.peers = peers;
    this.traffic = traffic;
    this.metrics = metrics;
    long tip = chain.tipHeight();
    this.tipBlock = chain.blockAt(tip).orElseThrow();
    this.tipHash = Hashes.block(tipBlock.getHeader());
    this.tipCertificate = tip == 0 ? null : chain.certificateAt(tip).orElseThrow();
    this.validatorKeys = keys(ledger.validatorSetAt(tip + 1));
    publish(); // before the loop starts: what the node is on opening
  }

  /** The latest snapshot (any thread). */
  NodeStatus status() {
    return status;
  }

  /** {@code listener} is told of each new snapshot, on the consensus thread: keep it short. */
  void onStatus(Consumer<NodeStatus> listener) {
    listeners.add(listener);
  }

  /** Whether {@code key} is a validator of the height being decided (from any thread). */
  boolean isValidatorKey(ByteString key) {
    return validatorKeys.contains(key);
  }

  /**
   * On the consensus thread: carry out the effects, then relay, penalize and count; then publish.
   */
  @Override
  public void handled(ConsensusLoop.Input input, Outcome outcome) {
    boolean synced = input.event() instanceof Event.BlockSynced;
    for (Effect e : outcome.effects()) {
      apply(e, synced);
    }
    Verdict v = outcome.verdict();
    String label =
        v.reason() == null
            ? v.kind().name().toLowerCase()
            : ErrorReasons.code(v.reason()).toLowerCase();
    String kind = input.event().getClass().getSimpleName();
    metrics.messages(kind, label).increment();
    if (input.source() instanceof PeerFeedback.Source s) {
      peers.message(s, v, kind, engine);
      if (v.accepted() && s.message().hasProposal()) {
        proposalSeen();
      }
    } else if (input.source() instanceof SyncPipeline.Ticket ticket) {
      long height = ((Event.BlockSynced) input.event()).block().getHeader().getHeight();
      if (v.kind() == Verdict.Kind.REFUSED) {
        peers.syncedBlockRefused(ticket.source(), height, v);
      }
      // caught-up blocks are written without fsync: made durable in bulk, when the stream pauses
      // and every 1,000 blocks (a power cut could only make the node fetch them again)
      if ((sync.done(ticket, v.accepted() ? height : -1) || height % 1_000 == 0) && v.accepted()) {
        try {
          chain.sync();
        } catch (IOException ex) {
          throw new UncheckedIOException(ex);
        }
      }
    }
    publish();
  }

  /** The first proposal of the height starts the finalization clock. */
  private void proposalSeen() {
    if (proposalSeenAtNanos == 0) {
      proposalSeenAtNanos = System.nanoTime();
    }
  }

  private void apply(Effect e, boolean synced) {
    if (e instanceof Effect.BroadcastProposal p) {
      proposalSeen();
      LOG.info(
          () ->
              name
                  + " proposing height "
                  + p.proposal().getHeight()
                  + " round "
                  + p.proposal().getRound());
      peers.broadcast(PeerMessage.newBuilder().setProposal(p.proposal()).build());
    } else if (e instanceof Effect.BroadcastVote v) {
      peers.broadcast(PeerMessage.newBuilder().setVote(v.vote()).build());
    } else if (e instanceof Effect.Finalize f) {
      finalized(f.block(), f.certificate(), synced);
    } else if (e instanceof Effect.QuorumReached q) {
      LOG.fine(
          () ->
              name
                  + " quorum of "
                  + (q.type() == VoteType.VOTE_TYPE_PREPARE ? "prepares" : "precommits")
                  + " at height "
                  + q.height()
                  + " round "
                  + q.round()
                  + (q.blockHash().equals(Hashes.NIL) ? " for nil" : ""));
    } else if (e instanceof Effect.RoundStarted r && r.round() > 0) {
      LOG.info(
          () ->
              name
                  + " height "
                  + r.height()
                  + " moves to round "
                  + r.round()
                  + ", proposer "
                  + Logs.shortKey(r.proposer()));
    } else if (e instanceof Effect.ReportEvidence ev) {
      evidence.report(ev.evidence());
    }
  }

  /** {@code synced}: caught up from a peer, so written without fsync (see handled). */
  private void finalized(Block block, FinalityCertificate cert, boolean synced) {
    BlockExecution execution = ledger.execution(block);
    try {
      chain.putFinalized(
          block, cert, execution.changes(), !synced); // stored before anything is announced
    } catch (IOException ex) {
      throw new UncheckedIOException(
          "cannot persist finalized block " + block.getHeader().getHeight(), ex);
    }
    ledger.stored(execution);
    validatorKeys = keys(ledger.validatorSetAt(block.getHeader().getHeight() + 1));
    feed.published(block, cert, execution.changes().reward());
    long now = System.nanoTime();
    long sinceNanos = now - (proposalSeenAtNanos != 0 ? proposalSeenAtNanos : lastFinalizedAtNanos);
    long since = sinceNanos / 1_000_000;
    metrics.finalization.record(sinceNanos, TimeUnit.NANOSECONDS);
    lastFinalizedAtNanos = now;
    proposalSeenAtNanos = 0;
    tipBlock = block;
    tipHash = Hashes.block(block.getHeader());
    tipCertificate = cert;
    lastLatencyNanos = Math.max(1, sinceNanos);
    publish(); // each block has its snapshot, though one event may finalize several
    metrics.blocksFinalized.increment();
    metrics.transactionsFinalized.increment(block.getBody().getTransactionsCount() - 1);
    metrics.rewardsPaid.increment(execution.reward());
    LOG.log(
        synced ? Level.FINE : Level.INFO,
        () ->
            name
                + " block final: height "
                + block.getHeader().getHeight()
                + " round "
                + cert.getRound()
                + ", "
                + (block.getBody().getTransactionsCount() - 1)
                + " txs, "
                + cert.getSignaturesCount()
                + " signatures, hash "
                + Logs.shortKey(tipHash)
                + ", "
                + since
                + " ms; reward "
                + Units.format(execution.reward())
                + " TIME (fees "
                + Units.format(execution.fees())
                + ") to "
                + block.getBody().getTransactions(0).getOutputsCount()
                + " masternodes");
    if (execution.changes().nextSet() != null) {
      ValidatorSet next = execution.changes().nextSet();
      LOG.info(
          () ->
              name
                  + " the validator set changes at height "
                  + next.height()
                  + ": "
                  + next.size()
                  + " validators, total weight "
                  + next.totalWeight());
    }
  }

  private void publish() {
    NodeStatus s =
        new NodeStatus(
            tipBlock.getHeader().getHeight(),
            tipHash,
            tipBlock,
            tipCertificate,
            lastLatencyNanos,
            engine.round(),
            validatorKeys.contains(nodeKey),
            traffic.messages().getAsLong(),
            traffic.bytes().getAsLong());
    status = s;
    for (Consumer<NodeStatus> l : listeners) {
      l.accept(s);
    }
  }

  private static Set<ByteString> keys(ValidatorSet set) {
    return set.members().stream()
        .map(ValidatorSet.Member::keyBytes)
        .collect(java.util.stream.Collectors.toUnmodifiableSet());
  }
}
