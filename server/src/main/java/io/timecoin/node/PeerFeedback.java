package io.timecoin.node;

import io.timecoin.consensus.statemachine.ConsensusEngine;
import io.timecoin.consensus.statemachine.Verdict;
import io.timecoin.ledger.TransactionRules;
import io.timecoin.node.peer.PeerConnection;
import io.timecoin.node.peer.PeerNetwork;
import io.timecoin.node.peer.SyncSource;
import io.timecoin.node.peer.VerifiedHeights;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.Transaction;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;

/**
 * What a verdict tells the peer layer: an accepted message is relayed, one no honest peer sends is
 * penalized, a verified height says whom to catch up from, a refused synced block or transaction
 * counts against its source. Only PeerNetwork's public methods.
 */
final class PeerFeedback {
  private static final Logger LOG = Logger.getLogger(PeerFeedback.class.getName());

  /**
   * Refusals that only a faulty or malicious peer causes (a late or duplicate message is not one).
   */
  private static final Set<ErrorReason> PEER_FAULTS =
      Set.of(
          ErrorReason.ERROR_REASON_MALFORMED,
          ErrorReason.ERROR_REASON_TOO_LARGE,
          ErrorReason.ERROR_REASON_WRONG_CHAIN,
          ErrorReason.ERROR_REASON_BAD_SIGNATURE,
          ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR,
          ErrorReason.ERROR_REASON_WRONG_PROPOSER);

  /**
   * Where a network message came from: relayed onward when accepted, counted against the peer when
   * not.
   */
  record Source(PeerMessage message, PeerConnection peer) {}

  private final String name;
  private final String chainId;
  private final PeerNetwork network;
  private final SignatureCache signatures;

  PeerFeedback(String name, String chainId, PeerNetwork network, SignatureCache signatures) {
    this.name = name;
    this.chainId = chainId;
    this.network = network;
    this.signatures = signatures;
  }

  /**
   * On the consensus thread: the engine's verdict on a message from {@code s}, {@code kind} its
   * event's name.
   */
  void message(Source s, Verdict v, String kind, ConsensusEngine engine) {
    PeerMessage m = s.message();
    long height = m.hasVote() ? m.getVote().getHeight() : m.getProposal().getHeight();
    if (v.accepted()) {
      network.relay(m, s.peer());
      if (m.hasProposal()) {
        LOG.info(
            () ->
                name
                    + " proposal received: height "
                    + height
                    + " round "
                    + m.getProposal().getRound()
                    + " from "
                    + Logs.shortKey(m.getProposal().getProposer()));
      } else {
        LOG.finer(
            () ->
                name
                    + " vote "
                    + m.getVote().getType()
                    + " h"
                    + height
                    + " r"
                    + m.getVote().getRound()
                    + " from "
                    + Logs.shortKey(m.getVote().getValidator()));
      }
    } else if (v.kind() == Verdict.Kind.REFUSED) {
      LOG.fine(() -> name + " refused a " + kind + " from " + s.peer() + ": " + v);
      if (PEER_FAULTS.contains(v.reason())) {
        network.penalize(s.peer(), v.reason(), v.toString());
      }
    }
    // whom to catch up from: only heights that a verified message proves
    // (a buffered message's signature was checked against a member's key before it was buffered)
    if (v.accepted() || v.kind() == Verdict.Kind.BUFFERED || verifiedAhead(s, v, engine)) {
      network.heard(s.peer(), height - 1);
    }
    if (height > engine.height()) {
      network.requestSync();
    }
  }

  /**
   * A vote too far ahead for the engine, which it refused unverified, that proves its sender is
   * ahead.
   */
  private boolean verifiedAhead(Source s, Verdict v, ConsensusEngine engine) {
    if (!s.message().hasVote()
        || s.peer() == null
        || v.reason() != ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE) {
      return false;
    }
    return VerifiedHeights.provenBy(
            s.message().getVote(),
            chainId,
            engine.height(),
            s.peer().verifiedHeight(),
            engine.validatorSet(),
            signatures)
        >= 0;
  }

  /** A block synced from {@code source} that the engine refused. */
  void syncedBlockRefused(SyncSource source, long height, Verdict v) {
    LOG.warning(name + " a synced block was refused: " + v);
    network.syncedBlockRefused(source, height, v.toString());
  }

  /**
   * A transaction's verdict, {@code from} the peer that relayed it (null: a client). A peer may
   * relay a transaction that a block just made invalid; only what no honest node could have
   * admitted a moment before counts against it.
   */
  void transaction(TransactionRules.Verdict v, PeerConnection from) {
    if (from != null && !v.valid() && TransactionRules.relayFault(v.reason())) {
      network.penalize(from, v.reason(), "transaction: " + v);
    }
  }

  /**
   * Admitted transactions, by the peer each came from (null: clients): relayed to every other peer.
   */
  void admitted(Map<PeerConnection, List<Transaction>> bySource) {
    bySource.forEach((from, txs) -> network.relayTransactions(txs, from));
  }

  void broadcast(PeerMessage message) {
    network.broadcast(message);
  }
}
