package io.timecoin.node.web;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One call of the web port, carried to the node's services over an in-process gRPC channel and its
 * answer written back as gRPC-Web frames or as JSON. Every step on the HTTP side runs on the
 * request's Vert.x context (the channel's callbacks hop there), so the ClientCall, which is not
 * thread-safe, is only touched from there. A stream is flow-controlled end to end: the next message
 * is asked of the service only once the HTTP connection has taken the last one, so a browser that
 * reads slowly is, to the service, a subscriber that is not ready (and SubscribeFinalized closes it
 * as slow).
 */
final class BridgedCall extends ClientCall.Listener<byte[]> {
  /** How the answer is written. */
  enum Wire {
    GRPC_WEB("application/grpc-web+proto"),
    GRPC_WEB_TEXT("application/grpc-web-text+proto"),
    JSON("application/json");

    final String contentType;

    Wire(String contentType) {
      this.contentType = contentType;
    }
  }

  static final Metadata.Key<byte[]> STATUS_DETAILS =
      Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);

  private final Context context;
  private final HttpServerResponse response;
  private final Wire wire;
  private final Message responsePrototype;
  private final Runnable onDone;
  private ClientCall<byte[], byte[]> call;
  private boolean headersWritten;
  private byte[] jsonAnswer;
  private boolean finished;

  /**
   * {@code onDone}: run once when the call is over, however it ends (gives back the body's bytes).
   */
  BridgedCall(
      Context context,
      HttpServerResponse response,
      Wire wire,
      Message responsePrototype,
      Runnable onDone) {
    this.context = context;
    this.response = response;
    this.wire = wire;
    this.responsePrototype = responsePrototype;
    this.onDone = onDone;
  }

  /**
   * Starts {@code call} with this listener and sends {@code messages}, then half-closes. On the
   * context.
   */
  void start(ClientCall<byte[], byte[]> call, java.util.List<byte[]> messages) {
    this.call = call;
    response.closeHandler(
        v -> {
          if (!finished) { // the client went away first: the service is told, as on the gRPC port
            call.cancel("the HTTP client went away", null);
          }
        });
    call.start(this, new Metadata());
    call.request(1);
    for (byte[] m : messages) {
      call.sendMessage(m);
    }
    call.halfClose();
  }

  @Override
  public void onMessage(byte[] message) {
    context.runOnContext(v -> deliver(message));
  }

  @Override
  public void onClose(Status status, Metadata trailers) {
    context.runOnContext(v -> finish(status, trailers));
  }

  private void deliver(byte[] message) {
    if (finished) {
      return;
    }
    if (wire == Wire.JSON) {
      jsonAnswer = message; // unary only: one message
      call.request(1);
      return;
    }
    writeHeaders();
    response.write(frame(0x00, message));
    if (response.writeQueueFull()) {
      response.drainHandler(
          d -> {
            if (!finished) {
              call.request(1);
            }
          });
    } else {
      call.request(1);
    }
  }

  private void writeHeaders() {
    if (!headersWritten) {
      headersWritten = true;
      response.setChunked(true).setStatusCode(200).putHeader("content-type", wire.contentType);
    }
  }

  private void finish(Status status, Metadata trailers) {
    if (finished) {
      return;
    }
    finished = true;
    onDone.run();
    if (response.closed() || response.ended()) {
      return;
    }
    com.google.rpc.Status detail = StatusProto.fromStatusAndTrailers(status, trailers);
    if (wire == Wire.JSON) {
      if (status.isOk() && jsonAnswer != null) {
        try {
          Message m = responsePrototype.getParserForType().parseFrom(jsonAnswer);
          response
              .setStatusCode(200)
              .putHeader("content-type", "application/json")
              .end(WebPort.JSON.print(m) + "\n");
        } catch (InvalidProtocolBufferException e) {
          WebPort.endJson(
              response,
              com.google.rpc.Status.newBuilder()
                  .setCode(Status.Code.INTERNAL.value())
                  .setMessage("the answer does not parse: " + e.getMessage())
                  .build());
        }
        return;
      }
      WebPort.endJson(response, detail);
      return;
    }
    if (!headersWritten) { // trailers-only: the status in the HTTP headers, no body
      response.setStatusCode(200).putHeader("content-type", wire.contentType);
      trailerLines(status, trailers).forEach(response::putHeader);
      response.end();
      return;
    }
    StringBuilder block = new StringBuilder();
    trailerLines(status, trailers)
        .forEach((k, v) -> block.append(k).append(':').append(v).append("\r\n"));
    response.end(frame(0x80, block.toString().getBytes(StandardCharsets.US_ASCII)));
  }

  /** grpc-status, grpc-message (percent-encoded) and grpc-status-details-bin (base64), in order. */
  static java.util.Map<String, String> trailerLines(Status status, Metadata trailers) {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    out.put("grpc-status", Integer.toString(status.getCode().value()));
    if (status.getDescription() != null) {
      out.put("grpc-message", percentEncode(status.getDescription()));
    }
    byte[] details = trailers == null ? null : trailers.get(STATUS_DETAILS);
    if (details != null) {
      out.put(
          "grpc-status-details-bin", Base64.getEncoder().withoutPadding().encodeToString(details));
    }
    return out;
  }

  /** A gRPC-Web frame: flag, length (u32), payload; base64 for the text wire. */
  private Buffer frame(int flag, byte[] payload) {
    byte[] f = new byte[5 + payload.length];
    f[0] = (byte) flag;
    java.nio.ByteBuffer.wrap(f, 1, 4).putInt(payload.length);
    System.arraycopy(payload, 0, f, 5, payload.length);
    return Buffer.buffer(wire == Wire.GRPC_WEB_TEXT ? Base64.getEncoder().encode(f) : f);
  }

  /**
   * grpc-message's encoding (the gRPC HTTP/2 spec): UTF-8, bytes outside 0x20-0x7e and '%' as %XX.
   */
  static String percentEncode(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      if (b >= 0x20 && b <= 0x7e && b != '%') {
        out.append((char) b);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  /**
   * The JSON printer for answers: the protobuf JSON mapping, with ErrorInfo known for a Status's
   * details.
   */
  static JsonFormat.Printer printer() {
    // zeros too (height 0, sent 0, syncing false): a reader by hand should not have to know the
    // defaults
    return JsonFormat.printer()
        .alwaysPrintFieldsWithNoPresence()
        .usingTypeRegistry(
            JsonFormat.TypeRegistry.newBuilder()
                .add(com.google.rpc.ErrorInfo.getDescriptor())
                .build());
  }
}
