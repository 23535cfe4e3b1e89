package io.timecoin.sdk;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A test subscriber: records what it gets; requests {@code initial} on subscribe. */
final class Collector implements Flow.Subscriber<VerifiedBlock> {
  final BlockingQueue<VerifiedBlock> items = new LinkedBlockingQueue<>();
  final CompletableFuture<Throwable> terminated = new CompletableFuture<>();
  final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();
  private final long initial;

  Collector(long initial) {
    this.initial = initial;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription.complete(s);
    if (initial > 0) {
      s.request(initial);
    }
  }

  @Override
  public void onNext(VerifiedBlock item) {
    items.add(item);
  }

  @Override
  public void onError(Throwable t) {
    terminated.complete(t);
  }

  @Override
  public void onComplete() {
    terminated.complete(null);
  }

  /** The heights of the next {@code n} blocks, waiting up to {@code timeout} for each. */
  List<Long> heights(int n, Duration timeout) throws InterruptedException {
    List<Long> heights = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      VerifiedBlock b = items.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (b == null) {
        throw new AssertionError(
            "only " + heights + " arrived; terminated: " + terminated.getNow(null));
      }
      heights.add(b.height());
    }
    return heights;
  }

  Flow.Subscription subscription() throws Exception {
    return subscription.get(5, TimeUnit.SECONDS);
  }
}
