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

/**
 * SubscribeFinalized's delivery rules over an in-process gRPC server: order, keep-alives, slow
 * subscribers closed.
 */
class FinalizedFeedTest {
  @TempDir Path dir;
  private ChainStore chain;
  private FinalizedFeed feed;
  private Server server;
  private ManagedChannel channel;
  private static final FailStop.Fatal FATAL =
      (what, cause) -> {
        throw new AssertionError(what, cause);
      };

  @BeforeEach
  void start() throws Exception {
    chain = ChainStore.open(dir);
    // at most 10 subscribers, 5 blocks of lag, keep-alive every 100 ms, 32 MiB of blocks cached
    feed = new FinalizedFeed(chain, 10, 5, 100, 32 << 20, 32 << 20, 60_000, FATAL);
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new NodeServiceGrpc.NodeServiceImplBase() {
                  @Override
                  public void subscribeFinalized(
                      SubscribeFinalizedRequest r, StreamObserver<SubscribeFinalizedResponse> out) {
                    feed.subscribe(
                        r.getFromHeight(),
                        (ServerCallStreamObserver<SubscribeFinalizedResponse>) out);
                  }
                })
            .build()
            .start();
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
    feed.published(
        block,
        FinalityCertificate.newBuilder().setHeight(height).build(),
        RewardBreakdown.getDefaultInstance());
  }

  /**
   * A subscriber that asks for {@code window} messages at first and then one more per message only
   * if {@code keepUp}.
   */
  private static final class Client
      implements ClientResponseObserver<SubscribeFinalizedRequest, SubscribeFinalizedResponse> {
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
    NodeServiceGrpc.newStub(channel)
        .subscribeFinalized(SubscribeFinalizedRequest.newBuilder().setFromHeight(1).build(), c);
    for (long h = 1; h <= 40; h++) {
      publish(h);
    }
    long deadline = System.currentTimeMillis() + 5_000;
    while ((c.heights.size() < 40 || c.keepAlives.isEmpty())
        && System.currentTimeMillis() < deadline) {
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
    NodeServiceGrpc.newStub(channel)
        .subscribeFinalized(SubscribeFinalizedRequest.newBuilder().setFromHeight(1).build(), slow);
    Client fast = new Client(1, true);
    NodeServiceGrpc.newStub(channel)
        .subscribeFinalized(SubscribeFinalizedRequest.newBuilder().setFromHeight(1).build(), fast);
    for (long h = 1; h <= 20; h++) {
      publish(h); // never waits for the slow one
    }
    Throwable t = slow.end.get(5, TimeUnit.SECONDS);
    assertNotNull(t, "the slow subscriber is closed");
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(t).getCode());
    ErrorInfo info = StatusProto.fromThrowable(t).getDetails(0).unpack(ErrorInfo.class);
    assertEquals("SLOW_SUBSCRIBER", info.getReason());
    assertTrue(
        Status.fromThrowable(t).getDescription().contains("subscribe again from height 3"),
        Status.fromThrowable(t).getDescription());
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
      NodeServiceGrpc.newStub(channel)
          .subscribeFinalized(SubscribeFinalizedRequest.getDefaultInstance(), new Client(1, true));
    }
    Client eleventh = new Client(1, true);
    NodeServiceGrpc.newStub(channel)
        .subscribeFinalized(SubscribeFinalizedRequest.getDefaultInstance(), eleventh);
    Throwable t = eleventh.end.get(5, TimeUnit.SECONDS);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(t).getCode());
    assertEquals(
        "TOO_MANY_STREAMS",
        StatusProto.fromThrowable(t).getDetails(0).unpack(ErrorInfo.class).getReason());
  }

  private static BlockHeader header(long height, com.google.protobuf.ByteString prev) {
    com.google.protobuf.ByteString nil = io.timecoin.canonical.Hashes.NIL;
    return BlockHeader.newBuilder()
        .setVersion(2)
        .setChainId("feed-test")
        .setHeight(height)
        .setPrevHash(prev)
        .setTxRoot(nil)
        .setWitnessRoot(nil)
        .setLastCertificateHash(nil)
        .setValidatorSetHash(nil)
        .setNextValidatorSetHash(nil)
        .setProposer(nil)
        .build();
  }

  /**
   * Stores a chain of {@code n} blocks after genesis, each with a body of about {@code bodyBytes}.
   */
  private List<Block> storeChain(int n, int bodyBytes) throws Exception {
    List<Block> blocks = new java.util.ArrayList<>();
    Block genesis =
        Block.newBuilder().setHeader(header(0, io.timecoin.canonical.Hashes.NIL)).build();
    com.google.protobuf.ByteString key =
        com.google.protobuf.ByteString.copyFrom(
            io.timecoin.crypto.Ed25519KeyPair.fromSeed(new byte[32]).publicKey().bytes());
    chain.putGenesis(
        genesis,
        new io.timecoin.ledger.StateChanges(
            0,
            List.of(),
            List.of(),
            List.of(),
            List.of(),
            io.timecoin.protocol.ValidatorSet.of(
                1,
                List.of(
                    io.timecoin.proto.v1.Validator.newBuilder()
                        .setKey(key)
                        .setWeight(1)
                        .build()))));
    com.google.protobuf.ByteString prev = io.timecoin.canonical.Hashes.block(genesis.getHeader());
    for (long h = 1; h <= n; h++) {
      Block block =
          Block.newBuilder()
              .setHeader(header(h, prev))
              .setBody(
                  io.timecoin.proto.v1.BlockBody.newBuilder()
                      .addTransactions(
                          io.timecoin.proto.v1.Transaction.newBuilder()
                              .addOutputs(
                                  io.timecoin.proto.v1.TxOutput.newBuilder()
                                      .setAddress(
                                          com.google.protobuf.ByteString.copyFrom(
                                              new byte[bodyBytes])))))
              .build();
      prev = io.timecoin.canonical.Hashes.block(block.getHeader());
      FinalityCertificate cert =
          FinalityCertificate.newBuilder().setHeight(h).setBlockHash(prev).build();
      chain.putFinalized(
          block,
          cert,
          new io.timecoin.ledger.StateChanges(h, List.of(), List.of(), List.of(), List.of(), null));
      blocks.add(block);
    }
    return blocks;
  }

  @Test
  void theCacheIsBoundedInBytesAndSubscribersStillGetEveryBlockWithoutAGap() throws Exception {
    feed.close();
    long bound = 1 << 20;
    feed =
        new FinalizedFeed(
            chain, 10, 1_000, 100, bound, 32 << 20, 60_000, FATAL); // 1 MiB of blocks cached
    Client live =
        new Client(1, true); // subscribed before the blocks come: reads them as they are published
    NodeServiceGrpc.newStub(channel)
        .subscribeFinalized(SubscribeFinalizedRequest.newBuilder().setFromHeight(1).build(), live);
    Client slowStart = new Client(0, false); // reads nothing until the cache has long moved on
    NodeServiceGrpc.newStub(channel)
        .subscribeFinalized(
            SubscribeFinalizedRequest.newBuilder().setFromHeight(1).build(), slowStart);
    List<Block> blocks = storeChain(60, 256 << 10);
    long maxCached = 0;
    for (Block b : blocks) { // stored first, then published: as the node does
      feed.published(
          b,
          chain.certificateAt(b.getHeader().getHeight()).orElseThrow(),
          RewardBreakdown.getDefaultInstance());
      maxCached = Math.max(maxCached, feed.cachedBytes());
    }
    assertTrue(maxCached <= bound, maxCached + " bytes cached, above the bound of " + bound);
    assertTrue(
        feed.cachedBlocks() <= 4 && feed.cachedBlocks() >= 3,
        feed.cachedBlocks() + " blocks of 256 KiB cached in 1 MiB");
    Client late =
        new Client(1, true); // from the start of the chain, long evicted: read from storage
    NodeServiceGrpc.newStub(channel)
        .subscribeFinalized(SubscribeFinalizedRequest.newBuilder().setFromHeight(1).build(), late);
    List<Long> all = java.util.stream.LongStream.rangeClosed(1, 60).boxed().toList();
    long deadline = System.currentTimeMillis() + 10_000;
    while ((live.heights.size() < 60 || late.heights.size() < 60)
        && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(all, live.heights);
    assertEquals(all, late.heights);
    for (int i = 0; i < 60; i++) {
      slowStart.call.request(1);
    }
    deadline = System.currentTimeMillis() + 10_000;
    while (slowStart.heights.size() < 60 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(
        all,
        slowStart.heights,
        "a subscriber held back past the cache reads the rest from storage, no gap");
  }

  @Test
  void streamsHoldAtMostTheSendBudgetUnreadAndOnesThatNeverReadAreClosed() throws Exception {
    feed.close();
    long budget = 1 << 20;
    feed =
        new FinalizedFeed(
            chain, 10, 1_000, 100, 32 << 20, budget, 1_000,
            FATAL); // 1 MiB unread at most, 1 s stall
    List<Block> blocks = storeChain(3, 300 << 10); // about 300 KiB each
    List<Client> idle = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) { // each reads one block and then nothing
      Client c = new Client(1, false);
      NodeServiceGrpc.newStub(channel)
          .subscribeFinalized(SubscribeFinalizedRequest.newBuilder().setFromHeight(1).build(), c);
      idle.add(c);
    }
    Client reader = new Client(1, true);
    long maxSending = 0;
    for (Block b : blocks) {
      feed.published(
          b,
          chain.certificateAt(b.getHeader().getHeight()).orElseThrow(),
          RewardBreakdown.getDefaultInstance());
    }
    long deadline = System.currentTimeMillis() + 300;
    while (System.currentTimeMillis() < deadline) {
      maxSending = Math.max(maxSending, feed.sendingBytes());
      Thread.sleep(5);
    }
    assertTrue(maxSending <= budget, maxSending + " bytes unread, above the budget of " + budget);
    long served = idle.stream().filter(c -> !c.heights.isEmpty()).count();
    assertTrue(
        served >= 1 && served <= 3,
        served + " of 8 idle streams were handed a block of 300 KiB within 1 MiB");
    // those that hold a block unread are closed after the stall time, and give their room to the
    // others
    NodeServiceGrpc.newStub(channel)
        .subscribeFinalized(
            SubscribeFinalizedRequest.newBuilder().setFromHeight(1).build(), reader);
    deadline = System.currentTimeMillis() + 15_000;
    while (reader.heights.size() < 3 && System.currentTimeMillis() < deadline) {
      maxSending = Math.max(maxSending, feed.sendingBytes());
      Thread.sleep(5);
    }
    assertEquals(
        List.of(1L, 2L, 3L), reader.heights, "a stream that reads gets every block in the end");
    assertTrue(maxSending <= budget, maxSending + " bytes unread");
    Throwable t = idle.get(0).end.get(15, TimeUnit.SECONDS);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(t).getCode());
    assertTrue(feed.slowClosed() >= 1);
  }
}
