package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.UnknownFieldSet;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.ConnectResponse;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.SyncBlocksRequest;
import io.timecoin.proto.v1.SyncBlocksResponse;
import io.timecoin.proto.v1.Vote;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Both sides of a peer stream with a hostile other side, in process. */
class RefuseUnknownFieldsTest {
  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static UnknownFieldSet unknown(int number) {
    return UnknownFieldSet.newBuilder()
        .addField(number, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
        .build();
  }

  private static String reason(Throwable t) throws Exception {
    com.google.rpc.Status s = StatusProto.fromThrowable(t);
    return s == null || s.getDetailsCount() == 0
        ? null
        : s.getDetails(0).unpack(ErrorInfo.class).getReason();
  }

  /** A peer we dialed answers SyncBlocks with a block whose header carries an unknown field. */
  @Test
  void aDialedPeersAnswerWithAnUnknownFieldCancelsTheCall() throws Exception {
    CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
    Block tampered =
        Block.newBuilder()
            .setHeader(BlockHeader.newBuilder().setHeight(1).setUnknownFields(unknown(77)))
            .build();
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new PeerServiceGrpc.PeerServiceImplBase() {
                  @Override
                  public void syncBlocks(
                      SyncBlocksRequest request, StreamObserver<SyncBlocksResponse> out) {
                    ServerCallStreamObserver<SyncBlocksResponse> o =
                        (ServerCallStreamObserver<SyncBlocksResponse>) out;
                    o.setOnCancelHandler(() -> cancelled.complete(true));
                    o.onNext(
                        SyncBlocksResponse.newBuilder()
                            .setBlock(Block.getDefaultInstance())
                            .build()); // a clean one first
                    o.onNext(SyncBlocksResponse.newBuilder().setBlock(tampered).build());
                    // and the stream stays open: only the client can end it
                  }
                })
            .build()
            .start();
    channel =
        InProcessChannelBuilder.forName(name)
            .directExecutor()
            .intercept(RefuseUnknownFields.onDialedChannels(metrics))
            .build();
    Iterator<SyncBlocksResponse> blocks =
        PeerServiceGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .syncBlocks(SyncBlocksRequest.getDefaultInstance());
    assertEquals(Block.getDefaultInstance(), blocks.next().getBlock());
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, blocks::next);
    assertEquals(Status.Code.CANCELLED, e.getStatus().getCode(), e::toString);
    assertEquals("MALFORMED", reason(e));
    assertTrue(e.getStatus().getDescription().contains("block.header#77"), e::toString);
    assertTrue(cancelled.get(5, TimeUnit.SECONDS), "the peer's stream was cancelled");
    assertEquals(
        1,
        metrics
            .counter("timed_unknown_fields_refused_total", "port", "dialed", "method", "SyncBlocks")
            .count());
  }

  /**
   * A Connect stream whose second message carries an unknown field: closed FAILED_PRECONDITION, the
   * service told as of a cancel (it stops using the stream), its later sends dropped.
   */
  @Test
  void aConnectStreamWithAnUnknownFieldIsClosedAndTheServiceLetsGo() throws Exception {
    AtomicInteger delivered = new AtomicInteger();
    CountDownLatch serviceSawTheEnd =
        new CountDownLatch(2); // the cancel handler and the request observer
    CompletableFuture<ServerCallStreamObserver<ConnectResponse>> serverSide =
        new CompletableFuture<>();
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    new PeerServiceGrpc.PeerServiceImplBase() {
                      @Override
                      public StreamObserver<ConnectRequest> connect(
                          StreamObserver<ConnectResponse> out) {
                        ServerCallStreamObserver<ConnectResponse> o =
                            (ServerCallStreamObserver<ConnectResponse>) out;
                        o.setOnCancelHandler(serviceSawTheEnd::countDown); // as PeerNetwork does
                        serverSide.complete(o);
                        return new StreamObserver<>() {
                          @Override
                          public void onNext(ConnectRequest value) {
                            delivered.incrementAndGet();
                          }

                          @Override
                          public void onError(Throwable t) {
                            serviceSawTheEnd.countDown();
                          }

                          @Override
                          public void onCompleted() {}
                        };
                      }
                    },
                    new RefuseUnknownFields(
                        Status.Code.FAILED_PRECONDITION, "peer", metrics, java.util.Set.of())))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    StreamObserver<ConnectRequest> requests =
        PeerServiceGrpc.newStub(channel)
            .connect(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ConnectResponse value) {}

                  @Override
                  public void onError(Throwable t) {
                    ended.complete(t);
                  }

                  @Override
                  public void onCompleted() {
                    ended.complete(null);
                  }
                });
    requests.onNext(
        ConnectRequest.newBuilder()
            .setMessage(PeerMessage.newBuilder().setVote(Vote.newBuilder().setHeight(1)))
            .build());
    requests.onNext(
        ConnectRequest.newBuilder()
            .setMessage(
                PeerMessage.newBuilder()
                    .setVote(Vote.newBuilder().setHeight(2).setUnknownFields(unknown(12))))
            .build());
    requests.onNext(
        ConnectRequest.newBuilder()
            .setMessage(PeerMessage.newBuilder().setVote(Vote.newBuilder().setHeight(3)))
            .build());
    Throwable t = ended.get(5, TimeUnit.SECONDS);
    assertEquals(
        Status.Code.FAILED_PRECONDITION, Status.fromThrowable(t).getCode(), String.valueOf(t));
    assertEquals("MALFORMED", reason(t));
    assertTrue(
        Status.fromThrowable(t).getDescription().contains("message.vote#12"), String.valueOf(t));
    assertTrue(
        serviceSawTheEnd.await(5, TimeUnit.SECONDS), "the service was told the stream ended");
    assertEquals(1, delivered.get(), "nothing after the refused message reaches the service");
    serverSide
        .get()
        .onNext(ConnectResponse.getDefaultInstance()); // the service's later send is dropped
    assertEquals(
        1,
        metrics
            .counter("timed_unknown_fields_refused_total", "port", "peer", "method", "Connect")
            .count());
  }
}
