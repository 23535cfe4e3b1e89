package io.timecoin.node.peer;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.timecoin.protocol.ErrorReasons;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.SyncBlocksRequest;
import io.timecoin.proto.v1.SyncBlocksResponse;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Catching up over SyncBlocks, one stream at a time, from a peer whose verified messages prove it
 * is ahead (never from what a peer merely claims). A source that sends no block for the progress
 * limit, or whose block the node refuses, is penalized and dropped, and the next best peer is
 * asked; sources that failed before are asked last.
 */
final class SyncClient {
  private static final Logger LOG = Logger.getLogger(SyncClient.class.getName());
  /** "node-0 ": which node logged a line (PeerNetwork.logAs); empty by default. */
  private volatile String logName = "";

  void logAs(String name) {
    this.logName = name + " ";
  }
  /** After a stream fails, the next waits this long: a source that fails at once must not make a loop. */
  private static final long RETRY_GAP_NANOS = 1_000_000_000L;

  /** How the network punishes a bad source: penalize it, then close its connection. */
  interface Punish {
    void drop(PeerConnection source, String label, String detail);
  }

  private final String chainId;
  private final PeerNetwork.ChainReader chain;
  private final PeerNetwork.Inbound inbound;
  private final Function<String, ManagedChannel> channels;
  private final Supplier<Collection<PeerConnection>> peers;
  private final Punish punish;
  private final ScheduledExecutorService timers;
  private final Executor callbacks;
  private final PeerNetwork.Limits limits;
  private Stream current;
  /** Failures per source key (bounded: the oldest entries go). */
  private final Map<ByteString, Integer> strikes = new LinkedHashMap<>(16, 0.75f, false) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<ByteString, Integer> eldest) {
      return size() > 1_024;
    }
  };
  private long notBeforeNanos;

  SyncClient(String chainId, PeerNetwork.ChainReader chain, PeerNetwork.Inbound inbound, Function<String, ManagedChannel> channels,
      Supplier<Collection<PeerConnection>> peers, Punish punish, ScheduledExecutorService timers, Executor callbacks,
      PeerNetwork.Limits limits) {
    this.chainId = chainId;
    this.chain = chain;
    this.inbound = inbound;
    this.channels = channels;
    this.peers = peers;
    this.punish = punish;
    this.timers = timers;
    this.callbacks = callbacks;
    this.limits = limits;
  }

  /** Starts a stream from the best source, unless one runs or none is known to be ahead. */
  void request() {
    Stream s;
    synchronized (this) {
      if (current != null || System.nanoTime() - notBeforeNanos < 0 || timers.isShutdown()) {
        return;
      }
      long tip = chain.tipHeight();
      PeerConnection best = null;
      for (PeerConnection p : peers.get()) {
        if (p.admitted() && p.direction == PeerConnection.Direction.OUTBOUND && p.verifiedHeight() > tip
            && (best == null || better(p, best))) {
          best = p;
        }
      }
      if (best == null) {
        return;
      }
      s = new Stream(best, tip + 1);
      current = s;
    }
    s.start();
  }

  private boolean better(PeerConnection p, PeerConnection than) {
    int a = strikes.getOrDefault(p.remoteKey, 0);
    int b = strikes.getOrDefault(than.remoteKey, 0);
    return a != b ? a < b : p.verifiedHeight() > than.verifiedHeight();
  }

  /** The node refused a block of {@code source}: the stream's peer is penalized and dropped (once), and another is asked. */
  void refused(SyncSource source, long height, String why) {
    if (source instanceof Stream s) {
      s.fail("sync_refused_block", "sent block " + height + ", refused: " + why);
    }
  }

  /** A peer's stream closed: if it was the sync source, its sync ends now rather than at the deadline. */
  void gone(PeerConnection peer) {
    Stream s;
    synchronized (this) {
      s = current != null && current.source == peer ? current : null;
    }
    if (s != null) {
      s.end(false);
      s.cancel("the source disconnected");
      request();
    }
  }

  synchronized boolean syncing() {
    return current != null;
  }

  private final class Stream implements ClientResponseObserver<SyncBlocksRequest, SyncBlocksResponse>, SyncSource {
    final PeerConnection source;
    final long from;
    private volatile long lastDelivered;
    private volatile long progressAtNanos = System.nanoTime();
    private volatile boolean inCallback;
    private volatile ClientCallStreamObserver<SyncBlocksRequest> call;
    private ScheduledFuture<?> watchdog;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicBoolean failed = new AtomicBoolean();

    Stream(PeerConnection source, long from) {
      this.source = source;
      this.from = from;
      this.lastDelivered = from - 1;
    }

    void start() {
      LOG.info(() -> logName + "catching up from height " + from + " with " + source + " (at " + source.verifiedHeight() + ")");
      long checkMs = Math.max(20, limits.syncProgress().toMillis() / 5);
      watchdog = timers.scheduleWithFixedDelay(this::checkProgress, checkMs, checkMs, TimeUnit.MILLISECONDS);
      PeerServiceGrpc.newStub(channels.apply(source.address)).withExecutor(callbacks)
          .syncBlocks(SyncBlocksRequest.newBuilder().setChainId(chainId).setFromHeight(from).build(), this);
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
        inbound.synced(r.getBlock(), r.getCertificate(), this);
      } finally {
        progressAtNanos = System.nanoTime();
        inCallback = false;
      }
    }

    @Override
    public void onError(Throwable t) {
      com.google.rpc.ErrorInfo info = PeerNetwork.errorInfo(t);
      if (info != null && info.getReason().equals(ErrorReasons.code(ErrorReason.ERROR_REASON_MALFORMED))) {
        // what it sent does not parse as the protocol's messages (an unknown field, say): it is a bad
        // source like one whose block is refused, not a broken link to retry
        fail("sync_malformed", "sent a malformed answer: " + Status.fromThrowable(t).getDescription());
        return;
      }
      if (end(true)) {
        LOG.info(() -> logName + "sync from " + source + " ended: " + Status.fromThrowable(t));
      }
    }

    @Override
    public void onCompleted() {
      if (end(false) && lastDelivered < from && source.verifiedHeight() >= from) {
        // its own votes say it has these blocks: a source that sends none is lying or broken
        strike(source);
        LOG.info(() -> logName + "sync source " + source + " sent no block although it voted at height " + (source.verifiedHeight() + 1));
      }
    }

    private void checkProgress() {
      if (ended.get()) {
        watchdog.cancel(false);
      } else if (!inCallback && System.nanoTime() - progressAtNanos > limits.syncProgress().toNanos()) {
        fail("sync_stall", "sent no block for " + limits.syncProgress().toMillis() + " ms");
      }
    }

    /** The source misbehaved: penalize and drop it, and ask another. */
    void fail(String label, String detail) {
      if (!failed.compareAndSet(false, true)) {
        return; // the blocks after a refused one are refused too: one penalty is enough
      }
      end(false); // no retry gap: the next source is asked at once
      cancel(detail);
      strike(source);
      punish.drop(source, label, "sync source " + detail);
      request();
    }

    void cancel(String why) {
      ClientCallStreamObserver<SyncBlocksRequest> c = call;
      if (c != null) {
        c.cancel(why, null);
      }
    }

    /** True the first time; frees the slot for the next stream. */
    boolean end(boolean failed) {
      if (!ended.compareAndSet(false, true)) {
        return false;
      }
      if (watchdog != null) {
        watchdog.cancel(false);
      }
      synchronized (SyncClient.this) {
        if (current == this) {
          current = null;
        }
        if (failed) {
          notBeforeNanos = System.nanoTime() + RETRY_GAP_NANOS;
        }
      }
      return true;
    }
  }

  private synchronized void strike(PeerConnection source) {
    strikes.merge(source.remoteKey, 1, Integer::sum);
  }
}
