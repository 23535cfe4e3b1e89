package io.timecoin.node.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Hello;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionBatch;
import io.timecoin.proto.v1.Vote;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What gossip hands the node and sends to whom, without sockets: each message once, never back to
 * its sender.
 */
class GossipTest {
  private final List<PeerMessage> handed = new CopyOnWriteArrayList<>();
  private final List<Transaction> handedTxs = new CopyOnWriteArrayList<>();
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final List<PeerConnection> connected = new CopyOnWriteArrayList<>();
  private final Gossip gossip =
      new Gossip(
          () -> connected,
          new PeerNetwork.Inbound() {
            @Override
            public void message(PeerMessage message, PeerConnection from) {
              handed.add(message);
            }

            @Override
            public void transaction(Transaction tx, PeerConnection from) {
              handedTxs.add(tx);
            }

            @Override
            public void synced(Block block, FinalityCertificate certificate, SyncSource source) {
              throw new AssertionError("gossip hands on no synced block");
            }
          },
          new Penalties(metrics),
          8 << 10);

  private List<FakePeer> peers(int n) {
    List<FakePeer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      FakePeer p = new FakePeer(PeerConnection.Direction.INBOUND, FakePeer.key(0x20, i), null);
      connected.add(p.conn);
      out.add(p);
    }
    return out;
  }

  private static PeerMessage vote(ByteString validator, long height) {
    return PeerMessage.newBuilder()
        .setVote(Vote.newBuilder().setValidator(validator).setHeight(height))
        .build();
  }

  private static Transaction tx(int i) {
    return Transaction.newBuilder().setVersion(i).build();
  }

  private double penalties(String reason) {
    var c = metrics.find("timed_peer_penalties_total").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void aMessageReachesTheNodeOnceAndIsRelayedToAFewPeersOnceEachNeverToItsSenderNorItsAuthor() {
    List<FakePeer> peers = peers(8);
    FakePeer sender = peers.get(0);
    FakePeer author = peers.get(1);
    for (int h = 1; h <= 100; h++) {
      PeerMessage m = vote(author.key, h);
      gossip.received(sender.conn, m);
      gossip.received(peers.get(2).conn, m); // the same vote from others, and again from the sender
      gossip.received(sender.conn, m);
      assertEquals(h, handed.size(), "handed to the node once");
      gossip.relay(m, sender.conn); // what the node does with a vote it accepted
      long reached = 0;
      for (FakePeer p : peers) {
        assertTrue(p.got(m) <= 1, "at most once per peer");
        reached += p.got(m);
      }
      assertEquals(Gossip.RELAY_FANOUT, reached);
      assertEquals(0, sender.got(m), "never back to its sender");
      assertEquals(0, author.got(m), "nor to its author");
    }
    assertEquals(0, penalties("malformed"));
  }

  @Test
  void withFewPeersARelayGoesToAllButTheSenderAndTheAuthor() {
    List<FakePeer> peers = peers(3);
    PeerMessage m = vote(peers.get(1).key, 1);
    gossip.received(peers.get(0).conn, m);
    gossip.relay(m, peers.get(0).conn);
    assertEquals(List.of(0L, 0L, 1L), peers.stream().map(p -> p.got(m)).toList());
  }

  @Test
  void theNodesOwnMessageGoesToEveryPeerOnceAndIsNotHandedBackWhenEchoed() {
    List<FakePeer> peers = peers(6);
    PeerMessage own = vote(FakePeer.key(0x80, 0), 7);
    gossip.broadcast(own);
    for (FakePeer p : peers) {
      assertEquals(1, p.got(own));
    }
    gossip.received(peers.get(3).conn, own);
    assertEquals(List.of(), handed, "its own message echoed by a peer is not handled again");
  }

  @Test
  void transactionsAreHandedOnceAloneOrBatchedAndRelayedInOneBatch() {
    List<FakePeer> peers = peers(3);
    FakePeer from = peers.get(0);
    gossip.received(
        from.conn,
        PeerMessage.newBuilder()
            .setTransactions(
                TransactionBatch.newBuilder().addTransactions(tx(1)).addTransactions(tx(2)))
            .build());
    gossip.received(
        peers.get(1).conn,
        PeerMessage.newBuilder().setTransaction(tx(2)).build()); // seen in the batch
    assertEquals(List.of(tx(1), tx(2)), handedTxs);

    gossip.relayTransactions(List.of(tx(1), tx(2), tx(3)), from.conn);
    assertEquals(0, from.sent.size(), "not back to the peer they came from");
    for (FakePeer p : peers.subList(1, 3)) {
      assertEquals(1, p.sent.size(), "one message for all three");
      assertEquals(
          List.of(tx(1), tx(2), tx(3)), p.sent.get(0).getTransactions().getTransactionsList());
    }
    gossip.received(peers.get(2).conn, PeerMessage.newBuilder().setTransaction(tx(3)).build());
    assertEquals(2, handedTxs.size(), "a relayed transaction coming back is not checked again");
  }

  @Test
  void aHelloAfterTheHandshakeAnEmptyBatchAndNoBodyArePenalizedAndTooManyDisconnect() {
    FakePeer p = peers(1).get(0);
    gossip.received(p.conn, PeerMessage.newBuilder().setHello(Hello.getDefaultInstance()).build());
    gossip.received(
        p.conn,
        PeerMessage.newBuilder().setTransactions(TransactionBatch.getDefaultInstance()).build());
    gossip.received(p.conn, PeerMessage.getDefaultInstance());
    assertEquals(1, penalties("second_hello"));
    assertEquals(2, penalties("malformed"));
    assertEquals(List.of(), handed);
    assertNull(p.closedAs);
    for (int i = 3; i < Penalties.MAX_INVALID; i++) {
      gossip.received(p.conn, PeerMessage.getDefaultInstance());
    }
    assertEquals("penalties", p.closedAs);
  }
}
