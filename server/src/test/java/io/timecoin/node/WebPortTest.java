package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.node.config.NodeConfig;
import io.timecoin.node.web.WebPort;
import io.timecoin.proto.v1.GetBlockRequest;
import io.timecoin.proto.v1.GetStatusRequest;
import io.timecoin.proto.v1.GetStatusResponse;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.SubscribeFinalizedRequest;
import io.timecoin.proto.v1.SubscribeFinalizedResponse;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web port of a real one-validator node on loopback, spoken to by hand: gRPC-Web frames built
 * and read here (java.net.http), JSON as curl sends it, CORS, the static files (this module's test
 * resources stand in for the explorer), and a hostile client against a port with small limits.
 */
class WebPortTest {
  @TempDir static Path dir;

  private static TestNode net;
  private static String web; // http://127.0.0.1:PORT/
  private static String chainId;
  private static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String SERVICE = "timecoin.v1.NodeService/";

  @BeforeAll
  static void start() throws Exception {
    net = TestNode.start(dir, "127.0.0.1:0");
    web = net.node.webUrl();
    chainId = GenesisFile.read(net.home.resolve("genesis.json")).chainId();
    net.awaitHeight(2);
  }

  @AfterAll
  static void stop() throws Exception {
    net.close();
  }

  // ---------------------------------------------------------------- gRPC-Web

