package io.timecoin.node.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.SyncBlocksRequest;
import io.timecoin.proto.v1.SyncBlocksResponse;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SyncBlocks only for admitted peers, one stream each, and never held open by a reader that reads
 * nothing.
 */
@Timeout(60)
class SyncServerTest {
  private static final SyncBlocksRequest ALL =
      SyncBlocksRequest.newBuilder().setChainId(PeerKit.CHAIN).setFromHeight(1).build();

  private static String reason(Throwable t) {
    com.google.rpc.Status s = StatusProto.fromThrowable(t);
    if (s == null) {
      return null;
    }
    return s.getDetailsList().stream()
        .filter(a -> a.is(ErrorInfo.class))
        .findFirst()
        .map(
            a -> {
              try {
                return a.unpack(ErrorInfo.class).getReason();
              } catch (Exception e) {
                return null;
              }
            })
        .orElse(null);
  }

  /** A channel whose Connect stream is admitted. */
  private static ManagedChannel admitted(PeerKit node) throws Exception {
    ManagedChannel channel = node.channel();
    PeerKit.RawPeer peer = new PeerKit.RawPeer(Ed25519KeyPair.generate(), true).open(channel);
    peer.handshake();
    PeerKit.await(() -> node.listed(peer.keyBytes), 2_000, "admitted");
    return channel;
  }

  @Test
  void aStrangerIsRefusedUnauthenticated() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast())) {
      node.grow(5, 10);
      Iterator<SyncBlocksResponse> blocks =
          PeerServiceGrpc.newBlockingStub(node.channel()).syncBlocks(ALL);
      StatusRuntimeException e =
          org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, blocks::next);
      assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
      assertTrue(reason(e) != null, "an ErrorInfo names the reason");
      assertEquals(1.0, node.counter("timed_peer_sync_refused_total", "unauthenticated"));
    }
  }

  @Test
  void aStrangerWhoseHandshakeIsHalfDoneIsRefusedToo() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast())) {
      node.grow(5, 10);
      ManagedChannel channel = node.channel();
      PeerKit.RawPeer peer = new PeerKit.RawPeer(Ed25519KeyPair.generate(), true).open(channel);
      peer.send(peer.handshake.dialer().first()); // D1, a hello anyone can replay
      peer.next();
      Iterator<SyncBlocksResponse> blocks =
          PeerServiceGrpc.newBlockingStub(channel).syncBlocks(ALL);
      StatusRuntimeException e =
          org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, blocks::next);
      assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
    }
  }

  @Test
  void anAdmittedPeerIsServedOneStreamAtATime() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast())) {
      node.grow(5, 10);
      ManagedChannel channel = admitted(node);
      Iterator<SyncBlocksResponse> blocks =
          PeerServiceGrpc.newBlockingStub(channel).syncBlocks(ALL);
      int n = 0;
      while (blocks.hasNext()) {
        assertEquals(++n, blocks.next().getBlock().getHeader().getHeight());
      }
      assertEquals(5, n);

      node.grow(2_000, 10_000); // enough that a stream not read stays open
      StallingReader first = new StallingReader();
      PeerServiceGrpc.newStub(channel).syncBlocks(ALL, first);
      PeerKit.await(() -> node.network.syncStreamsServed() == 1, 2_000, "one stream served");
      Iterator<SyncBlocksResponse> second =
          PeerServiceGrpc.newBlockingStub(channel).syncBlocks(ALL);
      StatusRuntimeException e =
          org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, second::next);
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
      assertEquals("TOO_MANY_STREAMS", reason(e));
    }
  }

  @Test
  void aStreamWhoseReaderReadsNothingIsCancelledAndFreesItsSlot() throws Exception {
    try (PeerKit node = new PeerKit(PeerKit.fast())) {
      node.grow(2_000, 10_000); // 20 MB: more than the transport's windows hold
      ManagedChannel channel = admitted(node);
      StallingReader idle = new StallingReader();
      PeerServiceGrpc.newStub(channel).syncBlocks(ALL, idle);
      PeerKit.await(() -> node.network.syncStreamsServed() == 1, 2_000, "served");
      PeerKit.await(() -> node.network.syncStreamsServed() == 0, 5_000, "the slot freed");
      PeerKit.await(
          () -> node.counter("timed_peer_sync_refused_total", "stalled") == 1.0, 1_000, "counted");
      idle.requests.request(
          Integer.MAX_VALUE); // what the transport holds, then the end the node gave the stream
      Throwable t = idle.ended.get(10, TimeUnit.SECONDS);
      assertEquals(
          Status.Code.DEADLINE_EXCEEDED, Status.fromThrowable(t).getCode(), String.valueOf(t));
    }
  }

  @Test
  void fewStreamsInAll() throws Exception {
    PeerLimits limits = PeerKit.fast();
    limits =
        new PeerLimits(
            limits.maxQueuedBytes(),
            limits.sendBudgetBytes(),
            limits.maxMessageBytes(),
            limits.handshake(),
            limits.syncProgress(),
            java.time.Duration.ofSeconds(30),
            2,
            limits.heightHint(),
            limits.hintLife(),
            limits.maxNonValidators());
    try (PeerKit node = new PeerKit(limits)) {
      node.grow(2_000, 10_000);
      AtomicInteger refused = new AtomicInteger();
      for (int i = 0; i < 4; i++) {
        StallingReader r = new StallingReader();
        PeerServiceGrpc.newStub(admitted(node)).syncBlocks(ALL, r);
        r.ended.whenComplete(
            (t, x) -> {
              if (t != null
                  && Status.fromThrowable(t).getCode() == Status.Code.RESOURCE_EXHAUSTED) {
                refused.incrementAndGet();
              }
            });
      }
      PeerKit.await(() -> refused.get() == 2, 5_000, "two of four refused: " + refused);
      assertEquals(2, node.network.syncStreamsServed());
    }
  }

  /** Takes the first block, then reads nothing. */
  private static final class StallingReader
      implements ClientResponseObserver<SyncBlocksRequest, SyncBlocksResponse> {
    final CompletableFuture<Throwable> ended = new CompletableFuture<>();
    ClientCallStreamObserver<SyncBlocksRequest> requests;

    @Override
    public void beforeStart(ClientCallStreamObserver<SyncBlocksRequest> requests) {
      this.requests = requests;
      requests.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(SyncBlocksResponse value) {}

    @Override
    public void onError(Throwable t) {
      ended.complete(t);
    }

    @Override
    public void onCompleted() {
      ended.complete(null);
    }
  }
}
