package io.timecoin.node.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.Vote;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Who the registry admits, without sockets: one connection per key, and few peers that are not
 * validators.
 */
class PeerRegistryTest {
  private static final ByteString OWN = FakePeer.key(0x80, 0);
  private static final ByteString LOWER = FakePeer.key(0x10, 0);
  private static final ByteString HIGHER = FakePeer.key(0xF0, 0);
  private static final PeerConnection.Direction IN = PeerConnection.Direction.INBOUND;
  private static final PeerConnection.Direction OUT = PeerConnection.Direction.OUTBOUND;

  private final Set<ByteString> validators = ConcurrentHashMap.newKeySet();

  private PeerRegistry registry(int maxNonValidators) {
    PeerLimits l = PeerKit.fast();
    return new PeerRegistry(
        OWN,
        validators::contains,
        new PeerLimits(
            l.maxQueuedBytes(),
            l.sendBudgetBytes(),
            l.maxMessageBytes(),
            l.handshake(),
            l.syncProgress(),
            l.syncServeStall(),
            l.maxSyncStreams(),
            2,
            Duration.ofMinutes(1),
            maxNonValidators),
        new LogName());
  }

  private static FakePeer admitted(
      PeerRegistry registry, PeerConnection.Direction direction, ByteString key) {
    FakePeer p = new FakePeer(direction, key, registry);
    registry.admit(p.conn);
    return p;
  }

  @Test
  void aSecondStreamForAKeyIsRefusedUnlessItIsTheOneDialedByTheLowerKey() {
    // the peer's key is higher: the stream this node dialed is the one both sides keep
    PeerRegistry r = registry(16);
    FakePeer dialed = admitted(r, OUT, HIGHER);
    FakePeer inbound = admitted(r, IN, HIGHER);
    assertEquals("duplicate", inbound.closedAs);
    assertNull(dialed.closedAs);
    assertSame(dialed.conn, r.peerOf(HIGHER));
    FakePeer againInbound = admitted(r, IN, HIGHER);
    assertEquals("duplicate", againInbound.closedAs, "refused however often it comes");

    // the peer's key is lower: the stream it dialed wins over the one this node dialed
    FakePeer ours = admitted(r, OUT, LOWER);
    FakePeer theirs = admitted(r, IN, LOWER);
    assertSame(theirs.conn, r.peerOf(LOWER));
    FakePeer oursAgain = admitted(r, OUT, LOWER);
    assertEquals("duplicate", oursAgain.closedAs);
    assertSame(theirs.conn, r.peerOf(LOWER));
    assertNull(ours.closedAs, "the losing stream is closed by the peer, which keeps the same one");

    assertEquals(2, r.count(), "one connection per key");
    assertEquals(2, r.all().size());
  }

  @Test
  void aClosedConnectionIsForgottenAndItsKeyMayConnectAgain() {
    PeerRegistry r = registry(16);
    FakePeer first = admitted(r, OUT, HIGHER);
    first.conn.close("test", "gone");
    assertNull(r.peerOf(HIGHER));
    assertEquals(0, r.count());
    FakePeer second = admitted(r, IN, HIGHER); // would have lost to the first while it was open
    assertNull(second.closedAs);
    assertSame(second.conn, r.peerOf(HIGHER));
    assertFalse(r.remove(first.conn, "again"), "a stale connection does not remove its successor");
    assertSame(second.conn, r.peerOf(HIGHER));
  }

  @Test
  void aConnectionClosedBeforeItsAdmissionIsNotKept() {
    PeerRegistry r = registry(16);
    FakePeer p = new FakePeer(IN, HIGHER, r);
    p.conn.close("test", "gone before the handshake ended");
    r.admit(p.conn);
    assertNull(r.peerOf(HIGHER));
    assertEquals(0, r.all().size());
  }

  @Test
  void nonValidatorsBeyondTheCapAreRefusedValidatorsNever() {
    PeerRegistry r = registry(2);
    FakePeer a = admitted(r, IN, FakePeer.key(0x01, 1));
    admitted(r, IN, FakePeer.key(0x01, 2));
    FakePeer third = admitted(r, IN, FakePeer.key(0x01, 3));
    assertEquals("too_many_peers", third.closedAs);
    assertNull(r.peerOf(third.key));

    for (int i = 0; i < 5; i++) {
      ByteString v = FakePeer.key(0x02, i);
      validators.add(v);
      assertNull(
          admitted(r, IN, v).closedAs, "a validator is admitted however many others are connected");
    }
    assertEquals(7, r.count());

    // a second stream of a connected non-validator is not a new non-validator: the duplicate rule
    // decides
    FakePeer aAgain = admitted(r, OUT, a.key); // a's key is lower: the stream it dialed stays
    assertEquals("duplicate", aAgain.closedAs);

    a.conn.close("test", "gone");
    FakePeer fourth = admitted(r, IN, FakePeer.key(0x01, 4));
    assertNull(fourth.closedAs, "the freed place is taken");
    assertSame(fourth.conn, r.peerOf(fourth.key));
    assertEquals("too_many_peers", admitted(r, IN, FakePeer.key(0x01, 5)).closedAs);
  }

  @Test
  void overTheSendBudgetANonValidatorIsDroppedBeforeAValidatorHoldingMore() {
    PeerRegistry r = registry(16);
    ByteString v = FakePeer.key(0x03, 1);
    validators.add(v);
    FakePeer validator = new FakePeer(IN, v, r, false);
    r.admit(validator.conn);
    FakePeer small = new FakePeer(IN, FakePeer.key(0x04, 1), r, false);
    r.admit(small.conn);
    FakePeer big = new FakePeer(IN, FakePeer.key(0x04, 2), r, false);
    r.admit(big.conn);
    FakePeer empty = admitted(r, IN, FakePeer.key(0x04, 3));
    validator.conn.send(vote(3_000));
    small.conn.send(vote(100));
    big.conn.send(vote(1_000));
    assertSame(big.conn, r.overBudget(empty.conn), "the non-validator holding the most");
    big.conn.close("test", "dropped");
    assertSame(small.conn, r.overBudget(empty.conn));
    small.conn.close("test", "dropped");
    assertSame(
        validator.conn,
        r.overBudget(empty.conn),
        "a validator only when no one else holds anything");
    validator.conn.close("test", "dropped");
    assertSame(
        empty.conn, r.overBudget(empty.conn), "the sender itself when no one holds anything");
  }

  @Test
  void aHelloHeightCountsOnlyAFewHeightsBeyondTheTipAVerifiedOneFully() {
    PeerRegistry r = registry(16);
    FakePeer p = new FakePeer(IN, HIGHER, r);
    p.conn.height.hello = 1_000;
    r.admit(p.conn);
    assertEquals(12, r.bestKnownHeight(10), "tip 10 plus a height hint of 2");
    assertEquals(12, r.infos(10).get(0).getHeight());
    p.conn.height.verified(50);
    assertEquals(50, r.bestKnownHeight(10));
    assertEquals(50, r.infos(10).get(0).getHeight());
  }

  private static PeerMessage vote(int padding) {
    return PeerMessage.newBuilder()
        .setVote(
            Vote.newBuilder().setHeight(1).setBlockHash(ByteString.copyFrom(new byte[padding])))
        .build();
  }
}
