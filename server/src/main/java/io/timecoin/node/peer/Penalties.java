package io.timecoin.node.peer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The refused messages counted against each peer (too many and it is dropped), and the peer layer's
 * counters.
 */
final class Penalties {
  /** A peer whose messages were refused this many times is disconnected. */
  static final int MAX_INVALID = 50;

  private final MeterRegistry metrics;
  private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();

  Penalties(MeterRegistry metrics) {
    this.metrics = metrics;
  }

  /**
   * Counts a refused message against {@code conn} under {@code label}; at {@link #MAX_INVALID} it
   * is disconnected.
   */
  void penalize(PeerConnection conn, String label, String detail) {
    if (conn == null) {
      return;
    }
    counter("timed_peer_penalties_total", "reason", label).increment();
    int n = conn.invalid.incrementAndGet();
    if (n >= MAX_INVALID) {
      conn.close("penalties", "sent " + n + " invalid messages, the last: " + detail);
    }
  }

  /** A source that sent what it must not (a bad sync stream): penalized, then dropped at once. */
  void drop(PeerConnection conn, String label, String detail) {
    penalize(conn, label, detail);
    conn.close(label, detail);
  }

  /** The counter of this name and tags, looked up once (the registry builds an id per lookup). */
  Counter counter(String name, String... tags) {
    List<String> key = new ArrayList<>(tags.length + 1);
    key.add(name);
    Collections.addAll(key, tags);
    return counters.computeIfAbsent(key, k -> metrics.counter(name, tags));
  }
}
