package io.timecoin.node.peer;

import io.timecoin.proto.v1.PeerMessage;
import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The messages waiting for one peer, bounded in bytes, each also counted against the budget of all
 * peers' queues together. Not thread-safe: its connection calls it under its own lock.
 */
final class SendQueue {
  enum Offer {
    QUEUED,
    OVER_PEER_BOUND,
    OVER_BUDGET
  }

  private final ArrayDeque<PeerMessage> queue = new ArrayDeque<>();
  private final long max;
  private final SendBudget budget;
  private long bytes;

  SendQueue(long max, SendBudget budget) {
    this.max = max;
    this.budget = budget;
  }

  /** Queues {@code m} ({@code size} bytes) if it fits this peer's bound, then the shared budget. */
  Offer offer(PeerMessage m, int size) {
    if (bytes + size > max) {
      return Offer.OVER_PEER_BOUND;
    }
    if (!budget.take(m, size)) {
      return Offer.OVER_BUDGET;
    }
    queue.add(m);
    bytes += size;
    return Offer.QUEUED;
  }

  /** The next message to send, its bytes given back; null when none waits. */
  PeerMessage poll() {
    PeerMessage m = queue.poll();
    if (m != null) {
      int size = m.getSerializedSize();
      bytes -= size;
      budget.giveBack(m, size);
    }
    return m;
  }

  /** Sends while {@code ready} says the stream takes more: the failure that stopped it, or null. */
  RuntimeException sendWhile(BooleanSupplier ready, Consumer<PeerMessage> sink) {
    while (!queue.isEmpty() && ready.getAsBoolean()) {
      try {
        sink.accept(poll());
      } catch (RuntimeException e) {
        return e;
      }
    }
    return null;
  }

  int size() {
    return queue.size();
  }

  long bytes() {
    return bytes;
  }

  SendBudget budget() {
    return budget;
  }

  /** Forgets what was queued, giving its bytes back to the shared budget. */
  void clear() {
    for (PeerMessage m : queue) {
      budget.giveBack(m, m.getSerializedSize());
    }
    queue.clear();
    bytes = 0;
  }
}
