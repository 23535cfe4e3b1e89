package io.timecoin.node;

import io.timecoin.consensus.statemachine.Event;
import io.timecoin.node.peer.PeerConnection;
import io.timecoin.node.peer.PeerNetwork;
import io.timecoin.node.peer.SyncSource;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.Transaction;

/**
 * What the peer network hands the node: transactions to admission, proposals and votes to the
 * consensus loop, synced blocks to the sync pipeline. Admission answers peers through the network,
 * so is made after it: {@link #admitTo} gives it, once, before the peer port starts (whose threads
 * then see it).
 */
final class PeerInbound implements PeerNetwork.Inbound {
  private final ConsensusLoop loop;
  private final SyncPipeline sync;
  private final NodeMetrics metrics;
  private TransactionAdmission admission;

  PeerInbound(ConsensusLoop loop, SyncPipeline sync, NodeMetrics metrics) {
    this.loop = loop;
    this.sync = sync;
    this.metrics = metrics;
  }

  void admitTo(TransactionAdmission admission) {
    if (this.admission != null) {
      throw new IllegalStateException("the peers' transactions already go to an admission");
    }
    this.admission = admission;
  }

  @Override
  public void transaction(Transaction tx, PeerConnection from) {
    admission.submit(tx, from);
  }

  @Override
  public void message(PeerMessage m, PeerConnection from) {
    Event e =
        m.hasProposal()
            ? new Event.ProposalReceived(m.getProposal())
            : m.hasVote() ? new Event.VoteReceived(m.getVote()) : null;
    if (e != null && !loop.submit(e, new PeerFeedback.Source(m, from))) {
      metrics.consensusQueueDropped.increment();
    }
  }

  @Override
  public void synced(Block block, FinalityCertificate certificate, SyncSource source) {
    sync.offer(block, certificate, source);
  }
}
