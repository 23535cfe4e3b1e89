package io.timecoin.node.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.ErrorReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class PenaltyTest {

  @Test
  void penaltiesFromSeveralThreadsAreAllCountedByReasonAndTheLimitDisconnects() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast())) {
      for (int round = 0; round < 20; round++) {
        PeerKit.RawPeer peer =
            new PeerKit.RawPeer(Ed25519KeyPair.generate(), true).open(node.channel());
        peer.handshake();
        PeerKit.await(() -> node.listed(peer.keyBytes), 2_000, "admitted");
        PeerConnection conn = node.network.peerOf(peer.keyBytes);
        int threads = 4;
        int each =
            (Penalties.MAX_INVALID - 2)
                / threads; // network threads and the consensus thread at once
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          Thread w =
              new Thread(
                  () -> {
                    try {
                      start.await();
                    } catch (InterruptedException e) {
                      return;
                    }
                    for (int i = 0; i < each; i++) {
                      node.network.penalize(conn, ErrorReason.ERROR_REASON_BAD_SIGNATURE, "forged");
                    }
                  });
          w.start();
          workers.add(w);
        }
        start.countDown();
        for (Thread w : workers) {
          w.join();
        }
        assertEquals(threads * each, conn.invalid.get(), "no penalty lost");
        assertTrue(node.listed(peer.keyBytes));
        node.network.penalize(conn, ErrorReason.ERROR_REASON_MALFORMED, "junk");
        node.network.penalize(conn, ErrorReason.ERROR_REASON_MALFORMED, "junk");
        assertFalse(node.listed(peer.keyBytes), "disconnected at " + Penalties.MAX_INVALID);
      }
      assertEquals(20.0 * 48, node.counter("timed_peer_penalties_total", "bad_signature"));
      assertEquals(20.0 * 2, node.counter("timed_peer_penalties_total", "malformed"));
      assertEquals(20.0, node.counter("timed_peer_disconnections_total", "penalties"));
    }
  }
}
