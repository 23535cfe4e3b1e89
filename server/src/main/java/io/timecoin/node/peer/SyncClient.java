package io.timecoin.node.peer;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Catching up over SyncBlocks, one stream at a time ({@link SyncStream}), from a peer whose
 * verified messages prove it is ahead (never from what a peer merely claims). A source that sends
 * no block for the progress limit, or whose block the node refuses, is penalized and dropped, and
 * the next best peer is asked; sources that failed before are asked last.
 */
final class SyncClient {
  /**
   * After a stream fails, the next waits this long: a source that fails at once must not make a
   * loop.
   */
  private static final long RETRY_GAP_NANOS = 1_000_000_000L;

  /** How the network punishes a bad source: penalize it, then close its connection. */
  interface Punish {
    void drop(PeerConnection source, String label, String detail);
  }

  final String chainId;
  final PeerNetwork.Inbound inbound;
  final Function<String, ManagedChannel> channels;
  final ScheduledExecutorService timers;

  /**
   * Where the streams' callbacks run: they wait while the node applies what it has, never on a
   * network thread.
   */
  final Executor callbacks;

  final PeerLimits limits;
  final LogName logName;
  private final PeerNetwork.ChainReader chain;
  private final Supplier<Collection<PeerConnection>> peers;
  private final Punish punish;
  private SyncStream current;

  /** Failures per source key (bounded: the oldest entries go). */
  private final Map<ByteString, Integer> strikes =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ByteString, Integer> eldest) {
          return size() > 1_024;
        }
      };

  private long notBeforeNanos;

  SyncClient(
      String chainId,
      PeerNetwork.ChainReader chain,
      PeerNetwork.Inbound inbound,
      Function<String, ManagedChannel> channels,
      Supplier<Collection<PeerConnection>> peers,
      Punish punish,
      ScheduledExecutorService timers,
      Executor callbacks,
      PeerLimits limits,
      LogName logName) {
    this.chainId = chainId;
    this.chain = chain;
    this.inbound = inbound;
    this.channels = channels;
    this.peers = peers;
    this.punish = punish;
    this.timers = timers;
    this.callbacks = callbacks;
    this.limits = limits;
    this.logName = logName;
  }

  /** Starts a stream from the best source, unless one runs or none is known to be ahead. */
  void request() {
    SyncStream s;
    synchronized (this) {
      if (current != null || System.nanoTime() - notBeforeNanos < 0 || timers.isShutdown()) {
        return;
      }
      long tip = chain.tipHeight();
      PeerConnection best = null;
      for (PeerConnection p : peers.get()) {
        if (p.admitted()
            && p.direction == PeerConnection.Direction.OUTBOUND
            && p.verifiedHeight() > tip
            && (best == null || better(p, best))) {
          best = p;
        }
      }
      if (best == null) {
        return;
      }
      s = new SyncStream(this, best, tip + 1);
      current = s;
    }
    s.start();
  }

  private boolean better(PeerConnection p, PeerConnection than) {
    int a = strikes.getOrDefault(p.remoteKey, 0);
    int b = strikes.getOrDefault(than.remoteKey, 0);
    return a != b ? a < b : p.verifiedHeight() > than.verifiedHeight();
  }

  /**
   * The node refused a block of {@code source}: the stream's peer is penalized and dropped (once),
   * and another is asked.
   */
  void refused(SyncSource source, long height, String why) {
    if (source instanceof SyncStream s) {
      s.fail("sync_refused_block", "sent block " + height + ", refused: " + why);
    }
  }

  /**
   * A peer's stream closed: if it was the sync source, its sync ends now rather than at the
   * deadline.
   */
  void gone(PeerConnection peer) {
    SyncStream s;
    synchronized (this) {
      s = current != null && current.source == peer ? current : null;
    }
    if (s != null) {
      s.end(false);
      s.cancel("the source disconnected");
      request();
    }
  }

  /**
   * {@code s} ended: its slot is free for the next stream, at once or ({@code retryGap}) after a
   * pause.
   */
  synchronized void ended(SyncStream s, boolean retryGap) {
    if (current == s) {
      current = null;
    }
    if (retryGap) {
      notBeforeNanos = System.nanoTime() + RETRY_GAP_NANOS;
    }
  }

  /**
   * The source of a stream misbehaved: it is asked last from now on, penalized and dropped, and
   * another is asked.
   */
  void failed(PeerConnection source, String label, String detail) {
    strike(source);
    punish.drop(source, label, "sync source " + detail);
    request();
  }

  /** A source failed: it is asked after those that failed less. */
  synchronized void strike(PeerConnection source) {
    strikes.merge(source.remoteKey, 1, Integer::sum);
  }
}
