package io.timecoin.node.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Status;
import io.timecoin.crypto.Ed25519KeyPair;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PeerPortTest {

  @Test
  void callsOnConnectionsBeyondTheLimitAreRefused() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast(), 2)) {
      for (int i = 0; i < 2; i++) {
        PeerKit.RawPeer peer =
            new PeerKit.RawPeer(Ed25519KeyPair.generate(), true).open(node.channel());
        peer.handshake();
        PeerKit.await(() -> node.listed(peer.keyBytes), 2_000, "admitted");
      }
      PeerKit.RawPeer third =
          new PeerKit.RawPeer(Ed25519KeyPair.generate(), true).open(node.channel());
      third.send(third.handshake.dialer().first());
      Throwable t = third.ended.get(5, TimeUnit.SECONDS);
      assertEquals(
          Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(t).getCode(), String.valueOf(t));
      assertEquals(2, node.network.peerCount());
    }
  }

  @Test
  void callsPerConnectionAreBounded() throws Exception {
    PeerLimits slowHandshakes =
        PeerLimits.defaults(8 << 20, 48L << 20, 2); // the first calls stay open
    try (PeerKit node = new PeerKit(slowHandshakes)) {
      io.grpc.ManagedChannel channel = node.channel();
      java.util.List<PeerKit.RawPeer> streams = new java.util.ArrayList<>();
      for (int i = 0; i < PeerPort.MAX_CALLS_PER_CONNECTION + 2; i++) {
        PeerKit.RawPeer p = new PeerKit.RawPeer(Ed25519KeyPair.generate(), true).open(channel);
        p.send(p.handshake.dialer().first());
        streams.add(p);
      }
      // the first calls are answered; the ones beyond wait for a slot (HTTP/2
      // MAX_CONCURRENT_STREAMS)
      int answered = 0;
      for (PeerKit.RawPeer p : streams) {
        if (p.received.poll(1, TimeUnit.SECONDS) != null) {
          answered++;
        }
      }
      assertEquals(PeerPort.MAX_CALLS_PER_CONNECTION, answered);
    }
  }
}
