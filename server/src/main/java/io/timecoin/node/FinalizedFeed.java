package io.timecoin.node;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.FinalizedBlock;
import io.timecoin.proto.v1.KeepAlive;
import io.timecoin.proto.v1.RewardBreakdown;
import io.timecoin.proto.v1.SubscribeFinalizedResponse;
import io.timecoin.storage.ChainStore;
import io.timecoin.storage.StorageException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * SubscribeFinalized (docs/protocol.md 7): every finalized block from any height, in order, without
 * gaps.
 *
 * <p>One rule serves history and live blocks alike, so there is no seam between them: a subscriber
 * has a cursor (the next height it needs) and is sent every block from the cursor up to the
 * finalized tip, from a cache of the newest blocks (bounded in bytes: at 4 MiB a block, 256 of them
 * would be 1 GiB) or else from storage, as fast as its stream accepts them (gRPC flow control:
 * {@code isReady}). The consensus thread only moves the tip and wakes subscribers; it never waits
 * for one. A subscriber that had caught up and then falls more than {@code maxLag} blocks behind is
 * closed with RESOURCE_EXHAUSTED (reason SLOW_SUBSCRIBER): it resumes by subscribing again from its
 * next height. Idle streams get a KeepAlive every {@code keepAliveMs}.
 *
 * <p>A block handed to a stream stays in its transport's buffers until the client reads it, so what
 * the streams hold is bounded too: each holds the bytes of its last block until it is ready again,
 * all together at most {@code maxSendingBytes}; a stream that would exceed it waits its turn, and
 * one that holds a block unread for {@code stallMs} is closed as SLOW_SUBSCRIBER (else a few
 * clients that never read could hold the whole budget).
 */
