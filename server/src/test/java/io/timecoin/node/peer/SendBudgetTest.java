package io.timecoin.node.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.Vote;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many admitted peers that never read cannot make the node hold more than one byte budget for all
 * their send queues together, and the node keeps only a few peers that are not validators.
 */
@Timeout(120)
class SendBudgetTest {
  private static final long MIB = 1L << 20;

  /**
   * Shared by every message of a test, so the test JVM holds it once; each message still counts its
   * full size.
   */
  private static final ByteString PAYLOAD = ByteString.copyFrom(new byte[(int) MIB]);

  private static PeerLimits limits(long sendBudget, int maxNonValidators) {
    PeerLimits l = PeerKit.fast();
    return new PeerLimits(
        16 * MIB,
        sendBudget,
        l.maxMessageBytes(),
        java.time.Duration.ofSeconds(5),
        l.syncProgress(),
        l.syncServeStall(),
        l.maxSyncStreams(),
        l.heightHint(),
        l.hintLife(),
        maxNonValidators);
  }

  private static PeerMessage big(int i) {
    return PeerMessage.newBuilder()
        .setVote(Vote.newBuilder().setHeight(i + 1).setBlockHash(PAYLOAD))
        .build();
  }

  private static PeerKit.RawPeer admitted(PeerKit node, boolean reads) throws Exception {
    PeerKit.RawPeer p = new PeerKit.RawPeer(Ed25519KeyPair.generate(), reads).open(node.channel());
    p.handshake();
    PeerKit.await(() -> node.listed(p.keyBytes), 2_000, "admitted");
    return p;
  }

  /** The reader gets the node's messages in order: drains up to the one of {@code height}. */
  private static void receives(PeerKit.RawPeer reader, long height) throws InterruptedException {
    while (true) {
      PeerMessage m = reader.next();
      if (m.hasVote() && m.getVote().getHeight() == height) {
        return;
      }
    }
  }

  @Test
  void fiftyPeersThatNeverReadHoldNoMoreThanTheSharedBudgetWhileTheNodeBroadcasts()
      throws Exception {
    long budget = 8 * MIB; // below one peer's bound (16 MiB): the shared budget is what stops them
    try (PeerKit node = new PeerKit(limits(budget, 1_000))) {
      List<PeerKit.RawPeer> zombies = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        zombies.add(admitted(node, false));
      }
      PeerKit.RawPeer reader = admitted(node, true);
      for (int i = 0; i < 64; i++) {
        node.network.broadcast(big(i));
        assertTrue(node.network.heldSendBytes() <= budget, "held " + node.network.heldSendBytes());
        receives(reader, i + 1);
      }
      for (PeerKit.RawPeer z : zombies) {
        assertFalse(node.listed(z.keyBytes), "a peer that does not read is dropped");
      }
      assertTrue(node.listed(reader.keyBytes), "the peer that reads is kept");
      assertEquals(50.0, node.counter("timed_peer_disconnections_total", "cannot_keep_up"));
      node.network.broadcast(
          PeerMessage.newBuilder().setVote(Vote.newBuilder().setHeight(1_000)).build());
      receives(reader, 1_000);
    }
  }

  @Test
  void distinctMessagesForManyPeersDropNonValidatorsFirstAndStayUnderTheBudget() throws Exception {
    long budget = 16 * MIB;
    try (PeerKit node = new PeerKit(limits(budget, 1_000))) {
      List<PeerKit.RawPeer> zombies = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        zombies.add(admitted(node, false));
      }
      PeerKit.RawPeer validator = admitted(node, false);
      node.validators.add(validator.keyBytes);
      PeerKit.RawPeer reader = admitted(node, true);
      // each peer gets messages of its own (as relays to a few peers at random do): no one queue is
      // over its bound, but together they would hold 200 MiB; the validator holds some too
      for (int i = 0; i < 200; i++) {
        PeerConnection to =
            node.network.peerOf(
                i % 20 == 0 ? validator.keyBytes : zombies.get(i % zombies.size()).keyBytes);
        if (to != null) {
          to.send(big(i));
        }
        assertTrue(node.network.heldSendBytes() <= budget, "held " + node.network.heldSendBytes());
        assertTrue(node.network.queuedBytes() <= budget, "queued " + node.network.queuedBytes());
      }
      assertTrue(
          node.counter("timed_peer_disconnections_total", "cannot_keep_up") > 0,
          "some were dropped");
      assertTrue(
          node.listed(validator.keyBytes),
          "the validator was kept while non-validators held bytes");
      assertTrue(node.network.peerOf(validator.keyBytes).queuedBytes() > 0);
      assertTrue(node.listed(reader.keyBytes));
      node.network.broadcast(
          PeerMessage.newBuilder().setVote(Vote.newBuilder().setHeight(1_000)).build());
      receives(reader, 1_000);
    }
  }

  @Test
  void fewNonValidatorsAreKeptAndTheOneBeyondIsRefusedAtTheHandshake() throws Exception {
    try (PeerKit node = new PeerKit(limits(48 * MIB, 3))) {
      List<PeerKit.RawPeer> kept = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        kept.add(admitted(node, true));
      }
      PeerKit.RawPeer beyond =
          new PeerKit.RawPeer(Ed25519KeyPair.generate(), true).open(node.channel());
      beyond.handshake();
      Throwable t = beyond.ended.get(5, TimeUnit.SECONDS);
      assertEquals(
          Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(t).getCode(), String.valueOf(t));
      assertTrue(String.valueOf(t).contains("not validators"), String.valueOf(t));
      assertFalse(node.listed(beyond.keyBytes));
      assertEquals(1.0, node.counter("timed_peer_disconnections_total", "too_many_peers"));

      // a validator of the current set is admitted all the same
      Ed25519KeyPair validatorKey = Ed25519KeyPair.generate();
      node.validators.add(ByteString.copyFrom(validatorKey.publicKey().bytes()));
      PeerKit.RawPeer validator = new PeerKit.RawPeer(validatorKey, true).open(node.channel());
      validator.handshake();
      PeerKit.await(() -> node.listed(validator.keyBytes), 2_000, "the validator admitted");
      assertEquals(4, node.network.peerCount());

      // one non-validator leaves: the next is admitted
      kept.get(0).out.onCompleted();
      PeerKit.await(() -> !node.listed(kept.get(0).keyBytes), 2_000, "gone");
      admitted(node, true);
      assertEquals(4, node.network.peerCount());
    }
  }
}
