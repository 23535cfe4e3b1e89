package io.timecoin.node.web;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.timecoin.node.ApiErrors;
import io.timecoin.node.config.NodeLimits;
import io.timecoin.proto.v1.ErrorReason;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The web port (docs/protocol.md 7): one HTTP/1.1 server for browsers and curl, beside the gRPC
 * client port. It serves
 *
 * <ul>
 *   <li>a service ({@code timecoin.v1.NodeService}) over gRPC-Web, unary and server streaming,
 *       binary and text, at {@code POST /timecoin.v1.NodeService/Method};
 *   <li>each unary method as JSON (the protobuf JSON mapping) at the same path, for any other
 *       content type, so {@code curl -d '{}' .../GetStatus} answers; a refusal is the
 *       google.rpc.Status as JSON, its ErrorInfo reason included, with the HTTP status of its code;
 *   <li>{@code /metrics} (Prometheus) and {@code /healthz};
 *   <li>the explorer's static files from a classpath folder, index.html for the app's routes;
 *   <li>CORS for all of it, so a page from another origin can call it.
 * </ul>
 *
 * Calls are not served by a second implementation: they go over an in-process gRPC channel to the
 * same service objects and interceptors as the gRPC port (unknown-field refusal, call metrics), on
 * the same executor.
 *
 * <p>What a hostile client can hold: a connection slot ({@link Limits#maxConnections}; those beyond
 * are closed at once), at most 8 KiB of request line and headers per connection, and request bodies
 * in flight, bounded per request ({@link Limits#maxBodyBytes}) and in all ({@link
 * Limits#bodyBudgetBytes}, given back when the call ends). A body must arrive whole within {@link
 * Limits#bodyTimeoutMs} (a slow-loris is cut off), and a connection idle for {@link
 * Limits#idleTimeoutSeconds} is closed. Every refusal is counted in
 * timed_web_refused_total{reason}.
 */
public final class WebPort {
  /** The port's bounds. */
  public record Limits(
      int maxMessageBytes,
      int maxConnections,
      long bodyBudgetBytes,
      long bodyTimeoutMs,
      int idleTimeoutSeconds) {
    /** The default limits ({@link NodeLimits#DEFAULTS}) with this message limit. */
    public static Limits defaults(int maxMessageBytes) {
      return of(NodeLimits.DEFAULTS.with(NodeLimits.CLIENT_MAX_MESSAGE_BYTES, maxMessageBytes));
    }

    /**
     * The limits a node's config gives: the gRPC client port's message limit, and the web port's
     * own.
     */
    public static Limits of(NodeLimits l) {
      return new Limits(
          l.intValue(NodeLimits.CLIENT_MAX_MESSAGE_BYTES),
          l.intValue(NodeLimits.WEB_MAX_CONNECTIONS),
          l.get(NodeLimits.WEB_BODY_BUDGET_BYTES),
          l.get(NodeLimits.WEB_BODY_TIMEOUT_MS),
          l.intValue(NodeLimits.WEB_IDLE_TIMEOUT_S));
    }

    /**
     * A request body: the message in its frame, or its JSON (bytes fields grow by a third in
     * base64).
     */
    public long maxBodyBytes() {
      return 2L * maxMessageBytes + 5;
    }
  }

  static final JsonFormat.Printer JSON = BridgedCall.printer();
  private static final JsonFormat.Parser JSON_PARSER = JsonFormat.parser();
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw Status.INTERNAL
                .withDescription("reading a message: " + e.getMessage())
                .withCause(e)
                .asRuntimeException();
          }
        }
      };

  /** The headers a gRPC-Web client sends, allowed from any origin. */
  static final String ALLOWED_HEADERS = "content-type, x-grpc-web, x-user-agent, grpc-timeout";

  static final String EXPOSED_HEADERS = "grpc-status, grpc-message, grpc-status-details-bin";

  private record Method(
      MethodDescriptor<byte[], byte[]> bytes, Message request, Message response) {}

  private final Vertx vertx;
  private final Channel api;
  private final String servicePrefix;
  private final Map<String, Method> methods = new HashMap<>();
  private final MeterRegistry metrics;
  private final Supplier<String> metricsPage;
  private final BooleanSupplier serving;
  private final StaticFiles files;
  private final Limits limits;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong bodyBytes = new AtomicLong();
  private final HttpServer server;

  /**
   * @param api a channel to the services (in-process, to the gRPC port's service objects)
   * @param service the service served as gRPC-Web and JSON
   * @param metricsPage the Prometheus page
   * @param serving what /healthz says: in step with the network (200) or not (503)
   * @param staticRoot the classpath folder of the explorer ("explorer")
   */
  public WebPort(
      Vertx vertx,
      Channel api,
      ServiceDescriptor service,
      MeterRegistry metrics,
      Supplier<String> metricsPage,
      BooleanSupplier serving,
      String staticRoot,
      Limits limits) {
    this.vertx = vertx;
    this.api = api;
    this.servicePrefix = "/" + service.getName() + "/";
    for (MethodDescriptor<?, ?> m : service.getMethods()) {
      methods.put(
          m.getBareMethodName(),
          new Method(
              MethodDescriptor.newBuilder(BYTES, BYTES)
                  .setFullMethodName(m.getFullMethodName())
                  .setType(m.getType())
                  .build(),
              prototype(m.getRequestMarshaller()),
              prototype(m.getResponseMarshaller())));
    }
    this.metrics = metrics;
    this.metricsPage = metricsPage;
    this.serving = serving;
    this.files = new StaticFiles(staticRoot, WebPort.class.getClassLoader());
    this.limits = limits;
    Gauge.builder("timed_web_connections", connections, AtomicInteger::get).register(metrics);
    Gauge.builder("timed_web_body_bytes", bodyBytes, AtomicLong::get).register(metrics);
    this.server =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setIdleTimeout(limits.idleTimeoutSeconds())
                    .setIdleTimeoutUnit(TimeUnit.SECONDS)
                    .setMaxInitialLineLength(4096)
                    .setMaxHeaderSize(8192)
                    .setCompressionSupported(false)
                    // HTTP/1.1 only, as browsers speak it to plain http: no h2c upgrade (whose
                    // detection waits for
                    // a connection's first bytes before the connection is counted) and one request
                    // at a time
                    .setHttp2ClearTextEnabled(false))
            .connectionHandler(
                conn -> {
                  conn.closeHandler(v -> connections.decrementAndGet());
                  if (connections.incrementAndGet() > limits.maxConnections()) {
                    refused("connections");
                    conn.close();
                  }
                })
            .requestHandler(this::handle);
  }

  private static Message prototype(MethodDescriptor.Marshaller<?> marshaller) {
    if (marshaller instanceof MethodDescriptor.PrototypeMarshaller<?> p
        && p.getMessagePrototype() instanceof Message m) {
      return m;
    }
    throw new IllegalArgumentException("not a protobuf method: " + marshaller);
  }

  /** Listens on {@code host:port} (0: any free port); the future gives the port bound. */
  public Future<Integer> listen(String host, int port) {
    return server.listen(port, host).map(HttpServer::actualPort);
  }

  public Future<Void> close() {
    return server.close();
  }

  private void refused(String reason) {
    metrics.counter("timed_web_refused_total", "reason", reason).increment();
  }

  private void handle(HttpServerRequest req) {
    HttpServerResponse res = req.response();
    if (req.headers().contains("origin")) {
      res.putHeader("access-control-allow-origin", "*")
          .putHeader("access-control-expose-headers", EXPOSED_HEADERS);
    }
    String path = req.path();
    if (req.method() == HttpMethod.OPTIONS) { // a CORS preflight
      res.setStatusCode(204)
          .putHeader("access-control-allow-methods", "GET, POST, OPTIONS")
          .putHeader("access-control-allow-headers", ALLOWED_HEADERS)
          .putHeader("access-control-max-age", "86400")
          .end();
      return;
    }
    if (path.startsWith(servicePrefix)) {
      if (req.method() != HttpMethod.POST) {
        res.setStatusCode(405).putHeader("allow", "POST").end();
        return;
      }
      call(req, path.substring(servicePrefix.length()));
      return;
    }
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      res.setStatusCode(405).putHeader("allow", "GET, HEAD, OPTIONS").end();
      return;
    }
    switch (path) {
      case "/metrics" ->
          res.putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
              .end(metricsPage.get());
      case "/healthz" -> healthz(res, serving.getAsBoolean());
      default -> {
        Optional<StaticFiles.File> file = files.get(path);
        if (file.isEmpty()) {
          res.setStatusCode(404)
              .putHeader("content-type", "text/plain; charset=utf-8")
              .end(
                  path.equals("/")
                      ? "this build bundles no explorer (server/src/main/resources/explorer is empty)\n"
                      : "not found\n");
          return;
        }
        res.putHeader("content-type", file.get().contentType())
            .putHeader("cache-control", "no-cache")
            .putHeader("x-content-type-options", "nosniff")
            .end(Buffer.buffer(file.get().bytes()));
      }
    }
  }

  /**
   * /healthz on the web port and the metrics port: 200 once the node is in step with the network,
   * else 503.
   */
  public static void healthz(HttpServerResponse res, boolean serving) {
    res.setStatusCode(serving ? 200 : 503)
        .putHeader("content-type", "application/json")
        .end(serving ? "{\"status\":\"SERVING\"}\n" : "{\"status\":\"NOT_SERVING\"}\n");
  }

  private static BridgedCall.Wire wireOf(String contentType) {
    String type = contentType == null ? "" : contentType.toLowerCase(java.util.Locale.ROOT);
    if (type.startsWith("application/grpc-web-text")) {
      return BridgedCall.Wire.GRPC_WEB_TEXT;
    }
    if (type.startsWith("application/grpc-web")) {
      return BridgedCall.Wire.GRPC_WEB;
    }
    return BridgedCall.Wire.JSON; // application/json, and curl -d's form type
  }

  /** Reads the body within its bounds, then bridges the call. */
  private void call(HttpServerRequest req, String methodName) {
    String contentType = req.getHeader("content-type");
    if (contentType != null
        && contentType.toLowerCase(java.util.Locale.ROOT).matches("application/grpc(\\+.*|;.*)?")) {
      refused("grpc_over_http1");
      req.response()
          .setStatusCode(415)
          .putHeader("content-type", "text/plain; charset=utf-8")
          .end(
              "gRPC over HTTP/2 is served on the client port; this port speaks gRPC-Web and JSON\n");
      return;
    }
    BridgedCall.Wire wire = wireOf(contentType);
    Method method = methods.get(methodName);
    if (method == null) {
      refuse(
          req,
          wire,
          "unknown_method",
          Status.Code.UNIMPLEMENTED,
          ErrorReason.ERROR_REASON_NOT_FOUND,
          "no method "
              + methodName
              + " in "
              + servicePrefix.substring(1, servicePrefix.length() - 1),
          false);
      return;
    }
    if (wire == BridgedCall.Wire.JSON
        && method.bytes().getType() != MethodDescriptor.MethodType.UNARY) {
      refuse(
          req,
          wire,
          "stream_as_json",
          Status.Code.INVALID_ARGUMENT,
          ErrorReason.ERROR_REASON_INVALID_ARGUMENT,
          methodName
              + " is a stream: JSON serves the unary methods; use gRPC-Web here or gRPC on the client port",
          false);
      return;
    }
    String declared = req.getHeader("content-length");
    if (declared != null && parseLength(declared) > limits.maxBodyBytes()) {
      refuse(
          req,
          wire,
          "too_large",
          Status.Code.RESOURCE_EXHAUSTED,
          ErrorReason.ERROR_REASON_TOO_LARGE,
          "a request body of " + declared + " bytes; at most " + limits.maxBodyBytes(),
          true);
      return;
    }
    Context context = vertx.getOrCreateContext();
    Buffer body = Buffer.buffer();
    long[] taken = {0};
    boolean[] over = {false};
    Runnable giveBack =
        () -> {
          bodyBytes.addAndGet(-taken[0]);
          taken[0] = 0;
        };
    long timer =
        vertx.setTimer(
            limits.bodyTimeoutMs(),
            t -> {
              if (!over[0]) {
                over[0] = true;
                giveBack.run();
                refuse(
                    req,
                    wire,
                    "body_timeout",
                    Status.Code.DEADLINE_EXCEEDED,
                    ErrorReason.ERROR_REASON_MALFORMED,
                    "the request body did not arrive within " + limits.bodyTimeoutMs() + " ms",
                    true);
              }
            });
    req.handler(
        chunk -> {
          if (over[0]) {
            return;
          }
          String reason = null;
          if (body.length() + (long) chunk.length() > limits.maxBodyBytes()) {
            reason = "too_large";
          } else if (bodyBytes.addAndGet(chunk.length()) > limits.bodyBudgetBytes()) {
            bodyBytes.addAndGet(-chunk.length());
            reason = "overloaded";
          } else {
            taken[0] += chunk.length();
            body.appendBuffer(chunk);
            return;
          }
          over[0] = true;
          vertx.cancelTimer(timer);
          giveBack.run();
          if (reason.equals("too_large")) {
            refuse(
                req,
                wire,
                reason,
                Status.Code.RESOURCE_EXHAUSTED,
                ErrorReason.ERROR_REASON_TOO_LARGE,
                "a request body over " + limits.maxBodyBytes() + " bytes",
                true);
          } else {
            refuse(
                req,
                wire,
                reason,
                Status.Code.UNAVAILABLE,
                ErrorReason.ERROR_REASON_OVERLOADED,
                "the web port holds "
                    + (limits.bodyBudgetBytes() >> 20)
                    + " MiB of request bodies already: try again shortly",
                true);
          }
        });
    req.exceptionHandler(
        e -> {
          over[0] = true;
          vertx.cancelTimer(timer);
          giveBack.run();
        });
    req.endHandler(
        v -> {
          vertx.cancelTimer(timer);
          if (over[0]) {
            return;
          }
          over[0] = true;
          List<byte[]> messages = new ArrayList<>();
          String problem =
              wire == BridgedCall.Wire.JSON
                  ? fromJson(body, method.request(), messages)
                  : frames(body, wire, messages);
          if (problem != null) {
            giveBack.run();
            boolean tooLarge = problem.startsWith("a message of");
            refuse(
                req,
                wire,
                tooLarge ? "too_large" : "malformed",
                tooLarge ? Status.Code.RESOURCE_EXHAUSTED : Status.Code.INVALID_ARGUMENT,
                tooLarge ? ErrorReason.ERROR_REASON_TOO_LARGE : ErrorReason.ERROR_REASON_MALFORMED,
                problem,
                false);
            return;
          }
          CallOptions options = CallOptions.DEFAULT;
          Long timeoutNanos =
              wire == BridgedCall.Wire.JSON
                  ? null
                  : grpcTimeoutNanos(req.getHeader("grpc-timeout"));
          if (timeoutNanos != null) {
            options = options.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
          }
          BridgedCall bridged =
              new BridgedCall(context, req.response(), wire, method.response(), giveBack);
          bridged.start(api.newCall(method.bytes(), options), messages);
        });
  }

  /**
   * The messages of a gRPC-Web body (uncompressed frames, each within the message limit); null, or
   * what is wrong.
   */
  private String frames(Buffer body, BridgedCall.Wire wire, List<byte[]> out) {
    byte[] bytes = body.getBytes();
    if (wire == BridgedCall.Wire.GRPC_WEB_TEXT) {
      try {
        bytes = Base64.getDecoder().decode(new String(bytes, StandardCharsets.US_ASCII).strip());
      } catch (IllegalArgumentException e) {
        return "a grpc-web-text body that is not base64: " + e.getMessage();
      }
    }
    int at = 0;
    while (at < bytes.length) {
      if (bytes.length - at < 5) {
        return "a gRPC-Web body that ends inside a frame header";
      }
      int flag = bytes[at] & 0xff;
      long length = Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(bytes, at + 1, 4).getInt());
      if (flag != 0) {
        return flag == 1
            ? "a compressed message: this port takes them uncompressed"
            : "a frame with flag " + flag;
      }
      if (length > limits.maxMessageBytes()) {
        return "a message of " + length + " bytes; at most " + limits.maxMessageBytes();
      }
      if (bytes.length - at - 5 < length) {
        return "a gRPC-Web body that ends inside a message";
      }
      out.add(java.util.Arrays.copyOfRange(bytes, at + 5, at + 5 + (int) length));
      at += 5 + (int) length;
    }
    return null;
  }

  /** The one message of a JSON body (empty means {}); null, or what is wrong. */
  private String fromJson(Buffer body, Message prototype, List<byte[]> out) {
    String text = body.length() == 0 ? "{}" : body.toString(StandardCharsets.UTF_8);
    Message.Builder b = prototype.newBuilderForType();
    try {
      JSON_PARSER.merge(text, b);
    } catch (InvalidProtocolBufferException e) {
      return "a JSON request that does not map to "
          + prototype.getDescriptorForType().getFullName()
          + ": "
          + e.getMessage();
    }
    byte[] bytes = b.build().toByteArray();
    if (bytes.length > limits.maxMessageBytes()) {
      return "a message of " + bytes.length + " bytes; at most " + limits.maxMessageBytes();
    }
    out.add(bytes);
    return null;
  }

  /**
   * Answers a call the port refuses itself, typed as the service would (google.rpc.Status with an
   * ErrorInfo); {@code closeConnection} when the rest of the body is not read (the connection is
   * then of no further use).
   */
  private void refuse(
      HttpServerRequest req,
      BridgedCall.Wire wire,
      String metric,
      Status.Code code,
      ErrorReason reason,
      String message,
      boolean closeConnection) {
    refused(metric);
    HttpServerResponse res = req.response();
    if (res.ended() || res.closed()) {
      return;
    }
    io.grpc.StatusRuntimeException e = ApiErrors.of(code, reason, message);
    if (closeConnection) {
      res.putHeader("connection", "close");
    }
    Future<Void> sent;
    if (wire == BridgedCall.Wire.JSON) {
      sent = endJson(res, StatusProto.fromThrowable(e));
    } else {
      res.setStatusCode(200).putHeader("content-type", wire.contentType);
      BridgedCall.trailerLines(e.getStatus(), e.getTrailers()).forEach(res::putHeader);
      sent = res.end();
    }
    if (closeConnection) {
      // the rest of the body is read and dropped for a moment before the close: a socket closed
      // with
      // unread bytes resets, and the client would lose the answer it has not read yet
      io.vertx.core.http.HttpConnection connection = req.connection();
      long linger = vertx.setTimer(LINGER_MS, t -> connection.close());
      if (!req.isEnded()) {
        req.handler(dropped -> {});
        req.exceptionHandler(ignored -> {});
        req.endHandler(
            v ->
                sent.onComplete(
                    x -> {
                      vertx.cancelTimer(linger);
                      connection.close();
                    }));
      }
    }
  }

  /** How long a refused request's body is read and dropped before its connection is closed. */
  private static final long LINGER_MS = 1_000;

  /**
   * A refusal as JSON: the google.rpc.Status (code, message, details with the ErrorInfo), with its
   * HTTP status.
   */
  static Future<Void> endJson(HttpServerResponse res, com.google.rpc.Status status) {
    String json;
    try {
      json = JSON.print(status);
    } catch (InvalidProtocolBufferException e) {
      json = "{\"code\":" + status.getCode() + "}";
    }
    return res.setStatusCode(httpStatus(Status.fromCodeValue(status.getCode()).getCode(), status))
        .putHeader("content-type", "application/json")
        .end(json + "\n");
  }

  /** The HTTP status of a gRPC code (as gRPC-gateway maps them); TOO_LARGE is 413. */
  static int httpStatus(Status.Code code, com.google.rpc.Status detail) {
    if ("TOO_LARGE".equals(reasonOf(detail))) {
      return 413;
    }
    return switch (code) {
      case OK -> 200;
      case CANCELLED -> 499;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case DEADLINE_EXCEEDED -> 504;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case PERMISSION_DENIED -> 403;
      case UNAUTHENTICATED -> 401;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      default -> 500;
    };
  }

  /** The ErrorInfo reason of a refusal, or null. */
  static String reasonOf(com.google.rpc.Status status) {
    for (com.google.protobuf.Any any : status.getDetailsList()) {
      if (any.is(com.google.rpc.ErrorInfo.class)) {
        try {
          return any.unpack(com.google.rpc.ErrorInfo.class).getReason();
        } catch (InvalidProtocolBufferException e) {
          return null;
        }
      }
    }
    return null;
  }

  private static long parseLength(String text) {
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  /**
   * A grpc-timeout header ("10S", "500m", ...) in nanoseconds; null when absent or not of that
   * form.
   */
  static Long grpcTimeoutNanos(String header) {
    if (header == null || !header.matches("[0-9]{1,8}[HMSmun]")) {
      return null;
    }
    long n = Long.parseLong(header.substring(0, header.length() - 1));
    return switch (header.charAt(header.length() - 1)) {
      case 'H' -> TimeUnit.HOURS.toNanos(n);
      case 'M' -> TimeUnit.MINUTES.toNanos(n);
      case 'S' -> TimeUnit.SECONDS.toNanos(n);
      case 'm' -> TimeUnit.MILLISECONDS.toNanos(n);
      case 'u' -> TimeUnit.MICROSECONDS.toNanos(n);
      default -> n;
    };
  }
}
