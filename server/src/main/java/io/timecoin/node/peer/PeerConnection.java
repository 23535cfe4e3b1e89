package io.timecoin.node.peer;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.timecoin.proto.v1.PeerMessage;
import java.net.SocketAddress;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One peer's side of a Connect stream, whichever side dialed. Sending obeys gRPC flow control: a
 * message leaves only while the stream is ready, the rest wait in a queue bounded in bytes, and a
 * peer whose queue overflows cannot keep up and is dropped (the dialing side redials it with
 * backoff). However the stream ends, the network is told once, and forgets the peer at once.
 */
public final class PeerConnection {
  private static final Logger LOG = Logger.getLogger(PeerConnection.class.getName());

  enum Direction {
    INBOUND,
    OUTBOUND
  }

  final Direction direction;

  /** host:port, for logs and GetStatus. */
  final String address;

  /**
   * The remote socket of an inbound stream (what SyncBlocks calls are matched against); null when
   * dialed.
   */
  final SocketAddress remote;

  private final SendQueue queue;

  /**
   * Whom to drop when the shared budget is full: chosen by the network, which knows the validators.
   */
  private final UnaryOperator<PeerConnection> overBudget;

  /** Told once, outside this object's lock, when the stream ends, with the reason's label. */
  private final BiConsumer<PeerConnection, String> onClosed;

  private Consumer<PeerMessage> sink;
  private BooleanSupplier ready;
  private Consumer<StatusRuntimeException> closer;
  private volatile boolean closed;
  private volatile boolean admitted;
  volatile ByteString remoteKey;

  /** What its hello announced and its verified messages prove. */
  final PeerHeight height = new PeerHeight();

  /** Refused messages so far (counted from network threads and the consensus thread). */
  final AtomicInteger invalid = new AtomicInteger();

  /**
   * @param maxQueuedBytes the bytes waiting for this peer at most; beyond, it is dropped
   * @param budget the bytes waiting for all peers at most
   * @param overBudget given the sender, the peer to drop when a message does not fit the shared
   *     budget
   */
  PeerConnection(
      Direction direction,
      String address,
      SocketAddress remote,
      long maxQueuedBytes,
      SendBudget budget,
      UnaryOperator<PeerConnection> overBudget,
      BiConsumer<PeerConnection, String> onClosed) {
    this.direction = direction;
    this.address = address;
    this.remote = remote;
    this.queue = new SendQueue(maxQueuedBytes, budget);
    this.overBudget = overBudget;
    this.onClosed = onClosed;
  }

  /**
   * Binds the stream: how to send one message, whether it is ready, how to end it with a status.
   */
  synchronized void bind(
      Consumer<PeerMessage> sink, BooleanSupplier ready, Consumer<StatusRuntimeException> closer) {
    this.sink = sink;
    this.ready = ready;
    this.closer = closer;
  }

  /**
   * Queues a message and sends what flow control allows; false when the peer was dropped. A message
   * that would take this peer's queue over its bound drops this peer; one that would take all
   * queues over the shared budget drops whom {@link #overBudget} names (this peer, or one holding
   * more), until it fits.
   */
  boolean send(PeerMessage message) {
    int size = message.getSerializedSize();
    while (true) {
      SendQueue.Offer offer;
      synchronized (this) {
        if (closed) {
          return false;
        }
        offer = queue.offer(message, size);
        if (offer == SendQueue.Offer.OVER_PEER_BOUND) {
          endLocked(
              Status.CANCELLED
                  .withDescription(
                      "cannot keep up: "
                          + queue.bytes()
                          + " bytes in "
                          + queue.size()
                          + " messages queued")
                  .asRuntimeException(),
              true);
        }
      }
      if (offer == SendQueue.Offer.QUEUED) {
        break;
      }
      if (offer == SendQueue.Offer.OVER_PEER_BOUND) {
        onClosed.accept(this, "cannot_keep_up");
        return false;
      }
      PeerConnection victim = overBudget.apply(this);
      String detail =
          "cannot keep up: the send queues of all peers hold "
              + queue.budget().used()
              + " bytes, at most "
              + queue.budget().max();
      if (victim == null || victim == this) {
        close("cannot_keep_up", detail);
        return false;
      }
      victim.close("cannot_keep_up", detail); // its bytes are given back; try again
    }
    drain();
    return !closed;
  }

  /** Sends while the stream is ready; gRPC calls it again through onReady. */
  void drain() {
    RuntimeException failure;
    synchronized (this) {
      failure = closed || sink == null ? null : queue.sendWhile(ready, sink);
      if (failure != null) {
        endLocked(
            Status.CANCELLED.withDescription("send failed: " + failure).asRuntimeException(), true);
      }
    }
    if (failure != null) {
      onClosed.accept(this, "send_failed");
    }
  }

  /** Messages waiting to be sent. */
  synchronized int queued() {
    return queue.size();
  }

  /** Their bytes. */
  synchronized long queuedBytes() {
    return queue.bytes();
  }

  boolean isClosed() {
    return closed;
  }

  boolean admitted() {
    return admitted && !closed;
  }

  void markAdmitted() {
    height.admittedAtNanos = System.nanoTime();
    admitted = true;
  }

  /** The height this peer's verified messages prove it has finalized (0: none seen yet). */
  public long verifiedHeight() {
    return height.verified();
  }

  /**
   * Ends the stream, telling the peer why ({@code label}: the metric's, {@code detail}: the log's).
   */
  void close(String label, String detail) {
    close(label, Status.CANCELLED.withDescription(detail).asRuntimeException(), true);
  }

  /** Ends the stream with this status for the peer (a refused hello, say). */
  void close(String label, StatusRuntimeException status, boolean log) {
    boolean first;
    synchronized (this) {
      first = endLocked(status, log);
    }
    if (first) {
      onClosed.accept(this, label);
    }
  }

  /** The stream ended from the other side or the transport: nothing to tell the peer. */
  void ended(String label) {
    close(label, null, false);
  }

  /** True the first time; {@code status} (null: none) goes to the peer. */
  private boolean endLocked(StatusRuntimeException status, boolean log) {
    if (closed) {
      return false;
    }
    closed = true;
    queue.clear();
    if (log) {
      LogName.PEER_LOG.log(
          LOG,
          Level.INFO,
          () -> "dropping peer " + this + ": " + status.getStatus().getDescription());
    }
    if (closer != null && status != null) {
      try {
        closer.accept(status);
      } catch (RuntimeException ignored) {
        // the stream is already gone
      }
    }
    return true;
  }

  @Override
  public String toString() {
    ByteString k = remoteKey;
    return address
        + (k == null
            ? ""
            : "/" + HexFormat.of().formatHex(k.toByteArray(), 0, Math.min(4, k.size())));
  }
}
