package io.timecoin.node;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.timecoin.node.api.NodeApi;
import io.timecoin.node.config.HostPort;
import io.timecoin.node.config.NodeConfig;
import io.timecoin.node.config.NodeLimits;
import io.timecoin.node.tls.TlsContexts;
import io.timecoin.node.web.WebPort;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The ports clients use: the client gRPC port (NodeService, health, reflection), the metrics port
 * (/metrics, /healthz) and the web port (gRPC-Web, JSON, the explorer), whose calls reach the same
 * service object through an in-process channel.
 */
final class ClientPorts {
  private static final Logger LOG = Logger.getLogger(ClientPorts.class.getName());

  /** The classpath folder of the explorer's files, bundled in the jar. */
  static final String WEB_STATIC_ROOT = "explorer";

  private final String name;
  private final NodeConfig config;
  private final Server clientServer;
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer metricsServer;

  /**
   * The web port, and the in-process server and channel that carry its calls to the client API;
   * null when off.
   */
  private final WebPort webPort;

  private final Server webCalls;
  private final ManagedChannel webChannel;
  private volatile int webPortBound = -1;

  ClientPorts(
      String name,
      NodeConfig config,
      TlsContexts tls,
      NodeApi api,
      NodeHealth health,
      NodeMetrics metrics,
      ExecutorService calls)
      throws IOException {
    this.name = name;
    this.config = config;
    NodeLimits limits = config.limits();
    int maxRequestBytes = limits.intValue(NodeLimits.CLIENT_MAX_MESSAGE_BYTES);
    NettyServerBuilder clientBuilder =
        NettyServerBuilder.forAddress(HostPort.parse(config.clientListen()).socketAddress());
    if (tls != null) {
      clientBuilder.sslContext(tls.clientServer());
    }
    // one service object and one chain of interceptors, served on the client port and, through an
    // in-process channel, on the web port
    ServerServiceDefinition service =
        ServerInterceptors.intercept(
            api,
            new RefuseUnknownFields(
                io.grpc.Status.Code.INVALID_ARGUMENT,
                "client",
                metrics.registry,
                Set.of("SubmitTransactions")),
            new ApiMetrics(metrics.registry));
    this.clientServer =
        clientBuilder
            .executor(calls)
            .addService(service)
            .addService(health.service())
            .addService(ProtoReflectionServiceV1.newInstance())
            .maxInboundMessageSize(maxRequestBytes)
            .maxConcurrentCallsPerConnection(
                limits.intValue(NodeLimits.CLIENT_MAX_CALLS_PER_CONNECTION))
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .build();
    this.metricsServer =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  switch (req
                      .path()) { // the rest is not this port's: 404, not the metrics page for every
                    // path
                    case "/metrics" ->
                        req.response()
                            .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                            .end(metrics.registry.scrape());
                    case "/healthz" -> WebPort.healthz(req.response(), health.serving());
                    default ->
                        req.response()
                            .setStatusCode(404)
                            .putHeader("content-type", "text/plain; charset=utf-8")
                            .end("not found: this port serves /metrics and /healthz\n");
                  }
                });
    if (config.webListen().isEmpty()) {
      this.webCalls = null;
      this.webChannel = null;
      this.webPort = null;
    } else {
      String inProcess = "timed-web-" + name + "-" + System.identityHashCode(this);
      this.webCalls =
          InProcessServerBuilder.forName(inProcess)
              .executor(calls)
              .addService(service)
              .maxInboundMessageSize(maxRequestBytes)
              .build();
      // answers come from this node's own service: as large as a block, whatever the request limit
      this.webChannel =
          InProcessChannelBuilder.forName(inProcess)
              .directExecutor()
              .maxInboundMessageSize(Integer.MAX_VALUE)
              .build();
      this.webPort =
          new WebPort(
              vertx,
              webChannel,
              NodeServiceGrpc.getServiceDescriptor(),
              metrics.registry,
              metrics.registry::scrape,
              health::serving,
              WEB_STATIC_ROOT,
              WebPort.Limits.of(limits));
    }
  }

  /** Listens on each port; a port in use is an IOException that names it. */
  void start() throws IOException {
    Ports.listen(clientServer, config.clientListen(), "client");
    String listening = config.metricsListen() + " (metrics port)";
    try {
      InetSocketAddress m = HostPort.parse(config.metricsListen()).socketAddress();
      metricsServer
          .listen(m.getPort(), m.getHostString())
          .toCompletionStage()
          .toCompletableFuture()
          .join();
      if (webPort != null) {
        listening = config.webListen() + " (web port)";
        webCalls.start();
        InetSocketAddress w = HostPort.parse(config.webListen()).socketAddress();
        webPortBound =
            webPort
                .listen(w.getHostString(), w.getPort())
                .toCompletionStage()
                .toCompletableFuture()
                .join();
      }
    } catch (RuntimeException e) {
      throw new IOException(
          name
              + ": cannot listen on "
              + listening
              + ": "
              + Ports.rootMessage(e)
              + "; is another node running there? (--base-port moves the ports)",
          e);
    }
  }

  /**
   * The explorer's address on the web port (http://host:port/), or null when the node has no web
   * port.
   */
  String webUrl() {
    if (webPort == null || webPortBound < 0) {
      return null;
    }
    HostPort w = HostPort.parse(config.webListen());
    return "http://" + new HostPort(w.host(), webPortBound) + "/";
  }

  /** Stops taking calls: the client port now, the web port with it; see {@link #close}. */
  void shutdown() {
    clientServer.shutdown();
    if (webPort != null) {
      webPort.close();
      webChannel.shutdownNow();
      webCalls.shutdownNow();
    }
  }

  /**
   * After {@link #shutdown}: waits for the calls to end, then stops the metrics port and its event
   * loop.
   */
  void close() {
    try {
      clientServer.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException ignored) {
      Thread.currentThread().interrupt();
    }
    metricsServer.close();
    try { // waited for: its event loop must not outlive the node (a JVM exiting under it has
      // crashed)
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.warning(name + " closing the metrics server: " + e);
    }
  }
}
