package io.timecoin.node.peer;

import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.Hello;
import io.timecoin.proto.v1.PeerMessage;
import java.net.SocketAddress;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Each Connect stream, whichever side dialed it, from its connection to its end: hellos only until
 * the handshake admits the peer (in time, or the stream is closed), its messages to gossip after;
 * when it ends, the peer is forgotten at once.
 */
final class ConnectStreams {
  private static final Logger LOG = Logger.getLogger(ConnectStreams.class.getName());

  private final PeerRegistry registry;
  private final Gossip gossip;
  private final Penalties penalties;
  private final PeerTraffic traffic;
  private final PeerLimits limits;
  private final ScheduledExecutorService timers;

  /** Whether the network is stopping. */
  private final BooleanSupplier closed;

  /** Told of each admitted peer whose stream ended (the sync client, whose source it may be). */
  private final Consumer<PeerConnection> gone;

  private final LogName logName;

  ConnectStreams(
      PeerRegistry registry,
      Gossip gossip,
      Penalties penalties,
      PeerTraffic traffic,
      PeerLimits limits,
      ScheduledExecutorService timers,
      BooleanSupplier closed,
      Consumer<PeerConnection> gone,
      LogName logName) {
    this.registry = registry;
    this.gossip = gossip;
    this.penalties = penalties;
    this.traffic = traffic;
    this.limits = limits;
    this.timers = timers;
    this.closed = closed;
    this.gone = gone;
    this.logName = logName;
  }

  /** A connection for a new stream, bound to it with {@link #bind}. */
  PeerConnection open(PeerConnection.Direction direction, String address, SocketAddress remote) {
    return new PeerConnection(
        direction,
        address,
        remote,
        limits.maxQueuedBytes(),
        traffic.budget,
        registry::overBudget,
        this::ended);
  }

  /**
   * Binds {@code conn} to its stream (see {@link PeerConnection#bind}); what it sends is counted.
   */
  void bind(
      PeerConnection conn,
      Consumer<PeerMessage> sink,
      BooleanSupplier ready,
      Consumer<StatusRuntimeException> closer) {
    conn.bind(traffic.counted(sink), ready, closer);
  }

  /**
   * A message before admission must be the next hello of the handshake ({@code handshakeStep});
   * after, it goes to gossip.
   */
  void received(PeerConnection conn, Function<Hello, Handshake.Step> handshakeStep, PeerMessage m) {
    if (conn.isClosed()) {
      return;
    }
    if (conn.admitted()) {
      gossip.received(conn, m);
      return;
    }
    Handshake.Step step =
        m.hasHello()
            ? handshakeStep.apply(m.getHello())
            : Handshake.Step.refuse(
                Handshake.refusal(
                    ErrorReason.ERROR_REASON_MALFORMED,
                    "nothing but hellos before the handshake is done"));
    if (step.refusal() != null) {
      ErrorInfo info = Handshake.errorInfo(step.refusal());
      LogName.PEER_LOG.log(
          LOG,
          Level.WARNING,
          () ->
              logName
                  + "refused peer "
                  + conn.address
                  + ": "
                  + (info == null ? "" : info.getReason() + ": ")
                  + step.refusal().getStatus().getDescription());
      conn.close("refused_hello", step.refusal(), false);
      return;
    }
    if (step.reply() != null) {
      conn.send(PeerMessage.newBuilder().setHello(step.reply()).build());
    }
    if (step.admitted() != null) {
      conn.remoteKey = step.admitted().getNodeKey();
      conn.height.hello = step.admitted().getHeight();
      registry.admit(conn);
    }
  }

  /** A stream not admitted in time is closed; it was never in the registry. */
  void deadline(PeerConnection conn) {
    if (closed.getAsBoolean()) {
      conn.close("stopping", "node stopping");
      return;
    }
    timers.schedule(
        () -> {
          if (!conn.admitted() && !conn.isClosed()) {
            conn.close(
                "handshake_timeout", "no handshake in " + limits.handshake().toMillis() + " ms");
          }
        },
        limits.handshake().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** However a stream ended: forget the peer at once. */
  private void ended(PeerConnection conn, String label) {
    penalties.counter("timed_peer_disconnections_total", "reason", label).increment();
    if (registry.remove(conn, label)) {
      gone.accept(conn);
    }
  }
}
