package io.timecoin.node.peer;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerTransportFilter;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.timecoin.node.ApiErrors;
import io.timecoin.proto.v1.ErrorReason;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The peer port's server, with what any stranger may cost it bounded: connections, calls per
 * connection, header bytes, the time to set up TLS and HTTP/2, how long a connection lives, and
 * dead connections found by keepalive.
 */
public final class PeerPort {
  private static final Logger LOG = Logger.getLogger(PeerPort.class.getName());

  /**
   * A Connect and a SyncBlocks are all an honest peer opens on a connection; a few more for overlap
   * on redial.
   */
  static final int MAX_CALLS_PER_CONNECTION = 4;

  static final int MAX_METADATA_BYTES = 8 << 10;
  private static final Attributes.Key<Boolean> OVER_LIMIT =
      Attributes.Key.create("peer-connection-over-limit");
  private static final Attributes.Key<Boolean> COUNTED =
      Attributes.Key.create("peer-connection-counted");

  private PeerPort() {}

  /**
   * A builder of the peer server serving {@code network}; the caller adds TLS and builds it.
   *
   * @param maxConnections open connections at most; calls on the ones beyond are refused
   *     (RESOURCE_EXHAUSTED)
   * @param checks more interceptors that every call passes first (the node's unknown-field check)
   */
  public static NettyServerBuilder builder(
      InetSocketAddress address,
      PeerNetwork network,
      int maxConnections,
      int maxMessageBytes,
      ServerInterceptor... checks) {
    ConnectionLimit limit = new ConnectionLimit(maxConnections);
    List<ServerInterceptor> interceptors = new ArrayList<>(List.of(new RemoteAddress(), limit));
    interceptors.addAll(List.of(checks)); // the last added runs first
    return NettyServerBuilder.forAddress(address)
        // peer callbacks only queue work (consensus loop, verifier pool): no thread hand-off per
        // message
        .directExecutor()
        .addService(ServerInterceptors.intercept(network.service(), interceptors))
        .addTransportFilter(limit)
        .maxInboundMessageSize(maxMessageBytes)
        .maxInboundMetadataSize(MAX_METADATA_BYTES)
        .maxConcurrentCallsPerConnection(MAX_CALLS_PER_CONNECTION)
        .handshakeTimeout(5, TimeUnit.SECONDS)
        // a connection lives an hour at most (then its peer redials); no call may hold one open for
        // longer
        .maxConnectionAge(1, TimeUnit.HOURS)
        .maxConnectionAgeGrace(30, TimeUnit.SECONDS)
        // an idle connection (no call) is closed: an over-limit one, or a stranger's that opened
        // nothing
        .maxConnectionIdle(1, TimeUnit.MINUTES)
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .permitKeepAliveTime(10, TimeUnit.SECONDS);
  }

  /** Counts open connections; the calls of those beyond the limit are refused. */
  static final class ConnectionLimit extends ServerTransportFilter implements ServerInterceptor {
    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    ConnectionLimit(int max) {
      this.max = max;
    }

    @Override
    public Attributes transportReady(Attributes attrs) {
      int n = open.incrementAndGet();
      Attributes.Builder counted = attrs.toBuilder().set(COUNTED, Boolean.TRUE);
      if (n > max) {
        LOG.fine(
            () ->
                "peer port: connection "
                    + n
                    + " is over the limit of "
                    + max
                    + ", its calls are refused");
        counted.set(OVER_LIMIT, Boolean.TRUE);
      }
      return counted.build();
    }

    @Override
    public void transportTerminated(Attributes attrs) {
      if (attrs != null
          && attrs.get(COUNTED) != null) { // a transport that never got ready was not counted
        open.decrementAndGet();
      }
    }

    int open() {
      return open.get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      if (Boolean.TRUE.equals(call.getAttributes().get(OVER_LIMIT))) {
        StatusRuntimeException e =
            ApiErrors.of(
                io.grpc.Status.Code.RESOURCE_EXHAUSTED,
                ErrorReason.ERROR_REASON_TOO_MANY_STREAMS,
                "this node accepts " + max + " peer connections at most");
        call.close(e.getStatus(), e.getTrailers());
        return new ServerCall.Listener<>() {};
      }
      return next.startCall(call, headers);
    }
  }
}