final class FinalizedFeed implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(FinalizedFeed.class.getName());

  /**
   * The most blocks cached, however small (the byte bound is the one that matters for large
   * blocks).
   */
  private static final int CACHED = 256;

  private final ChainStore chain;
  private final int maxSubscribers;
  private final long maxLag;
  private final long keepAliveMs;
  private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
  private final AtomicInteger count = new AtomicInteger();

  /** The newest blocks, by height: written on the consensus thread, read by the senders. */
  private final Map<Long, SubscribeFinalizedResponse> recent = new ConcurrentHashMap<>();

  private final ArrayDeque<SubscribeFinalizedResponse> recentOrder =
      new ArrayDeque<>(); // consensus thread only
  private final long maxCachedBytes;
  private volatile long cachedBytes; // written on the consensus thread only

  /** Bytes handed to the streams and maybe not yet written out. */
  private final ByteBudget sending;

  private final long stallMs;

  /** Subscribers waiting for room in {@link #sending}, in turn. */
  private final java.util.concurrent.ConcurrentLinkedQueue<Subscriber> waiters =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  private final ExecutorService senders =
      Executors.newFixedThreadPool(2, DaemonThreads.named("finalized-feed"));
  private final ScheduledExecutorService keepAlives =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("finalized-keepalive"));
  private volatile long tip;
  private final java.util.concurrent.atomic.LongAdder slowClosed =
      new java.util.concurrent.atomic.LongAdder(); // sender threads add

  /**
   * {@code maxCachedBytes}: the most bytes of recent blocks kept in memory (subscribers further
   * behind read from storage); {@code maxSendingBytes}: the most bytes all streams hold unread;
   * {@code stallMs}: how long a stream may hold a block unread; {@code fatal}: told if the
   * keep-alive task fails.
   */
  FinalizedFeed(
      ChainStore chain,
      int maxSubscribers,
      long maxLag,
      long keepAliveMs,
      long maxCachedBytes,
      long maxSendingBytes,
      long stallMs,
      FailStop.Fatal fatal) {
    this.chain = chain;
    this.maxCachedBytes = maxCachedBytes;
    this.sending = new ByteBudget(maxSendingBytes);
    this.stallMs = stallMs;
    this.maxSubscribers = maxSubscribers;
    this.maxLag = maxLag;
    this.keepAliveMs = keepAliveMs;
    this.tip = chain.tipHeight();
    keepAlives.scheduleWithFixedDelay(
        FailStop.guarded("the subscriptions' keep-alive", this::keepAlive, fatal),
        keepAliveMs,
        keepAliveMs,
        TimeUnit.MILLISECONDS);
  }

  /**
   * A block was stored (called on the consensus thread): cache it, move the tip, wake the
   * subscribers.
   */
  void published(Block block, FinalityCertificate certificate, RewardBreakdown reward) {
    long height = block.getHeader().getHeight();
    cache(height, message(block, certificate, reward));
    tip = height; // after the cache: a sender that sees the tip finds the block cached or stored
    for (Subscriber s : subscribers) {
      s.wake();
    }
  }

  /**
   * Starts a subscription at {@code fromHeight} (0 and 1 both mean the first block after genesis).
   */
  void subscribe(long fromHeight, ServerCallStreamObserver<SubscribeFinalizedResponse> out) {
    if (count.incrementAndGet() > maxSubscribers) {
      count.decrementAndGet();
      out.onError(
          ApiErrors.of(
              Status.Code.RESOURCE_EXHAUSTED,
              ErrorReason.ERROR_REASON_TOO_MANY_STREAMS,
              "this node serves at most "
                  + maxSubscribers
                  + " subscriptions; try another node or later"));
      return;
    }
    Subscriber s = new Subscriber(Math.max(1, fromHeight), out);
    out.setOnCancelHandler(s::cancelled);
    out.setOnReadyHandler(s::wake);
    subscribers.add(s);
    s.wake();
  }

  int subscriberCount() {
    return count.get();
  }

  long slowClosed() {
    return slowClosed.sum();
  }

  /**
   * Caches the newest block, dropping the oldest beyond the bounds (a block above the byte bound
   * alone is not cached).
   */
  private void cache(long height, SubscribeFinalizedResponse message) {
    long size = message.getSerializedSize();
    long bytes = cachedBytes;
    if (size <= maxCachedBytes) {
      recent.put(height, message);
      recentOrder.addLast(message);
      bytes += size;
    }
    while (!recentOrder.isEmpty() && (bytes > maxCachedBytes || recentOrder.size() > CACHED)) {
      SubscribeFinalizedResponse oldest = recentOrder.removeFirst();
      recent.remove(oldest.getBlock().getBlock().getHeader().getHeight());
      bytes -= oldest.getSerializedSize();
    }
    cachedBytes = bytes;
  }

  /** Bytes the streams hold unread. */
  long sendingBytes() {
    return sending.used();
  }

  /** Wakes the next subscriber waiting for room. */
  private void passOn() {
    Subscriber s = waiters.poll();
    if (s != null) {
      s.queued.set(false);
      s.wokenForRoom = true;
      s.wake();
    }
  }

  /** Bytes of blocks cached. */
  long cachedBytes() {
    return cachedBytes;
  }

  /** Blocks cached. */
  int cachedBlocks() {
    return recent.size();
  }

  private SubscribeFinalizedResponse load(long height) throws StorageException {
    SubscribeFinalizedResponse cached = recent.get(height);
    if (cached != null) {
      return cached;
    }
    Block block =
        chain
            .blockAt(height)
            .orElseThrow(() -> new StorageException("block " + height + " is missing"));
    FinalityCertificate cert =
        chain
            .certificateAt(height)
            .orElseThrow(() -> new StorageException("certificate " + height + " is missing"));
    return message(
        block, cert, chain.rewardAt(height).orElse(RewardBreakdown.getDefaultInstance()));
  }

  private static SubscribeFinalizedResponse message(
      Block block, FinalityCertificate cert, RewardBreakdown reward) {
    return SubscribeFinalizedResponse.newBuilder()
        .setBlock(
            FinalizedBlock.newBuilder().setBlock(block).setCertificate(cert).setReward(reward))
        .build();
  }

  private void keepAlive() {
    long now = System.currentTimeMillis();
    for (Subscriber s : subscribers) {
      if (s.held.get() > 0 && now - s.heldSinceMs >= stallMs && !s.out.isReady()) {
        s.stalled = true; // closed by its drain: only one thread at a time may write to a stream
        s.wake();
      } else if (now - s.lastSentMs >= keepAliveMs) {
        s.keepAliveDue = true;
        s.wake();
      }
    }
  }

  /**
   * One stream. {@link #drain} runs on one sender thread at a time (the {@code scheduled} flag).
   */
  private final class Subscriber {
    private final ServerCallStreamObserver<SubscribeFinalizedResponse> out;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private long next;
    private boolean live;
    private volatile boolean closed;
    private volatile boolean keepAliveDue;
    private volatile long lastSentMs = System.currentTimeMillis();

    /**
     * Bytes of the last block handed to the stream, while it may still hold them (0 once it is
     * ready again).
     */
    private final java.util.concurrent.atomic.AtomicLong held =
        new java.util.concurrent.atomic.AtomicLong();

    private volatile long heldSinceMs;
    private volatile boolean stalled;
    private volatile boolean wokenForRoom; // its turn to try the budget: passed on if not used
    private final AtomicBoolean queued = new AtomicBoolean(); // in waiters

    Subscriber(long next, ServerCallStreamObserver<SubscribeFinalizedResponse> out) {
      this.next = next;
      this.out = out;
    }

    void wake() {
      if (!closed && scheduled.compareAndSet(false, true)) {
        try {
          senders.execute(this::drain);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
          scheduled.set(false); // the feed is closing: its streams end with the node
        }
      }
    }

    private void drain() {
      boolean turn = wokenForRoom;
      wokenForRoom = false;
      try {
        if (stalled) {
          slowClosed.increment();
          close(
              ApiErrors.of(
                  Status.Code.RESOURCE_EXHAUSTED,
                  ErrorReason.ERROR_REASON_SLOW_SUBSCRIBER,
                  "the subscriber read nothing for "
                      + stallMs
                      + " ms; subscribe again from height "
                      + next));
          return;
        }
        while (!closed && out.isReady() && next <= tip) {
          release(); // ready again: what the stream held has been written out
          SubscribeFinalizedResponse message = load(next);
          long size = Math.min(message.getSerializedSize(), sending.limit());
          turn = false;
          if (!sending.tryTake(size)) {
            if (queued.compareAndSet(false, true)) {
              waiters.add(this);
            }
            if (sending.used() + size <= sending.limit()) {
              passOn(); // room came back meanwhile: whoever is first in line tries again
            }
            return;
          }
          held.set(size);
          heldSinceMs = System.currentTimeMillis();
          if (!waiters.isEmpty() && sending.used() < sending.limit()) {
            passOn(); // room left: the next in line may fit
          }
          out.onNext(message);
          next++;
          lastSentMs = System.currentTimeMillis();
          keepAliveDue = false;
        }
        if (closed) {
          return;
        }
        if (out.isReady()) {
          release();
        }
        if (next > tip) {
          live = true;
          if (keepAliveDue && out.isReady()) {
            keepAliveDue = false;
            lastSentMs = System.currentTimeMillis();
            out.onNext(
                SubscribeFinalizedResponse.newBuilder()
                    .setKeepAlive(
                        KeepAlive.newBuilder().setFinalizedHeight(tip).setTimestampMs(lastSentMs))
                    .build());
          }
        } else if (live && tip - next >= maxLag) {
          slowClosed.increment();
          close(
              ApiErrors.of(
                  Status.Code.RESOURCE_EXHAUSTED,
                  ErrorReason.ERROR_REASON_SLOW_SUBSCRIBER,
                  "the subscriber fell "
                      + (tip - next)
                      + " blocks behind; subscribe again from height "
                      + next));
          return;
        }
      } catch (StorageException | RuntimeException e) {
        LOG.warning(
            "a finalized-block subscription failed at height " + next + ": " + e.getMessage());
        close(
            Status.INTERNAL
                .withDescription("cannot read block " + next + ": " + e.getMessage())
                .asRuntimeException());
        return;
      } finally {
        scheduled.set(false);
        if (turn) {
          passOn(); // woken for room it did not need: the next in line has it
        }
      }
      if (!closed && next <= tip && out.isReady()) {
        wake(); // the tip moved, or the stream became ready, while this drain was finishing
      }
    }

    private void close(Throwable status) {
      if (cancelled()) {
        try {
          out.onError(status);
        } catch (RuntimeException ignored) {
          // the call was cancelled meanwhile
        }
      }
    }

    /** Removes the subscription once; true the first time. */
    boolean cancelled() {
      if (closed) {
        return false;
      }
      closed = true;
      if (subscribers.remove(this)) {
        count.decrementAndGet();
      }
      waiters.remove(this);
      release();
      if (wokenForRoom) {
        passOn(); // its turn, unused: the next in line has it
      }
      return true;
    }

    /** Gives back what the stream held (once: it is written out, or the stream is gone). */
    private void release() {
      long bytes = held.getAndSet(0);
      if (bytes > 0) {
        sending.give(bytes);
        passOn();
      }
    }
  }

  @Override
  public void close() {
    keepAlives.shutdownNow();
    senders.shutdownNow();
    for (Subscriber s : subscribers) {
      s.close(Status.UNAVAILABLE.withDescription("the node is stopping").asRuntimeException());
    }
  }
}
