package io.timecoin.node;

import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.timecoin.canonical.UnknownFields;
import io.timecoin.proto.v1.ErrorReason;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Refuses every received message that carries a protobuf field its schema does not name, as
 * MALFORMED, before the service sees it: such fields are kept by protobuf but covered by no hash or
 * signature, so a relayer could add them to a signed message unnoticed. The call is closed (a
 * server call with {@code code} and an ErrorInfo naming the field's path; a call this node made is
 * cancelled) and counted in timed_unknown_fields_refused_total{port, method}. The service is told
 * as if the call had been cancelled, and nothing it sends afterwards reaches the wire.
 */
final class RefuseUnknownFields implements ServerInterceptor {
  private static final Logger LOG = Logger.getLogger(RefuseUnknownFields.class.getName());

  private final Status.Code code;
  private final String port;
  private final MeterRegistry metrics;
  private final Set<String> checkedByTheService;

  /** A flood must not flood the log: one line every 10 s, the rest counted on it. */
  private final LogLimit logLimit = new LogLimit(1, 10_000);

  /**
   * {@code port}: the metric's tag (client, peer); {@code code}: the status a refused call closes
   * with; {@code checkedByTheService}: the methods (bare names) left alone because their service
   * answers an unknown field itself, message by message (a stream whose refusals answer one message
   * each and go on).
   */
  RefuseUnknownFields(
      Status.Code code, String port, MeterRegistry metrics, Set<String> checkedByTheService) {
    this.code = code;
    this.port = port;
    this.metrics = metrics;
    this.checkedByTheService = checkedByTheService;
  }

  /** Checks the messages a peer we dialed sends back (Connect responses, synced blocks). */
  static ClientInterceptor onDialedChannels(MeterRegistry metrics) {
    RefuseUnknownFields counting =
        new RefuseUnknownFields(Status.Code.CANCELLED, "dialed", metrics, Set.of());
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(
          MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return counting.clientCall(method, next.newCall(method, options), next.authority());
      }
    };
  }

  /** The path of the first unknown field of {@code message}, or null. */
  private static String unknownField(Object message) {
    return message instanceof Message m ? UnknownFields.find(m) : null;
  }

  private StatusRuntimeException refusal(String method, String path, String from) {
    metrics
        .counter("timed_unknown_fields_refused_total", "port", port, "method", method)
        .increment();
    logLimit.log(
        LOG,
        Level.WARNING,
        () ->
            "refused a "
                + method
                + " message from "
                + from
                + " on the "
                + port
                + " port: unknown field "
                + path);
    return ApiErrors.of(
        code,
        ErrorReason.ERROR_REASON_MALFORMED,
        "unknown field " + path + " in a " + method + " message");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getBareMethodName();
    if (checkedByTheService.contains(method)) {
      return next.startCall(call, headers);
    }
    Guarded<Q, R> guarded = new Guarded<>(call);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(guarded, headers)) {
      private boolean refused; // listener callbacks never run at once

      @Override
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        String path = unknownField(message);
        if (path == null) {
          super.onMessage(message);
          return;
        }
        refused = true;
        java.net.SocketAddress from =
            call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        StatusRuntimeException e = refusal(method, path, String.valueOf(from));
        guarded.refuse(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
        super.onCancel(); // the service lets go of the call as of a cancelled one
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }

      @Override
      public void onCancel() {
        if (!refused) {
          super.onCancel();
        }
      }

      @Override
      public void onComplete() {
        if (!refused) {
          super.onComplete();
        }
      }

      @Override
      public void onReady() {
        if (!refused) {
          super.onReady();
        }
      }
    };
  }

  /**
   * A server call the service may go on using from its own threads after a refusal closed it: from
   * then on what it sends is dropped. The lock makes the refusal's close and the service's sends
   * take turns (a ServerCall is not thread-safe).
   */
  private static final class Guarded<Q, R>
      extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private boolean closed; // guarded by this

    Guarded(ServerCall<Q, R> call) {
      super(call);
    }

    synchronized void refuse(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(R message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    @Override
    public boolean isReady() {
      return !isClosed() && super.isReady();
    }

    private synchronized boolean isClosed() {
      return closed;
    }
  }

  /**
   * A call this node made: a response with an unknown field cancels it, and the caller is told with
   * CANCELLED and an ErrorInfo MALFORMED naming the field (instead of the transport's bare
   * CANCELLED).
   */
  private <Q, R> ClientCall<Q, R> clientCall(
      MethodDescriptor<Q, R> method, ClientCall<Q, R> call, String peer) {
    String name = method.getBareMethodName();
    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        super.start(
            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              private volatile StatusRuntimeException refused;

              @Override
              public void onMessage(R message) {
                if (refused != null) {
                  return;
                }
                String path = unknownField(message);
                if (path == null) {
                  super.onMessage(message);
                  return;
                }
                refused = refusal(name, path, peer);
                call.cancel("a message of this call carries an unknown field " + path, null);
              }

              @Override
              public void onClose(Status status, Metadata trailers) {
                StatusRuntimeException r = refused;
                if (r == null) {
                  super.onClose(status, trailers);
                } else {
                  super.onClose(
                      r.getStatus(), r.getTrailers() == null ? new Metadata() : r.getTrailers());
                }
              }
            },
            headers);
      }
    };
  }
}
