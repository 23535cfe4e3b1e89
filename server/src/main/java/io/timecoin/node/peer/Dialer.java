package io.timecoin.node.peer;

import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.ConnectResponse;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.PeerServiceGrpc;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The dialing side: keeps a Connect stream to each configured address, redialing with backoff (1 s
 * doubling to 10 s, 1 s after an admitted stream ends), and holds one channel per address, which
 * the sync client's streams share.
 */
final class Dialer {
  private static final Logger LOG = Logger.getLogger(Dialer.class.getName());

  /**
   * Makes the channel to a host:port, without retries: a broken stream is torn down and redialed,
   * not replayed.
   */
  private final Function<String, ManagedChannel> dial;

  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Handshake handshake;
  private final ConnectStreams streams;
  private final PeerRegistry registry;
  private final ScheduledExecutorService timers;

  /** Whether the network is stopping. */
  private final BooleanSupplier closed;

  private final LogName logName;

  Dialer(
      Function<String, ManagedChannel> dial,
      Handshake handshake,
      ConnectStreams streams,
      PeerRegistry registry,
      ScheduledExecutorService timers,
      BooleanSupplier closed,
      LogName logName) {
    this.dial = dial;
    this.handshake = handshake;
    this.streams = streams;
    this.registry = registry;
    this.timers = timers;
    this.closed = closed;
    this.logName = logName;
  }

  /** Keeps a connection to each address. */
  void dial(List<String> addresses) {
    for (String address : addresses) {
      timers.execute(() -> connect(address, 1_000));
    }
  }

  /** The channel to this address, made once. */
  ManagedChannel channel(String address) {
    return channels.computeIfAbsent(address, dial);
  }

  private void connect(String address, long backoffMs) {
    if (closed.getAsBoolean()) {
      return;
    }
    // already connected to whoever is at this address (say, through its own dial)? check again
    // later
    if (registry.connectedAt(address)) {
      timers.schedule(() -> connect(address, 1_000), 5, TimeUnit.SECONDS);
      return;
    }
    PeerConnection conn = streams.open(PeerConnection.Direction.OUTBOUND, address, null);
    AtomicBoolean ended = new AtomicBoolean();
    Runnable again =
        () -> {
          if (ended.compareAndSet(false, true) && !closed.getAsBoolean()) {
            conn.ended("stream_ended");
            boolean wasAdmitted = conn.remoteKey != null;
            timers.schedule(
                () -> connect(address, wasAdmitted ? 1_000 : Math.min(backoffMs * 2, 10_000)),
                wasAdmitted ? 1_000 : backoffMs,
                TimeUnit.MILLISECONDS);
          }
        };
    Handshake.Dialer hs = handshake.dialer();
    PeerServiceGrpc.newStub(channel(address))
        .connect(
            new ClientResponseObserver<ConnectRequest, ConnectResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<ConnectRequest> requests) {
                streams.bind(
                    conn,
                    m -> requests.onNext(ConnectRequest.newBuilder().setMessage(m).build()),
                    requests::isReady,
                    status -> requests.cancel(status.getStatus().getDescription(), null));
                requests.setOnReadyHandler(conn::drain);
              }

              @Override
              public void onNext(ConnectResponse response) {
                streams.received(conn, hs::next, response.getMessage());
              }

              @Override
              public void onError(Throwable t) {
                Status s = Status.fromThrowable(t);
                if (s.getCode() == Status.Code.FAILED_PRECONDITION
                    || s.getCode() == Status.Code.UNAUTHENTICATED) {
                  ErrorInfo info = Handshake.errorInfo(t);
                  LOG.warning(
                      logName
                          + "peer "
                          + address
                          + " refused this node: "
                          + (info == null ? "" : info.getReason() + ": ")
                          + s.getDescription());
                } else if (conn.remoteKey != null) {
                  LOG.log(Level.FINE, logName + "stream to " + address + " ended: " + s);
                }
                again.run();
              }

              @Override
              public void onCompleted() {
                again.run();
              }
            });
    streams.deadline(conn);
    conn.send(PeerMessage.newBuilder().setHello(hs.first()).build());
  }

  /** Closes every channel (the network is stopping). */
  void close() {
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
  }
}
