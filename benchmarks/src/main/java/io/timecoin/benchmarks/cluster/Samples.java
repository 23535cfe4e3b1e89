package io.timecoin.benchmarks.cluster;

import java.util.Arrays;

/** Durations in nanoseconds; p50, p99 and max. Thread-safe. */
final class Samples {
  private long[] values = new long[1024];
  private int count;

  synchronized void add(long nanos) {
    if (count == values.length) {
      values = Arrays.copyOf(values, count * 2);
    }
    values[count++] = nanos;
  }

  synchronized int count() {
    return count;
  }

  /** The {@code q} quantile (0.5, 0.99, 1) in milliseconds; NaN without samples. */
  synchronized double millis(double q) {
    if (count == 0) {
      return Double.NaN;
    }
    long[] sorted = Arrays.copyOf(values, count);
    Arrays.sort(sorted);
    int index =
        q >= 1
            ? count - 1
            : q == 0.5 ? count / 2 : (int) Math.min(count - 1, Math.ceil(count * q) - 1);
    return sorted[index] / 1e6;
  }

  String summary() {
    if (count() == 0) {
      return "no samples";
    }
    return String.format("p50 %.1f, p99 %.1f, max %.1f ms", millis(0.5), millis(0.99), millis(1));
  }
}
