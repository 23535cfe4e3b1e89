package io.timecoin.node.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.ConnectResponse;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.SyncBlocksRequest;
import io.timecoin.proto.v1.SyncBlocksResponse;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Whom the node catches up from: only peers whose verified messages put them ahead; bad sources
 * dropped, the next asked.
 */
@Timeout(60)
class SyncClientTest {

  /**
   * A peer the node dials: it answers the handshake announcing {@code helloHeight}, and serves or
   * stalls SyncBlocks.
   */
  static final class Source implements AutoCloseable {
    final Ed25519KeyPair key = Ed25519KeyPair.generate();
    final ByteString keyBytes = ByteString.copyFrom(key.publicKey().bytes());
    final AtomicInteger syncCalls = new AtomicInteger();
    final Server server;
    final boolean serves;
    final boolean malformed;

    Source(long helloHeight, boolean serves) throws Exception {
      this(helloHeight, serves, false);
    }

    /**
     * {@code malformed}: its SyncBlocks answer ends as the node's own unknown-field check ends a
     * call.
     */
    Source(long helloHeight, boolean serves, boolean malformed) throws Exception {
      this.serves = serves;
      this.malformed = malformed;
      Handshake handshake = new Handshake(PeerKit.CHAIN, PeerKit.GENESIS, key, () -> helloHeight);
      server =
          NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
              .addService(
                  new PeerServiceGrpc.PeerServiceImplBase() {
                    @Override
                    public StreamObserver<ConnectRequest> connect(
                        StreamObserver<ConnectResponse> out) {
                      Handshake.Answerer answerer = handshake.answerer();
                      return new StreamObserver<>() {
                        @Override
                        public void onNext(ConnectRequest r) {
                          if (r.getMessage().hasHello()) {
                            Handshake.Step step = answerer.next(r.getMessage().getHello());
                            if (step.reply() != null) {
                              synchronized (out) {
                                out.onNext(
                                    ConnectResponse.newBuilder()
                                        .setMessage(PeerMessage.newBuilder().setHello(step.reply()))
                                        .build());
                              }
                            }
                          }
                        }

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {}
                      };
                    }

                    @Override
                    public void syncBlocks(
                        SyncBlocksRequest request, StreamObserver<SyncBlocksResponse> out) {
                      syncCalls.incrementAndGet();
                      if (malformed) {
                        out.onError(
                            io.timecoin.node.ApiErrors.of(
                                io.grpc.Status.Code.CANCELLED,
                                io.timecoin.proto.v1.ErrorReason.ERROR_REASON_MALFORMED,
                                "unknown field block.body#99 in a SyncBlocks message"));
                      } else if (serves) {
                        for (long h = request.getFromHeight();
                            h < request.getFromHeight() + 3;
                            h++) {
                          out.onNext(
                              SyncBlocksResponse.newBuilder()
                                  .setBlock(
                                      Block.newBuilder()
                                          .setHeader(BlockHeader.newBuilder().setHeight(h)))
                                  .setCertificate(FinalityCertificate.newBuilder().setHeight(h))
                                  .build());
                        }
                        out.onCompleted();
                      } // else: says nothing, for ever
                    }
                  })
              .build()
              .start();
    }

    String address() {
      return "127.0.0.1:" + server.getPort();
    }

    @Override
    public void close() {
      server.shutdownNow();
    }
  }

  private static PeerConnection connected(PeerKit node, Source s) throws InterruptedException {
    PeerKit.await(
        () -> node.network.peerOf(s.keyBytes) != null, 5_000, "connected to " + s.address());
    return node.network.peerOf(s.keyBytes);
  }