  /** A gRPC-Web frame. */
  record Frame(int flag, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.US_ASCII);
    }
  }

  private static byte[] frame(Message m) {
    byte[] body = m.toByteArray();
    return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(body.length).put(body).array();
  }

  private static Frame readFrame(InputStream in) throws IOException {
    byte[] head = in.readNBytes(5);
    if (head.length < 5) {
      return null;
    }
    int length = ByteBuffer.wrap(head, 1, 4).getInt();
    return new Frame(head[0] & 0xff, in.readNBytes(length));
  }

  private static HttpRequest.Builder grpcWeb(String method, byte[] body) {
    return HttpRequest.newBuilder(URI.create(web + SERVICE + method))
        .timeout(Duration.ofSeconds(10))
        .header("content-type", "application/grpc-web+proto")
        .header("x-grpc-web", "1")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
  }

  @Test
  void grpcWebUnaryGetStatusAnswersAMessageThenTrailers() throws Exception {
    HttpResponse<InputStream> r =
        http.send(
            grpcWeb("GetStatus", frame(GetStatusRequest.getDefaultInstance())).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertEquals("application/grpc-web+proto", r.headers().firstValue("content-type").orElse(""));
    try (InputStream in = r.body()) {
      Frame data = readFrame(in);
      assertEquals(0, data.flag());
      GetStatusResponse status = GetStatusResponse.parseFrom(data.payload());
      assertEquals(chainId, status.getChainId());
      assertTrue(status.getFinalizedHeight() >= 2);
      Frame trailers = readFrame(in);
      assertEquals(0x80, trailers.flag());
      assertTrue(trailers.text().contains("grpc-status:0\r\n"), trailers.text());
      assertEquals(null, readFrame(in), "nothing after the trailers");
    }
  }

  @Test
  void grpcWebTextIsTheSameInBase64() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(web + SERVICE + "GetStatus"))
                .header("content-type", "application/grpc-web-text")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        Base64.getEncoder()
                            .encodeToString(frame(GetStatusRequest.getDefaultInstance()))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    // each frame is its own base64 chunk: the data frame's length is in its first 8 characters
    int length =
        ByteBuffer.wrap(Base64.getDecoder().decode(r.body().substring(0, 8)), 1, 4).getInt();
    int chunk = 4 * ((5 + length + 2) / 3);
    Frame data =
        readFrame(
            new java.io.ByteArrayInputStream(
                Base64.getDecoder().decode(r.body().substring(0, chunk))));
    assertEquals(chainId, GetStatusResponse.parseFrom(data.payload()).getChainId());
    Frame trailers =
        readFrame(
            new java.io.ByteArrayInputStream(
                Base64.getDecoder().decode(r.body().substring(chunk))));
    assertEquals(0x80, trailers.flag());
    assertTrue(trailers.text().contains("grpc-status:0"), trailers.text());
  }

  @Test
  void grpcWebStreamsFinalizedBlocksInOrderAndTheSubscriptionEndsWithTheConnection()
      throws Exception {
    double before = subscribers();
    HttpResponse<InputStream> r =
        http.send(
            grpcWeb(
                    "SubscribeFinalized",
                    frame(SubscribeFinalizedRequest.newBuilder().setFromHeight(1).build()))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    long expected = 1;
    try (InputStream in = r.body()) {
      while (expected <= 4) { // 1 and 2 from storage, then live ones as they come
        Frame f = readFrame(in);
        assertNotNull(f, "the stream ended at height " + expected);
        assertEquals(0, f.flag(), () -> "a trailer: " + f.text());
        SubscribeFinalizedResponse m = SubscribeFinalizedResponse.parseFrom(f.payload());
        if (m.hasBlock()) {
          assertEquals(expected++, m.getBlock().getBlock().getHeader().getHeight());
        }
      }
      assertEquals(before + 1, subscribers(), "one subscription, served by the node's one feed");
    }
    // the stream's body is closed: the node is told (the call cancelled) and lets the subscription
    // go
    long deadline = System.currentTimeMillis() + 10_000;
    while (subscribers() > before && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(before, subscribers());
  }

  private static double subscribers() {
    return net.node.metrics.registry.get("timed_subscribers").gauge().value();
  }

  @Test
  void aGrpcWebRefusalIsTrailersOnlyWithTheTypedStatus() throws Exception {
    HttpResponse<byte[]> r =
        http.send(
            grpcWeb(
                    "GetBlock",
                    frame(
                        GetBlockRequest.newBuilder()
                            .setHash(ByteString.copyFrom(new byte[3]))
                            .build()))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode());
    assertEquals("3", r.headers().firstValue("grpc-status").orElse(""), "INVALID_ARGUMENT");
    assertTrue(r.headers().firstValue("grpc-message").orElse("").contains("32 bytes"));
    com.google.rpc.Status s =
        com.google.rpc.Status.parseFrom(
            Base64.getDecoder()
                .decode(r.headers().firstValue("grpc-status-details-bin").orElseThrow()));
    assertEquals("INVALID_ARGUMENT", reason(s));
    assertEquals(0, r.body().length);
  }

  @Test
  void anUnknownFieldIsRefusedMalformedAsOnTheGrpcPort() throws Exception {
    // field 99, varint 1: the same interceptor as on the client port refuses it
    byte[] unknown = {(byte) 0x98, 0x06, 0x01};
    byte[] body =
        ByteBuffer.allocate(5 + unknown.length)
            .put((byte) 0)
            .putInt(unknown.length)
            .put(unknown)
            .array();
    HttpResponse<byte[]> r =
        http.send(grpcWeb("GetStatus", body).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals("3", r.headers().firstValue("grpc-status").orElse(""));
    assertEquals(
        "MALFORMED",
        reason(
            com.google.rpc.Status.parseFrom(
                Base64.getDecoder()
                    .decode(r.headers().firstValue("grpc-status-details-bin").orElseThrow()))));
  }

  private static String reason(com.google.rpc.Status s) throws Exception {
    for (var any : s.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        return any.unpack(ErrorInfo.class).getReason();
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- JSON

  /** As {@code curl -d BODY URL} sends it: a form content type. */
  private static HttpResponse<String> curl(String method, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(web + SERVICE + method))
            .timeout(Duration.ofSeconds(10))
            .header("content-type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void jsonGetStatusAnswersTheProtobufJsonMapping() throws Exception {
    HttpResponse<String> r = curl("GetStatus", "{}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
    GetStatusResponse.Builder status = GetStatusResponse.newBuilder();
    com.google.protobuf.util.JsonFormat.parser().merge(r.body(), status);
    assertEquals(chainId, status.getChainId());
    assertTrue(
        r.body().contains("\"finalizedHeight\": \""), "uint64 as a JSON string: " + r.body());
  }

  @Test
  void jsonListAddressTransactionsShowsTheFaucetsGenesisOutputWithItsZeros() throws Exception {
    io.timecoin.node.config.Genesis genesis = GenesisFile.read(net.home.resolve("genesis.json"));
    String faucet =
        io.timecoin.crypto.Address.of(io.timecoin.crypto.KeyFile.read(net.faucetKey()).publicKey())
            .toBech32m(chainId);
    HttpResponse<String> r =
        curl("ListAddressTransactions", "{\"address\": \"" + faucet + "\", \"pageSize\": 10}");
    assertEquals(200, r.statusCode(), r.body());
    io.timecoin.proto.v1.ListAddressTransactionsResponse.Builder page =
        io.timecoin.proto.v1.ListAddressTransactionsResponse.newBuilder();
    com.google.protobuf.util.JsonFormat.parser().merge(r.body(), page);
    assertEquals(1, page.getTransactionsCount());
    assertEquals(genesis.allocations().get(0).amount(), page.getTransactions(0).getReceived());
    assertTrue(r.body().contains("\"height\": \"0\""), "zeros are written: " + r.body());
  }

  @Test
  void aJsonRefusalCarriesItsReasonAndAnHttpStatus() throws Exception {
    HttpResponse<String> bad = curl("ListAddressTransactions", "{\"address\": \"timet1nope\"}");
    assertEquals(400, bad.statusCode());
    assertTrue(bad.body().contains("\"reason\": \"INVALID_ARGUMENT\""), bad.body());
    assertTrue(bad.body().contains("\"domain\": \"timecoin.v1\""), bad.body());

    HttpResponse<String> missing = curl("GetBlock", "{\"height\": \"999999\"}");
    assertEquals(404, missing.statusCode());
    assertTrue(missing.body().contains("\"reason\": \"NOT_FOUND\""), missing.body());

    HttpResponse<String> unknown = curl("GetStatus", "{\"nope\": 1}");
    assertEquals(400, unknown.statusCode());
    assertTrue(unknown.body().contains("\"reason\": \"MALFORMED\""), unknown.body());

    HttpResponse<String> stream = curl("SubscribeFinalized", "{}");
    assertEquals(400, stream.statusCode());
    assertTrue(stream.body().contains("is a stream"), stream.body());

    HttpResponse<String> noSuch = curl("NoSuchMethod", "{}");
    assertEquals(501, noSuch.statusCode());
  }

  // ---------------------------------------------------------------- CORS, health, metrics, files

  @Test
  void corsPreflightAllowsTheGrpcWebHeadersAndAnswersExposeTheTrailers() throws Exception {
    HttpResponse<String> pre =
        http.send(
            HttpRequest.newBuilder(URI.create(web + SERVICE + "GetStatus"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("origin", "http://elsewhere.example")
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "content-type,x-grpc-web,x-user-agent,grpc-timeout")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(204, pre.statusCode());
    assertEquals("*", pre.headers().firstValue("access-control-allow-origin").orElse(""));
    assertTrue(
        pre.headers().firstValue("access-control-allow-methods").orElse("").contains("POST"));
    String allowed = pre.headers().firstValue("access-control-allow-headers").orElse("");
    for (String h : List.of("content-type", "x-grpc-web", "x-user-agent", "grpc-timeout")) {
      assertTrue(allowed.contains(h), allowed);
    }
    HttpResponse<byte[]> r =
        http.send(
            grpcWeb("GetStatus", frame(GetStatusRequest.getDefaultInstance()))
                .header("origin", "http://elsewhere.example")
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals("*", r.headers().firstValue("access-control-allow-origin").orElse(""));
    String exposed = r.headers().firstValue("access-control-expose-headers").orElse("");
    for (String h : List.of("grpc-status", "grpc-message", "grpc-status-details-bin")) {
      assertTrue(exposed.contains(h), exposed);
    }
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthzAndMetricsOnTheWebPortAndTheMetricsPortAnswersOnlyThose() throws Exception {
    HttpResponse<String> health = get(web + "healthz");
    assertEquals(200, health.statusCode(), "one validator, no peers to be behind: in step");
    assertEquals("{\"status\":\"SERVING\"}\n", health.body());
    assertTrue(get(web + "metrics").body().contains("timed_finalized_height"));

    String metricsPort =
        "http://" + NodeConfig.read(net.home.resolve("node-0/config.json")).metricsListen();
    assertTrue(get(metricsPort + "/metrics").body().contains("timed_web_connections"));
    assertEquals(200, get(metricsPort + "/healthz").statusCode());
    HttpResponse<String> other = get(metricsPort + "/anything");
    assertEquals(404, other.statusCode());
    assertFalse(other.body().contains("timed_"), "not the metrics page");
    assertEquals(404, get(metricsPort + "/").statusCode());
  }

  @Test
  void theExplorersFilesAreServedWithTheirTypesAndItsRoutesGetIndexHtml() throws Exception {
    HttpResponse<String> index = get(web);
    assertEquals(200, index.statusCode());
    assertEquals("text/html; charset=utf-8", index.headers().firstValue("content-type").orElse(""));
    assertTrue(index.body().contains("webport-test-index"));
    HttpResponse<String> app = get(web + "app.js");
    assertEquals(
        "text/javascript; charset=utf-8", app.headers().firstValue("content-type").orElse(""));
    assertTrue(app.body().contains("webport-test-app"));
    assertTrue(get(web + "block/12").body().contains("webport-test-index"), "an app route");
    assertEquals(404, get(web + "missing.png").statusCode());
    assertEquals(404, get(web + "%2e%2e/%2e%2e/pom.xml").statusCode());
    assertEquals(
        405,
        http.send(
                HttpRequest.newBuilder(URI.create(web + SERVICE + "GetStatus")).GET().build(),
                HttpResponse.BodyHandlers.ofString())
            .statusCode());
  }

  // ---------------------------------------------------------------- limits

  @Test
  void anOversizedBodyIsRefusedTooLargeAndTheNodeStaysUp() throws Exception {
    double refusedBefore = refusedOn(net.node.metrics.registry, "too_large");
    byte[] big = new byte[3 << 20];
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(web + SERVICE + "SubmitTransaction"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(big))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(413, r.statusCode());
    assertTrue(r.body().contains("\"reason\": \"TOO_LARGE\""), r.body());

    // a frame that says it holds 2 MiB, in a small body
    byte[] lying = ByteBuffer.allocate(5 + 10).put((byte) 0).putInt(2 << 20).array();
    HttpResponse<byte[]> f =
        http.send(
            grpcWeb("SubmitTransaction", lying).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals("8", f.headers().firstValue("grpc-status").orElse(""), "RESOURCE_EXHAUSTED");
    assertEquals(refusedBefore + 2, refusedOn(net.node.metrics.registry, "too_large"));

    assertEquals(200, curl("GetStatus", "{}").statusCode(), "still up");
    assertEquals(
        chainId,
        NodeServiceGrpc.newBlockingStub(net.client)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .getStatus(GetStatusRequest.getDefaultInstance())
            .getChainId());
  }

  private static double refusedOn(
      io.micrometer.core.instrument.MeterRegistry metrics, String reason) {
    var c = metrics.find("timed_web_refused_total").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  /**
   * A web port with small limits (8 connections, a 64 KiB body budget, 500 ms for a body), in front
   * of the node's client port: twenty connections at once, and slow-loris bodies that never finish.
   */
  @Test
  void aHostileClientIsBoundedByConnectionsBodyBytesAndTime() throws Exception {
    Vertx vertx = Vertx.vertx();
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    WebPort port =
        new WebPort(
            vertx,
            net.client,
            NodeServiceGrpc.getServiceDescriptor(),
            metrics,
            () -> "",
            () -> true,
            "explorer",
            new WebPort.Limits(40 << 10, 8, 64 << 10, 500, 60));
    int p =
        port.listen("127.0.0.1", 0)
            .toCompletionStage()
            .toCompletableFuture()
            .get(5, TimeUnit.SECONDS);
    List<Socket> sockets = new ArrayList<>();
    try {
      // 20 connections: 8 are kept, the rest closed at once
      for (int i = 0; i < 20; i++) {
        Socket s = new Socket("127.0.0.1", p);
        s.setSoTimeout(3_000);
        sockets.add(s);
      }
      int closed = 0;
      for (Socket s : sockets) {
        s.setSoTimeout(300);
        try {
          if (s.getInputStream().read() == -1) {
            closed++;
          }
        } catch (java.net.SocketTimeoutException open) {
          // kept
        } catch (java.net.SocketException reset) {
          closed++;
        }
      }
      assertEquals(12, closed);
      assertEquals(12, refusedOn(metrics, "connections"));
      for (Socket s : sockets) {
        s.close();
      }
      sockets.clear();
      Thread.sleep(200);

      // slow-loris bodies: each says 60 KiB, sends 30 KiB and stalls. Two fit the 64 KiB budget,
      // the
      // third is refused OVERLOADED at once; the two are cut off after 500 ms with
      // DEADLINE_EXCEEDED
      List<Socket> loris = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Socket s = new Socket("127.0.0.1", p);
        s.setSoTimeout(5_000);
        OutputStream out = s.getOutputStream();
        out.write(
            ("POST /timecoin.v1.NodeService/GetStatus HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                    + "content-length: "
                    + (60 << 10)
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[30 << 10]);
        out.flush();
        loris.add(s);
        Thread.sleep(100);
      }
      long started = System.nanoTime();
      String third = readAll(loris.get(2));
      assertTrue(third.startsWith("HTTP/1.1 503"), third);
      assertTrue(third.contains("OVERLOADED"), third);
      for (int i = 0; i < 2; i++) {
        String answer = readAll(loris.get(i)); // the server closes the connection after answering
        assertTrue(answer.startsWith("HTTP/1.1 504"), answer);
        assertTrue(answer.contains("did not arrive within 500 ms"), answer);
      }
      assertTrue(
          System.nanoTime() - started < TimeUnit.SECONDS.toNanos(3),
          "cut off by the body deadline");
      assertEquals(2, refusedOn(metrics, "body_timeout"));
      assertEquals(1, refusedOn(metrics, "overloaded"));
      assertEquals(
          0, metrics.get("timed_web_body_bytes").gauge().value(), "every body's bytes given back");
      loris.forEach(WebPortTest::closeQuietly);

      // and the port still serves
      HttpResponse<String> ok =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + p + "/" + SERVICE + "GetStatus"))
                  .POST(HttpRequest.BodyPublishers.ofString("{}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ok.statusCode(), ok.body());
    } finally {
      sockets.forEach(WebPortTest::closeQuietly);
      port.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }
  }

  private static String readAll(Socket s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = s.getInputStream()) {
      in.transferTo(out);
    } catch (java.net.SocketException reset) {
      // closed by the server after its answer
    }
    return out.toString(StandardCharsets.US_ASCII);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }
}
