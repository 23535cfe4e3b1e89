package io.timecoin.node.peer;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.PeerMessage;
import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * One peer's side of a Connect stream, whichever side dialed. Sending obeys gRPC flow control: a
 * message leaves only while the stream is ready, the rest wait in a bounded queue, and a peer whose
 * queue overflows cannot keep up and is dropped (the dialing side redials it with backoff).
 */
public final class PeerConnection {
  private static final Logger LOG = Logger.getLogger(PeerConnection.class.getName());

  enum Direction { INBOUND, OUTBOUND }

  final Direction direction;
  final String address;
  private final int maxQueued;
  private final ArrayDeque<PeerMessage> queue = new ArrayDeque<>();
  private Consumer<PeerMessage> sink;
  private BooleanSupplier ready;
  private Consumer<String> closer;
  private boolean closed;
  volatile ByteString remoteKey;
  volatile long remoteHeight;
  volatile int invalid;

  PeerConnection(Direction direction, String address, int maxQueued) {
    this.direction = direction;
    this.address = address;
    this.maxQueued = maxQueued;
  }

  /** Binds the stream: how to send one message, whether it is ready, how to close it with a reason. */
  synchronized void bind(Consumer<PeerMessage> sink, BooleanSupplier ready, Consumer<String> closer) {
    this.sink = sink;
    this.ready = ready;
    this.closer = closer;
  }

  /** Queues a message and sends what flow control allows; false when the peer was dropped. */
  boolean send(PeerMessage message) {
    synchronized (this) {
      if (closed) {
        return false;
      }
      if (queue.size() >= maxQueued) {
        closeLocked("cannot keep up: " + queue.size() + " messages queued");
        return false;
      }
      queue.add(message);
    }
    drain();
    return true;
  }

  /** Sends while the stream is ready; gRPC calls it again through onReady. */
  synchronized void drain() {
    while (!closed && sink != null && !queue.isEmpty() && ready.getAsBoolean()) {
      try {
        sink.accept(queue.poll());
      } catch (RuntimeException e) {
        closeLocked("send failed: " + e.getMessage());
      }
    }
  }

  synchronized int queued() {
    return queue.size();
  }

  synchronized boolean isClosed() {
    return closed;
  }

  /** Ends the stream with a reason (logged here, told to the peer where the transport allows). */
  synchronized void close(String reason) {
    closeLocked(reason);
  }

  /** Ends a redundant stream without a word in the log. */
  synchronized void closeQuietly() {
    if (!closed) {
      closed = true;
      queue.clear();
      if (closer != null) {
        try {
          closer.accept("duplicate connection");
        } catch (RuntimeException ignored) {
          // already gone
        }
      }
    }
  }

  /** The stream ended from the other side or the transport. */
  synchronized void markClosed() {
    closed = true;
    queue.clear();
  }

  private void closeLocked(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    queue.clear();
    LOG.info(() -> "dropping peer " + this + ": " + reason);
    if (closer != null) {
      try {
        closer.accept(reason);
      } catch (RuntimeException ignored) {
        // the stream is already gone
      }
    }
  }

  @Override
  public String toString() {
    ByteString k = remoteKey;
    return address + (k == null ? "" : "/" + java.util.HexFormat.of().formatHex(k.toByteArray(), 0, 4));
  }
}