  @Test
  void aHelloHeightAloneStartsNoSyncAVerifiedHeightDoes() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast());
        Source liar = new Source(1_000_000, true)) {
      node.network.dial(List.of(liar.address()));
      PeerConnection p = connected(node, liar);
      node.network.requestSync();
      Thread.sleep(300);
      assertEquals(0, liar.syncCalls.get(), "a claim in a hello is no reason to sync");
      node.network.heard(p, 5); // a verified vote of height 6
      node.network.requestSync();
      PeerKit.await(() -> liar.syncCalls.get() == 1, 2_000, "synced from the peer proven ahead");
      assertNotNull(node.synced.poll(2, TimeUnit.SECONDS));
    }
  }

  @Test
  void aSourceThatStallsIsPenalizedDroppedAndTheNextIsAsked() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast());
        Source staller = new Source(0, false);
        Source honest = new Source(0, true)) {
      node.network.dial(List.of(staller.address(), honest.address()));
      node.network.heard(connected(node, staller), 50); // the best claim: it is asked first
      node.network.heard(connected(node, honest), 20);
      node.network.requestSync();
      PeerKit.await(() -> staller.syncCalls.get() == 1, 2_000, "the staller asked first");
      PeerKit.await(
          () -> honest.syncCalls.get() == 1, 3_000, "after the progress deadline, the next best");
      assertEquals(1, node.synced.poll(2, TimeUnit.SECONDS).getHeader().getHeight());
      assertEquals(1.0, node.counter("timed_peer_penalties_total", "sync_stall"));
      assertEquals(1.0, node.counter("timed_peer_disconnections_total", "sync_stall"));
    }
  }

  @Test
  void aSourceWhoseBlockIsRefusedIsPenalizedDroppedAndTheNextIsAsked() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast());
        Source bad = new Source(0, true);
        Source good = new Source(0, true)) {
      node.network.dial(List.of(bad.address(), good.address()));
      node.network.heard(connected(node, bad), 50);
      node.network.heard(connected(node, good), 20);
      node.network.requestSync();
      assertEquals(1, node.synced.poll(2, TimeUnit.SECONDS).getHeader().getHeight());
      assertEquals(1, bad.syncCalls.get());
      SyncSource badStream = node.syncSources.poll(2, TimeUnit.SECONDS);
      node.network.syncedBlockRefused(badStream, 1, "INVALID_BLOCK: tampered");
      PeerKit.await(() -> good.syncCalls.get() == 1, 3_000, "the next source asked");
      // the blocks after it, still in flight, are refused too: blamed on the bad stream, once, not
      // on the next source
      node.network.syncedBlockRefused(badStream, 2, "HEIGHT_OUT_OF_RANGE");
      node.network.syncedBlockRefused(badStream, 3, "HEIGHT_OUT_OF_RANGE");
      assertEquals(1.0, node.counter("timed_peer_penalties_total", "sync_refused_block"));
      assertTrue(node.network.peerOf(good.keyBytes) != null, "the next source is kept");
      assertTrue(
          node.network.peerOf(bad.keyBytes) == null
              || node.network.peerOf(bad.keyBytes).verifiedHeight() == 0,
          "the bad source was dropped (and redialed afresh, its claim forgotten)");
    }
  }

  /**
   * A source whose blocks carry an unknown field (the dialed-channel check cancels the call) is a
   * bad source, not a flaky link.
   */
  @Test
  void aSourceWhoseAnswerIsMalformedIsPenalizedDroppedAndTheNextIsAsked() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast());
        Source bad = new Source(0, true, true);
        Source good = new Source(0, true)) {
      node.network.dial(List.of(bad.address(), good.address()));
      node.network.heard(connected(node, bad), 50);
      node.network.heard(connected(node, good), 20);
      node.network.requestSync();
      PeerKit.await(() -> good.syncCalls.get() == 1, 3_000, "the next source asked");
      assertEquals(1, bad.syncCalls.get(), "the malformed source is not asked again");
      assertEquals(1.0, node.counter("timed_peer_penalties_total", "sync_malformed"));
      assertEquals(1, node.synced.poll(2, TimeUnit.SECONDS).getHeader().getHeight());
    }
  }

  @Test
  void aHugeHelloHeightCountsOnlyCappedAndBriefly() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast());
        Source liar = new Source(Long.MAX_VALUE / 2, true)) {
      node.network.dial(List.of(liar.address()));
      PeerConnection p = connected(node, liar);
      long hint = node.network.bestKnownHeight();
      assertTrue(hint <= 2, "capped at tip + bufferedHeights: " + hint);
      PeerKit.await(() -> node.network.bestKnownHeight() == 0, 2_000, "the hint expires");
      node.network.heard(p, 7);
      assertEquals(7, node.network.bestKnownHeight(), "a verified height counts");
    }
  }
}
