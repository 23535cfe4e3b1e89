package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.RewardBreakdown;
import io.timecoin.proto.v1.SubscribeFinalizedRequest;
import io.timecoin.proto.v1.SubscribeFinalizedResponse;
import io.timecoin.storage.ChainStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SubscribeFinalized's delivery rules over an in-process gRPC server: order, keep-alives, slow subscribers closed. */
class FinalizedFeedTest {
  @TempDir Path dir;
  private ChainStore chain;
  private FinalizedFeed feed;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    chain = ChainStore.open(dir);
    feed = new FinalizedFeed(chain, 10, 5, 100); // at most 10 subscribers, 5 blocks of lag, keep-alive every 100 ms
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(new NodeServiceGrpc.NodeServiceImplBase() {
      @Override
      public void subscribeFinalized(SubscribeFinalizedRequest r, StreamObserver<SubscribeFinalizedResponse> out) {
        feed.subscribe(r.getFromHeight(), (ServerCallStreamObserver<SubscribeFinalizedResponse>) out);
      }
    }).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    feed.close();
    chain.close();
  }

  private void publish(long height) {
    Block block = Block.newBuilder().setHeader(BlockHeader.newBuilder().setHeight(height)).build();
    feed.published(block, FinalityCertificate.newBuilder().setHeight(height).build(), RewardBreakdown.getDefaultInstance());
  }

  /** A subscriber that asks for {@code window} messages at first and then one more per message only if {@code keepUp}. */
  private static final class Client implements ClientResponseObserver<SubscribeFinalizedRequest, SubscribeFinalizedResponse> {
    final List<Long> heights = new CopyOnWriteArrayList<>();
    final List<SubscribeFinalizedResponse> keepAlives = new CopyOnWriteArrayList<>();
    final CompletableFuture<Throwable> end = new CompletableFuture<>();
    private final int window;
    private final boolean keepUp;
    private ClientCallStreamObserver<SubscribeFinalizedRequest> call;

    Client(int window, boolean keepUp) {
      this.window = window;
      this.keepUp = keepUp;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<SubscribeFinalizedRequest> call) {
      this.call = call;
      call.disableAutoRequestWithInitial(window);
    }

    @Override
    public void onNext(SubscribeFinalizedResponse r) {
      if (r.hasBlock()) {
        heights.add(r.getBlock().getBlock().getHeader().getHeight());
      } else {
        keepAlives.add(r);
      }
      if (keepUp) {
        call.request(1);
      }
    }

    @Override
    public void onError(Throwable t) {
      end.complete(t);
    }

    @Override
    public void onCompleted() {
      end.complete(null);
    }
  }

  @Test
  void aSubscriberThatKeepsUpGetsEveryBlockInOrderAndKeepAlivesWhenIdle() throws Exception {
    Client c = new Client(1, true);
    NodeServiceGrpc.newStub(channel).subscribeFinalized(SubscribeFinalizedRequest.newBuilder().setFromHeight(1).build(), c);
    for (long h = 1; h <= 40; h++) {
      publish(h);
    }
    long deadline = System.currentTimeMillis() + 5_000;
    while ((c.heights.size() < 40 || c.keepAlives.isEmpty()) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(java.util.stream.LongStream.rangeClosed(1, 40).boxed().toList(), c.heights);
    assertTrue(!c.keepAlives.isEmpty(), "an idle stream gets keep-alives");
    assertEquals(40, c.keepAlives.get(c.keepAlives.size() - 1).getKeepAlive().getFinalizedHeight());
    assertTrue(!c.end.isDone(), "the subscription stays open");
  }

  @Test
  void aSubscriberThatFallsBehindIsClosedWithResourceExhaustedAndItsReason() throws Exception {
    Client slow = new Client(2, false); // reads two messages, then nothing more
    NodeServiceGrpc.newStub(channel).subscribeFinalized(SubscribeFinalizedRequest.newBuilder().setFromHeight(1).build(), slow);
    Client fast = new Client(1, true);
    NodeServiceGrpc.newStub(channel).subscribeFinalized(SubscribeFinalizedRequest.newBuilder().setFromHeight(1).build(), fast);
    for (long h = 1; h <= 20; h++) {
      publish(h); // never waits for the slow one
    }
    Throwable t = slow.end.get(5, TimeUnit.SECONDS);
    assertNotNull(t, "the slow subscriber is closed");
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(t).getCode());
    ErrorInfo info = StatusProto.fromThrowable(t).getDetails(0).unpack(ErrorInfo.class);
    assertEquals("SLOW_SUBSCRIBER", info.getReason());
    assertTrue(Status.fromThrowable(t).getDescription().contains("subscribe again from height 3"), Status.fromThrowable(t).getDescription());
    long deadline = System.currentTimeMillis() + 5_000;
    while (fast.heights.size() < 20 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(20, fast.heights.size(), "the subscriber that keeps up is not held back");
    assertEquals(1, feed.slowClosed());
  }

  @Test
  void subscriptionsBeyondTheLimitAreRefusedWithTooManyStreams() throws Exception {
    for (int i = 0; i < 10; i++) {
      NodeServiceGrpc.newStub(channel).subscribeFinalized(SubscribeFinalizedRequest.getDefaultInstance(), new Client(1, true));
    }
    Client eleventh = new Client(1, true);
    NodeServiceGrpc.newStub(channel).subscribeFinalized(SubscribeFinalizedRequest.getDefaultInstance(), eleventh);
    Throwable t = eleventh.end.get(5, TimeUnit.SECONDS);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(t).getCode());
    assertEquals("TOO_MANY_STREAMS", StatusProto.fromThrowable(t).getDetails(0).unpack(ErrorInfo.class).getReason());
  }
}
