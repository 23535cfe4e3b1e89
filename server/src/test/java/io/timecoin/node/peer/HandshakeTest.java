package io.timecoin.node.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.Hello;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.Vote;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class HandshakeTest {

  @Test
  void twoNodesDialEachOtherAndBothAreAdmitted() throws Exception {
    try (PeerKit a = new PeerKit(PeerKit.fast());
        PeerKit b = new PeerKit(PeerKit.fast())) {
      a.network.dial(List.of("127.0.0.1:" + b.port));
      ByteString aKey = ByteString.copyFrom(a.key.publicKey().bytes());
      ByteString bKey = ByteString.copyFrom(b.key.publicKey().bytes());
      PeerKit.await(() -> a.listed(bKey) && b.listed(aKey), 5_000, "both admitted");
      // admitted: messages flow both ways
      PeerMessage m = PeerMessage.newBuilder().setVote(Vote.newBuilder().setHeight(7)).build();
      a.network.broadcast(m);
      assertEquals(m, b.messages.poll(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void theServerSpeaksOnlyAfterTheDialersHelloAndAdmitsOnlyOnTheHelloThatAnswersItsNonce()
      throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast())) {
      PeerKit.RawPeer peer =
          new PeerKit.RawPeer(Ed25519KeyPair.generate(), true).open(node.channel());
      Thread.sleep(100);
      assertTrue(peer.received.isEmpty(), "the dialed side sends nothing first");
      Handshake.Dialer d = peer.handshake.dialer();
      Hello d1 = d.first();
      peer.send(d1);
      Hello s = peer.next().getHello();
      assertEquals(d1.getNonce(), s.getPeerNonce(), "S answers the dialer's nonce");
      assertFalse(node.listed(peer.keyBytes), "not admitted on D1 alone");
      peer.send(d.next(s).reply());
      PeerKit.await(() -> node.listed(peer.keyBytes), 2_000, "admitted on D2");
    }
  }

  @Test
  void aReplayedHelloIsRefusedAndLeavesNoPeer() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast())) {
      Ed25519KeyPair victim = Ed25519KeyPair.generate();
      // a genuine session, recorded by someone on the path
      PeerKit.RawPeer genuine = new PeerKit.RawPeer(victim, true).open(node.channel());
      List<Hello> recorded = genuine.handshake();
      PeerKit.await(() -> node.listed(genuine.keyBytes), 2_000, "the genuine peer admitted");
      genuine.out.cancel("gone", null);
      PeerKit.await(() -> !node.listed(genuine.keyBytes), 2_000, "the genuine peer gone");

      // the recorder replays both hellos, without the key
      PeerKit.RawPeer replay =
          new PeerKit.RawPeer(Ed25519KeyPair.generate(), true).open(node.channel());
      replay.send(recorded.get(0));
      Hello s = replay.next().getHello(); // a fresh nonce, which the recorded D2 does not answer
      assertFalse(s.getNonce().equals(recorded.get(1).getPeerNonce()));
      replay.send(recorded.get(1));
      Throwable t = replay.ended.get(5, TimeUnit.SECONDS);
      assertEquals(
          Status.Code.UNAUTHENTICATED, Status.fromThrowable(t).getCode(), String.valueOf(t));
      assertFalse(
          node.listed(genuine.keyBytes), "the replayer is not admitted under the victim's key");
      assertEquals(1.0, node.counter("timed_peer_disconnections_total", "refused_hello"));
    }
  }

  @Test
  void aDialerRefusesAnAnswerThatDoesNotAnswerItsNonce() {
    Ed25519KeyPair dialerKey = Ed25519KeyPair.generate();
    Ed25519KeyPair serverKey = Ed25519KeyPair.generate();
    Handshake dialerSide = new Handshake(PeerKit.CHAIN, PeerKit.GENESIS, dialerKey, () -> 0);
    Handshake serverSide = new Handshake(PeerKit.CHAIN, PeerKit.GENESIS, serverKey, () -> 0);
    // a recorded S, answering another session's D1
    Hello oldS = serverSide.answerer().next(dialerSide.dialer().first()).reply();
    Handshake.Step step = dialerSide.dialer().next(oldS);
    assertNotNull(step.refusal());
    assertEquals(Status.Code.UNAUTHENTICATED, step.refusal().getStatus().getCode());
  }

  @Test
  void aStreamThatSendsNothingIsClosedAtTheHandshakeDeadline() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast())) {
      PeerKit.RawPeer silent =
          new PeerKit.RawPeer(Ed25519KeyPair.generate(), true).open(node.channel());
      Throwable t = silent.ended.get(5, TimeUnit.SECONDS);
      assertEquals(Status.Code.CANCELLED, Status.fromThrowable(t).getCode(), String.valueOf(t));
      assertEquals(1.0, node.counter("timed_peer_disconnections_total", "handshake_timeout"));
    }
  }

  @Test
  void aStreamThatSendsOnlyTheFirstHelloIsClosedAtTheDeadlineAndLeavesNoPeer() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast())) {
      PeerKit.RawPeer halfway =
          new PeerKit.RawPeer(Ed25519KeyPair.generate(), true).open(node.channel());
      halfway.send(halfway.handshake.dialer().first());
      assertTrue(halfway.next().hasHello());
      Throwable t = halfway.ended.get(5, TimeUnit.SECONDS);
      assertEquals(Status.Code.CANCELLED, Status.fromThrowable(t).getCode(), String.valueOf(t));
      assertFalse(node.listed(halfway.keyBytes));
      assertEquals(0, node.network.peerCount());
    }
  }

  @Test
  void nothingButHellosBeforeAdmission() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast())) {
      PeerKit.RawPeer eager =
          new PeerKit.RawPeer(Ed25519KeyPair.generate(), true).open(node.channel());
      eager.send(eager.handshake.dialer().first());
      eager.next();
      eager.send(
          PeerMessage.newBuilder()
              .setVote(Vote.newBuilder().setHeight(1))
              .build()); // instead of D2
      Throwable t = eager.ended.get(5, TimeUnit.SECONDS);
      assertEquals(
          Status.Code.FAILED_PRECONDITION, Status.fromThrowable(t).getCode(), String.valueOf(t));
      assertTrue(node.messages.isEmpty(), "the vote was not handed on");
      assertFalse(node.listed(eager.keyBytes));
    }
  }
}
