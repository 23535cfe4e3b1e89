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
 * SubscribeFinalized (PROTOCOL.md 7): every finalized block from any height, in order, without gaps.
 *
 * <p>One rule serves history and live blocks alike, so there is no seam between them: a subscriber
 * has a cursor (the next height it needs) and is sent every block from the cursor up to the
 * finalized tip, from a cache of the newest blocks (bounded in bytes: at 4 MiB a block, 256 of them
 * would be 1 GiB) or else from storage, as fast as its stream
 * accepts them (gRPC flow control: {@code isReady}). The consensus thread only moves the tip and
 * wakes subscribers; it never waits for one. A subscriber that had caught up and then falls more
 * than {@code maxLag} blocks behind is closed with RESOURCE_EXHAUSTED (reason SLOW_SUBSCRIBER): it
 * resumes by subscribing again from its next height. Idle streams get a KeepAlive every
 * {@code keepAliveMs}.
 */
final class FinalizedFeed implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(FinalizedFeed.class.getName());
  /** The most blocks cached, however small (the byte bound is the one that matters for large blocks). */
  private static final int CACHED = 256;

  private final ChainStore chain;
  private final int maxSubscribers;
  private final long maxLag;
  private final long keepAliveMs;
  private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
  private final AtomicInteger count = new AtomicInteger();
  /** The newest blocks, by height: written on the consensus thread, read by the senders. */
  private final Map<Long, SubscribeFinalizedResponse> recent = new ConcurrentHashMap<>();
  private final ArrayDeque<SubscribeFinalizedResponse> recentOrder = new ArrayDeque<>(); // consensus thread only
  private final long maxCachedBytes;
  private volatile long cachedBytes; // written on the consensus thread only
  private final ExecutorService senders = Executors.newFixedThreadPool(2, Node.daemon("finalized-feed"));
  private final ScheduledExecutorService keepAlives = Executors.newSingleThreadScheduledExecutor(Node.daemon("finalized-keepalive"));
  private volatile long tip;
  private final java.util.concurrent.atomic.LongAdder slowClosed = new java.util.concurrent.atomic.LongAdder(); // sender threads add

  /**
   * {@code maxCachedBytes}: the most bytes of recent blocks kept in memory (subscribers further
   * behind read from storage); {@code fatal}: told if the keep-alive task fails.
   */
  FinalizedFeed(ChainStore chain, int maxSubscribers, long maxLag, long keepAliveMs, long maxCachedBytes, FailStop.Fatal fatal) {
    this.chain = chain;
    this.maxCachedBytes = maxCachedBytes;
    this.maxSubscribers = maxSubscribers;
    this.maxLag = maxLag;
    this.keepAliveMs = keepAliveMs;
    this.tip = chain.tipHeight();
    keepAlives.scheduleWithFixedDelay(FailStop.guarded("the subscriptions' keep-alive", this::keepAlive, fatal),
        keepAliveMs, keepAliveMs, TimeUnit.MILLISECONDS);
  }

  /** A block was stored (called on the consensus thread): cache it, move the tip, wake the subscribers. */
  void published(Block block, FinalityCertificate certificate, RewardBreakdown reward) {
    long height = block.getHeader().getHeight();
    cache(height, message(block, certificate, reward));
    tip = height; // after the cache: a sender that sees the tip finds the block cached or stored
    for (Subscriber s : subscribers) {
      s.wake();
    }
  }

  /** Starts a subscription at {@code fromHeight} (0 and 1 both mean the first block after genesis). */
  void subscribe(long fromHeight, ServerCallStreamObserver<SubscribeFinalizedResponse> out) {
    if (count.incrementAndGet() > maxSubscribers) {
      count.decrementAndGet();
      out.onError(ApiErrors.of(Status.Code.RESOURCE_EXHAUSTED, ErrorReason.ERROR_REASON_TOO_MANY_STREAMS,
          "this node serves at most " + maxSubscribers + " subscriptions; try another node or later"));
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

  /** Caches the newest block, dropping the oldest beyond the bounds (a block above the byte bound alone is not cached). */
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
    Block block = chain.blockAt(height).orElseThrow(() -> new StorageException("block " + height + " is missing"));
    FinalityCertificate cert = chain.certificateAt(height).orElseThrow(() -> new StorageException("certificate " + height + " is missing"));
    return message(block, cert, chain.rewardAt(height).orElse(RewardBreakdown.getDefaultInstance()));
  }

  private static SubscribeFinalizedResponse message(Block block, FinalityCertificate cert, RewardBreakdown reward) {
    return SubscribeFinalizedResponse.newBuilder()
        .setBlock(FinalizedBlock.newBuilder().setBlock(block).setCertificate(cert).setReward(reward)).build();
  }

  private void keepAlive() {
    long now = System.currentTimeMillis();
    for (Subscriber s : subscribers) {
      if (now - s.lastSentMs >= keepAliveMs) {
        s.keepAliveDue = true;
        s.wake();
      }
    }
  }

  /** One stream. {@link #drain} runs on one sender thread at a time (the {@code scheduled} flag). */
  private final class Subscriber {
    private final ServerCallStreamObserver<SubscribeFinalizedResponse> out;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private long next;
    private boolean live;
    private volatile boolean closed;
    private volatile boolean keepAliveDue;
    private volatile long lastSentMs = System.currentTimeMillis();

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
      try {
        while (!closed && out.isReady() && next <= tip) {
          out.onNext(load(next));
          next++;
          lastSentMs = System.currentTimeMillis();
          keepAliveDue = false;
        }
        if (closed) {
          return;
        }
        if (next > tip) {
          live = true;
          if (keepAliveDue && out.isReady()) {
            keepAliveDue = false;
            lastSentMs = System.currentTimeMillis();
            out.onNext(SubscribeFinalizedResponse.newBuilder().setKeepAlive(KeepAlive.newBuilder()
                .setFinalizedHeight(tip).setTimestampMs(lastSentMs)).build());
          }
        } else if (live && tip - next >= maxLag) {
          slowClosed.increment();
          close(ApiErrors.of(Status.Code.RESOURCE_EXHAUSTED, ErrorReason.ERROR_REASON_SLOW_SUBSCRIBER,
              "the subscriber fell " + (tip - next) + " blocks behind; subscribe again from height " + next));
          return;
        }
      } catch (StorageException | RuntimeException e) {
        LOG.warning("a finalized-block subscription failed at height " + next + ": " + e.getMessage());
        close(Status.INTERNAL.withDescription("cannot read block " + next + ": " + e.getMessage()).asRuntimeException());
        return;
      } finally {
        scheduled.set(false);
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
      return true;
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
