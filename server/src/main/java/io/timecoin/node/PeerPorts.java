package io.timecoin.node;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.HostPort;
import io.timecoin.node.config.NodeConfig;
import io.timecoin.node.peer.PeerLimits;
import io.timecoin.node.peer.PeerNetwork;
import io.timecoin.node.peer.PeerPort;
import io.timecoin.node.tls.TlsContexts;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.storage.ChainStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The peer side of a node: its PeerNetwork, the peer port that serves it, and how it dials peers.
 */
final class PeerPorts {
  final PeerNetwork network;
  private final Server server;
  private final NodeConfig config;
  private final TlsContexts tls;
  private final int maxMessageBytes;
  private final NodeMetrics metrics;

  PeerPorts(
      Genesis genesis,
      NodeConfig config,
      Ed25519KeyPair key,
      TlsContexts tls,
      ChainStore chain,
      PeerNetwork.Inbound inbound,
      PeerLimits limits,
      NodeMetrics metrics,
      Predicate<ByteString> isValidator)
      throws IOException {
    this.config = config;
    this.tls = tls;
    this.maxMessageBytes = limits.maxMessageBytes();
    this.metrics = metrics;
    this.network =
        new PeerNetwork(
            genesis.chainId(),
            genesis.hash(),
            key,
            inbound,
            reader(chain),
            limits,
            metrics.registry,
            this::dial,
            isValidator);
    // connections: each validator may dial and be dialed, with room for redials and non-validators
    NettyServerBuilder builder =
        PeerPort.builder(
            HostPort.parse(config.peerListen()).socketAddress(),
            network,
            4 * genesis.maxValidators(),
            maxMessageBytes,
            new RefuseUnknownFields(
                io.grpc.Status.Code.FAILED_PRECONDITION, "peer", metrics.registry, Set.of()));
    if (tls != null) {
      builder.sslContext(tls.peerServer());
    }
    this.server = builder.build();
  }

  void start() throws IOException {
    Ports.listen(server, config.peerListen(), "peer");
  }

  /** Dials the peers the config names (after start: the consensus loop takes their messages). */
  void connect() {
    network.dial(config.peers());
  }

  /**
   * A channel to a peer. directExecutor: peer callbacks only queue work (consensus loop, verifier
   * pool), so they run on the network threads instead of paying a thread hand-off per message.
   */
  private ManagedChannel dial(String address) {
    NettyChannelBuilder b =
        NettyChannelBuilder.forTarget(address)
            .maxInboundMessageSize(maxMessageBytes)
            .disableRetry()
            .directExecutor()
            .intercept(RefuseUnknownFields.onDialedChannels(metrics.registry));
    if (tls == null) {
      return b.usePlaintext().build();
    }
    try {
      return b.sslContext(tls.peerClient()).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What peers may read of the chain: blocks and certificates, for sync. */
  private static PeerNetwork.ChainReader reader(ChainStore chain) {
    return new PeerNetwork.ChainReader() {
      @Override
      public Optional<Block> block(long height) {
        try {
          return chain.blockAt(height);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public Optional<FinalityCertificate> certificate(long height) {
        try {
          return chain.certificateAt(height);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }

      @Override
      public long tipHeight() {
        return chain.tipHeight();
      }
    };
  }

  /** Closes the peer connections and stops the port, waiting a moment for its calls. */
  void close() {
    network.close();
    server.shutdown();
  }

  void awaitTermination() {
    try {
      server.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException ignored) {
      Thread.currentThread().interrupt();
    }
  }
}
