package io.timecoin.node;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts every client API call by method and outcome (timed_api_calls_total{method,code,reason}):
 * the gRPC code, and for a refusal the ErrorInfo reason, so that an operator sees bad input arrive.
 */
final class ApiMetrics implements ServerInterceptor {
  private final MeterRegistry metrics;

  ApiMetrics(MeterRegistry metrics) {
    this.metrics = metrics;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getBareMethodName();
    return next.startCall(
        new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            String reason = "";
            com.google.rpc.Status detail = StatusProto.fromStatusAndTrailers(status, trailers);
            if (detail != null) {
              for (com.google.protobuf.Any any : detail.getDetailsList()) {
                if (any.is(com.google.rpc.ErrorInfo.class)) {
                  try {
                    reason = any.unpack(com.google.rpc.ErrorInfo.class).getReason();
                  } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
                    // counted without a reason
                  }
                }
              }
            }
            metrics
                .counter(
                    "timed_api_calls_total",
                    "method",
                    method == null ? "?" : method,
                    "code",
                    status.getCode().name(),
                    "reason",
                    reason)
                .increment();
            super.close(status, trailers);
          }
        },
        headers);
  }
}
