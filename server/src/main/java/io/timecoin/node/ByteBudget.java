package io.timecoin.node;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes a queue or buffer may hold (serialized sizes of what waits in it): what does not fit is
 * refused by the caller (OVERLOADED, a dropped message), so memory stays bounded whatever the
 * count.
 */
final class ByteBudget {
  private final long limit;
  private final AtomicLong used = new AtomicLong();

  ByteBudget(long limit) {
    this.limit = limit;
  }

  /** Takes {@code bytes} of the budget; false (and nothing taken) when they do not fit. */
  boolean tryTake(long bytes) {
    if (used.addAndGet(bytes) > limit) {
      used.addAndGet(-bytes);
      return false;
    }
    return true;
  }

  void give(long bytes) {
    used.addAndGet(-bytes);
  }

  long used() {
    return used.get();
  }

  long limit() {
    return limit;
  }
}
