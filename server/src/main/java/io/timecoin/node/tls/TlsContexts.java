package io.timecoin.node.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * TLS for a node whose tls_dir holds node.crt.pem, node.key.pem and ca.pem: on the peer port both
 * sides present a certificate the network's CA signed (mutual TLS); on the client port the node
 * presents its certificate and clients trust ca.pem.
 */
public final class TlsContexts {
  private final File cert;
  private final File key;
  private final File ca;

  public TlsContexts(Path dir) throws IOException {
    this.cert = need(dir.resolve("node.crt.pem"));
    this.key = need(dir.resolve("node.key.pem"));
    this.ca = need(dir.resolve("ca.pem"));
  }

  private static File need(Path p) throws IOException {
    if (!Files.isRegularFile(p)) {
      throw new IOException("TLS is on but " + p + " is missing (timed init --tls makes it)");
    }
    return p.toFile();
  }

  public SslContext peerServer() throws IOException {
    return GrpcSslContexts.forServer(cert, key)
        .trustManager(ca)
        .clientAuth(ClientAuth.REQUIRE)
        .build();
  }

  public SslContext peerClient() throws IOException {
    return GrpcSslContexts.forClient().trustManager(ca).keyManager(cert, key).build();
  }

  public SslContext clientServer() throws IOException {
    return GrpcSslContexts.forServer(cert, key).build();
  }

  /** What a client of the node's API uses: trust the network's CA. */
  public static SslContext client(Path caFile) throws IOException {
    return GrpcSslContexts.forClient().trustManager(caFile.toFile()).build();
  }
}
