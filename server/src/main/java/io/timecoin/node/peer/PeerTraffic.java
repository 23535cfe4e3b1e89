package io.timecoin.node.peer;

import io.timecoin.proto.v1.PeerMessage;
import java.util.Collection;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What the network has sent since start, and what waits in its send queues now (for the gauges).
 */
final class PeerTraffic {
  /** The bytes waiting for all peers together, bounded. */
  final SendBudget budget;

  private final Supplier<Collection<PeerConnection>> peers;
  private final LongAdder sentMessages = new LongAdder();
  private final LongAdder sentBytes = new LongAdder();

  PeerTraffic(SendBudget budget, Supplier<Collection<PeerConnection>> peers) {
    this.budget = budget;
    this.peers = peers;
  }

  /** {@code sink}, counting each message it sends. */
  Consumer<PeerMessage> counted(Consumer<PeerMessage> sink) {
    return m -> {
      sink.accept(m);
      sentMessages.increment();
      sentBytes.add(m.getSerializedSize()); // protobuf caches the size computed to send it
    };
  }

  /** Messages sent to peers since start (every kind, relays included). */
  long sentMessages() {
    return sentMessages.sum();
  }

  /** Their protobuf bytes. */
  long sentBytes() {
    return sentBytes.sum();
  }

  /** Messages waiting in all peers' send queues. */
  int queued() {
    return peers.get().stream().mapToInt(PeerConnection::queued).sum();
  }

  /** Their bytes, summed over the queues (a message queued for several peers counts for each). */
  long queuedBytes() {
    return peers.get().stream().mapToLong(PeerConnection::queuedBytes).sum();
  }

  /** The heap those messages hold: each counted once, what the shared send budget bounds. */
  long held() {
    return budget.used();
  }
}
