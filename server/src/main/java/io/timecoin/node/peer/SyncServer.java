package io.timecoin.node.peer;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.timecoin.node.ApiErrors;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.SyncBlocksRequest;
import io.timecoin.proto.v1.SyncBlocksResponse;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Serves SyncBlocks: only to a peer whose Connect stream was admitted on the same connection, one
 * stream per peer and a few in all; a stream whose reader takes nothing for a while is cancelled,
 * so idle streams cannot hold the slots (nor their blocks in memory).
 */
final class SyncServer {
  private static final Logger LOG = Logger.getLogger(SyncServer.class.getName());

  private final String chainId;
  private final PeerNetwork.ChainReader chain;

  /** The admitted inbound peer on the connection from this address, or null. */
  private final Function<SocketAddress, PeerConnection> admittedAt;

  private final ScheduledExecutorService timers;
  private final PeerLimits limits;

  /** Told of each refused call, by reason (the metric). */
  private final Consumer<String> refused;

  private final Set<ByteString> serving = ConcurrentHashMap.newKeySet();
  private final AtomicInteger streams = new AtomicInteger();

  SyncServer(
      String chainId,
      PeerNetwork.ChainReader chain,
      Function<SocketAddress, PeerConnection> admittedAt,
      ScheduledExecutorService timers,
      PeerLimits limits,
      Consumer<String> refused) {
    this.chainId = chainId;
    this.chain = chain;
    this.admittedAt = admittedAt;
    this.timers = timers;
    this.limits = limits;
    this.refused = refused;
  }

  /** Streams being served now. */
  int streams() {
    return streams.get();
  }

  void serve(
      SyncBlocksRequest request,
      StreamObserver<SyncBlocksResponse> responseObserver,
      SocketAddress remote) {
    ServerCallStreamObserver<SyncBlocksResponse> out =
        (ServerCallStreamObserver<SyncBlocksResponse>) responseObserver;
    PeerConnection peer = remote == null ? null : admittedAt.apply(remote);
    if (peer == null) {
      refused.accept("unauthenticated");
      out.onError(
          ApiErrors.of(
              Status.Code.UNAUTHENTICATED,
              ErrorReason.ERROR_REASON_INVALID_ARGUMENT,
              "SyncBlocks is served only on a connection that carries an admitted Connect stream"));
      return;
    }
    if (!request.getChainId().equals(chainId)) {
      refused.accept("wrong_chain");
      out.onError(
          Handshake.refusal(
              ErrorReason.ERROR_REASON_WRONG_CHAIN, "this node is on chain '" + chainId + "'"));
      return;
    }
    ByteString key = peer.remoteKey;
    if (!serving.add(key)) {
      refused.accept("too_many_streams");
      out.onError(
          ApiErrors.of(
              Status.Code.RESOURCE_EXHAUSTED,
              ErrorReason.ERROR_REASON_TOO_MANY_STREAMS,
              "one SyncBlocks stream per peer at a time"));
      return;
    }
    if (streams.incrementAndGet() > limits.maxSyncStreams()) {
      streams.decrementAndGet();
      serving.remove(key);
      refused.accept("too_many_streams");
      out.onError(
          ApiErrors.of(
              Status.Code.RESOURCE_EXHAUSTED,
              ErrorReason.ERROR_REASON_TOO_MANY_STREAMS,
              "this node serves " + limits.maxSyncStreams() + " SyncBlocks streams at most"));
      return;
    }
    new Stream(request, out, key).start();
  }

  /** One stream being served: sends what flow control allows, from the chain store. */
  private final class Stream {
    private final ServerCallStreamObserver<SyncBlocksResponse> out;
    private final ByteString key;
    private final long last;
    private long next;
    private Block ahead; // the block after next, read for its last_certificate
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile long progressAtNanos = System.nanoTime();
    private ScheduledFuture<?> watchdog;

    Stream(
        SyncBlocksRequest request,
        ServerCallStreamObserver<SyncBlocksResponse> out,
        ByteString key) {
      this.out = out;
      this.key = key;
      long tip = chain.tipHeight();
      this.last = request.getToHeight() == 0 ? tip : Math.min(request.getToHeight(), tip);
      this.next = Math.max(1, request.getFromHeight());
    }

    void start() {
      out.setOnCancelHandler(this::release);
      out.setOnReadyHandler(this::pump);
      long checkMs = Math.max(50, limits.syncServeStall().toMillis() / 4);
      watchdog =
          timers.scheduleWithFixedDelay(
              this::checkProgress, checkMs, checkMs, TimeUnit.MILLISECONDS);
      pump();
    }

    private synchronized void pump() {
      while (!finished.get() && out.isReady() && next <= last && !out.isCancelled()) {
        long h = next++;
        Block b = ahead != null ? ahead : chain.block(h).orElse(null);
        ahead = h < last ? chain.block(h + 1).orElse(null) : null;
        // The certificate of h that block h + 1 carries: the one the syncing node will find
        // again as that block's last_certificate, so it verifies one certificate per height.
        FinalityCertificate c =
            ahead != null && ahead.getBody().hasLastCertificate()
                ? ahead.getBody().getLastCertificate()
                : chain.certificate(h).orElse(null);
        if (b == null || c == null) {
          next = last + 1; // pruned or not there: end the stream rather than leave it hanging
          break;
        }
        out.onNext(SyncBlocksResponse.newBuilder().setBlock(b).setCertificate(c).build());
        progressAtNanos = System.nanoTime();
      }
      if (next > last && release()) {
        out.onCompleted();
      }
    }

    /** A reader that takes nothing for the stall limit holds a slot for nothing: cancel it. */
    private void checkProgress() {
      if (finished.get()) {
        watchdog.cancel(false);
        return;
      }
      if (System.nanoTime() - progressAtNanos > limits.syncServeStall().toNanos()) {
        synchronized (this) {
          if (release()) {
            LOG.info(
                () ->
                    "cancelling a SyncBlocks stream that read nothing for "
                        + limits.syncServeStall().toSeconds()
                        + " s");
            refused.accept("stalled");
            out.onError(
                Status.DEADLINE_EXCEEDED
                    .withDescription(
                        "the stream read nothing for " + limits.syncServeStall().toSeconds() + " s")
                    .asRuntimeException());
          }
        }
      }
    }

    /** True the first time: frees the slot. */
    private boolean release() {
      if (!finished.compareAndSet(false, true)) {
        return false;
      }
      if (watchdog != null) {
        watchdog.cancel(false);
      }
      ahead = null;
      serving.remove(key);
      streams.decrementAndGet();
      return true;
    }
  }
}
