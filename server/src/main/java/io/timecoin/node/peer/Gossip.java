package io.timecoin.node.peer;

import com.google.protobuf.ByteString;
import io.timecoin.crypto.Sha256;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionBatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Gossip among the admitted peers: what a peer sends reaches the node once however many peers send
 * it (the seen set); this node's own messages go to every peer, the ones it accepted to a few.
 */
final class Gossip {
  /** How many peers a relayed message goes to, at most. */
  static final int RELAY_FANOUT = 3;

  private final Supplier<Collection<PeerConnection>> peers;
  private final PeerNetwork.Inbound inbound;
  private final Penalties penalties;
  private final int maxMessageBytes;
  private final SeenMessages seen = new SeenMessages(100_000);

  Gossip(
      Supplier<Collection<PeerConnection>> peers,
      PeerNetwork.Inbound inbound,
      Penalties penalties,
      int maxMessageBytes) {
    this.peers = peers;
    this.inbound = inbound;
    this.penalties = penalties;
    this.maxMessageBytes = maxMessageBytes;
  }

  /**
   * A message from an admitted peer: handed to the node if it is seen for the first time; one
   * without a body is penalized.
   */
  void received(PeerConnection conn, PeerMessage message) {
    if (message.hasHello()) {
      penalties.penalize(conn, "second_hello", "a hello after the handshake");
      return;
    }
    if (message.hasTransactions()) {
      List<Transaction> txs = message.getTransactions().getTransactionsList();
      if (txs.isEmpty()) {
        penalties.penalize(conn, "malformed", "an empty transaction batch");
      }
      for (Transaction tx : txs) {
        if (seen.firstTime(seenKey(tx))) {
          inbound.transaction(tx, conn);
        }
      }
      return;
    }
    if (message.getBodyCase() == PeerMessage.BodyCase.BODY_NOT_SET) {
      penalties.penalize(conn, "malformed", "a peer message with no body");
      return;
    }
    if (!seen.firstTime(seenKey(message))) {
      return; // already handled and relayed
    }
    if (message.hasTransaction()) {
      inbound.transaction(message.getTransaction(), conn);
    } else {
      inbound.message(message, conn);
    }
  }

  /** Sends this node's own message to every peer. */
  void broadcast(PeerMessage message) {
    seen.firstTime(seenKey(message));
    for (PeerConnection p : peers.get()) {
      p.send(message);
    }
  }

  /**
   * Passes on a message the consensus core accepted to a few peers, chosen at random among those
   * other than the one it came from and its author. Validators are a full mesh and every author
   * sends its own messages to every peer, so relaying serves only links that are down and nodes
   * that are not dialed by everyone; relaying to every peer made the traffic grow with the cube of
   * the validators (970,851 messages per block with 64), a fanout of a few keeps it near the square
   * while a message still spreads through the network in a few hops.
   */
  void relay(PeerMessage message, PeerConnection from) {
    seen.firstTime(seenKey(message));
    ByteString author =
        message.hasVote()
            ? message.getVote().getValidator()
            : message.hasProposal() ? message.getProposal().getProposer() : null;
    for (PeerConnection p : relayTargets(from, author)) {
      p.send(message);
    }
  }

  /**
   * Relays transactions that were admitted together, all from {@code from} (null: from clients), in
   * as few messages as the size limit allows: per message a peer link costs the same for one
   * transaction as for hundreds. Each is marked seen, so a peer relaying it back is not checked
   * again.
   */
  void relayTransactions(List<Transaction> txs, PeerConnection from) {
    List<PeerConnection> targets = relayTargets(from, null);
    TransactionBatch.Builder batch = TransactionBatch.newBuilder();
    long bytes = 0;
    for (Transaction tx : txs) {
      seen.firstTime(seenKey(tx));
      int size = tx.getSerializedSize();
      if (batch.getTransactionsCount() > 0 && bytes + size > maxMessageBytes / 2) {
        sendBatch(batch, targets);
        batch = TransactionBatch.newBuilder();
        bytes = 0;
      }
      batch.addTransactions(tx);
      bytes += size + 8; // the field's tag and length
    }
    if (batch.getTransactionsCount() > 0) {
      sendBatch(batch, targets);
    }
  }

  private static void sendBatch(TransactionBatch.Builder batch, List<PeerConnection> targets) {
    PeerMessage m =
        batch.getTransactionsCount() == 1
            ? PeerMessage.newBuilder().setTransaction(batch.getTransactions(0)).build()
            : PeerMessage.newBuilder().setTransactions(batch).build();
    for (PeerConnection p : targets) {
      p.send(m);
    }
  }

  /**
   * Up to RELAY_FANOUT peers at random, other than {@code from} and the message's {@code author}.
   */
  private List<PeerConnection> relayTargets(PeerConnection from, ByteString author) {
    List<PeerConnection> candidates = new ArrayList<>();
    for (PeerConnection p : peers.get()) {
      if (p != from && (author == null || !author.equals(p.remoteKey))) {
        candidates.add(p);
      }
    }
    if (candidates.size() > RELAY_FANOUT) {
      Collections.shuffle(candidates, ThreadLocalRandom.current());
      return candidates.subList(0, RELAY_FANOUT);
    }
    return candidates;
  }

  /**
   * What the seen set knows a message by: a transaction by its bytes, however it came (alone or in
   * a batch).
   */
  static ByteString seenKey(PeerMessage m) {
    return m.hasTransaction()
        ? seenKey(m.getTransaction())
        : ByteString.copyFrom(Sha256.hash(m.toByteArray()));
  }

  static ByteString seenKey(Transaction tx) {
    return ByteString.copyFrom(Sha256.hash(tx.toByteArray()));
  }
}
