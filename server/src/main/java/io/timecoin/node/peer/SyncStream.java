package io.timecoin.node.peer;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.SyncBlocksRequest;
import io.timecoin.proto.v1.SyncBlocksResponse;
import io.timecoin.protocol.ErrorReasons;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * One SyncBlocks stream of the {@link SyncClient}, from one source: hands its blocks to the node,
 * and fails the source if it sends nothing for the progress limit (the time the node takes to apply
 * a block does not count) or a malformed answer.
 */
final class SyncStream
    implements ClientResponseObserver<SyncBlocksRequest, SyncBlocksResponse>, SyncSource {
  private static final Logger LOG = Logger.getLogger(SyncStream.class.getName());

  private final SyncClient client;
  final PeerConnection source;
  private final long from;
  private volatile long lastDelivered;
  private volatile long progressAtNanos = System.nanoTime();
  private volatile boolean inCallback;
  private volatile ClientCallStreamObserver<SyncBlocksRequest> call;
  private ScheduledFuture<?> watchdog;
  private final AtomicBoolean ended = new AtomicBoolean();
  private final AtomicBoolean failed = new AtomicBoolean();

  SyncStream(SyncClient client, PeerConnection source, long from) {
    this.client = client;
    this.source = source;
    this.from = from;
    this.lastDelivered = from - 1;
  }

  void start() {
    LOG.info(
        () ->
            client.logName
                + "catching up from height "
                + from
                + " with "
                + source
                + " (at "
                + source.verifiedHeight()
                + ")");
    long checkMs = Math.max(20, client.limits.syncProgress().toMillis() / 5);
    watchdog =
        client.timers.scheduleWithFixedDelay(
            this::checkProgress, checkMs, checkMs, TimeUnit.MILLISECONDS);
    PeerServiceGrpc.newStub(client.channels.apply(source.address))
        .withExecutor(client.callbacks)
        .syncBlocks(
            SyncBlocksRequest.newBuilder().setChainId(client.chainId).setFromHeight(from).build(),
            this);
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<SyncBlocksRequest> call) {
    this.call = call;
  }

  @Override
  public void onNext(SyncBlocksResponse r) {
    if (ended.get()) {
      return;
    }
    inCallback = true; // the pipeline may hold this callback while the node applies: not a stall
    try {
      lastDelivered = r.getBlock().getHeader().getHeight();
      client.inbound.synced(r.getBlock(), r.getCertificate(), this);
    } finally {
      progressAtNanos = System.nanoTime();
      inCallback = false;
    }
  }

  @Override
  public void onError(Throwable t) {
    com.google.rpc.ErrorInfo info = Handshake.errorInfo(t);
    if (info != null
        && info.getReason().equals(ErrorReasons.code(ErrorReason.ERROR_REASON_MALFORMED))) {
      // what it sent does not parse as the protocol's messages (an unknown field, say): it is a bad
      // source like one whose block is refused, not a broken link to retry
      fail(
          "sync_malformed", "sent a malformed answer: " + Status.fromThrowable(t).getDescription());
      return;
    }
    if (end(true)) {
      LOG.info(() -> client.logName + "sync from " + source + " ended: " + Status.fromThrowable(t));
    }
  }

  @Override
  public void onCompleted() {
    if (end(false) && lastDelivered < from && source.verifiedHeight() >= from) {
      // its own votes say it has these blocks: a source that sends none is lying or broken
      client.strike(source);
      LOG.info(
          () ->
              client.logName
                  + "sync source "
                  + source
                  + " sent no block although it voted at height "
                  + (source.verifiedHeight() + 1));
    }
  }

  private void checkProgress() {
    if (ended.get()) {
      watchdog.cancel(false);
    } else if (!inCallback
        && System.nanoTime() - progressAtNanos > client.limits.syncProgress().toNanos()) {
      fail("sync_stall", "sent no block for " + client.limits.syncProgress().toMillis() + " ms");
    }
  }

  /** The source misbehaved: penalize and drop it, and ask another. */
  void fail(String label, String detail) {
    if (!failed.compareAndSet(false, true)) {
      return; // the blocks after a refused one are refused too: one penalty is enough
    }
    end(false); // no retry gap: the next source is asked at once
    cancel(detail);
    client.failed(source, label, detail);
  }

  void cancel(String why) {
    ClientCallStreamObserver<SyncBlocksRequest> c = call;
    if (c != null) {
      c.cancel(why, null);
    }
  }

  /**
   * True the first time; frees the slot for the next stream ({@code failed}: after the retry gap).
   */
  boolean end(boolean failed) {
    if (!ended.compareAndSet(false, true)) {
      return false;
    }
    if (watchdog != null) {
      watchdog.cancel(false);
    }
    client.ended(this, failed);
    return true;
  }
}
