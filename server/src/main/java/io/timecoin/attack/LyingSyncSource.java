package io.timecoin.attack;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.ConnectResponse;
import io.timecoin.proto.v1.GetBlockRequest;
import io.timecoin.proto.v1.GetCertificateRequest;
import io.timecoin.proto.v1.Hello;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.SyncBlocksRequest;
import io.timecoin.proto.v1.SyncBlocksResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The attacker serving PeerService, listed among an honest node's peers: its hello claims a height
 * far ahead of the chain, so the node asks it for blocks; it then either stalls (opens the stream
 * and sends nothing, for ever) or serves the genuine blocks (read from an honest node) with their
 * bodies tampered, and stalls after.
 */
public final class LyingSyncSource implements AutoCloseable {
  public enum Mode { STALL, TAMPERED }

  private final Server server;
  private final AttackHandshake handshake;
  private final long claimedHeight;
  private final Mode mode;
  private final NodeServiceGrpc.NodeServiceBlockingStub honest;
  public final AtomicLong connects = new AtomicLong();
  public final AtomicLong syncRequests = new AtomicLong();
  public final AtomicLong tamperedBlocksServed = new AtomicLong();

  /** @param honest a node to read genuine blocks from (for TAMPERED) */
  public LyingSyncSource(String chainId, ByteString genesisHash, Mode mode, long claimedHeight,
      NodeServiceGrpc.NodeServiceBlockingStub honest) throws IOException {
    this.handshake = new AttackHandshake(chainId, genesisHash, Ed25519KeyPair.generate());
    this.claimedHeight = claimedHeight;
    this.mode = mode;
    this.honest = honest;
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service())
        .maxInboundMessageSize(16 << 20).build().start();
  }

  /** Where it listens: the address to put in a node's peers. */
  public String address() {
    return "127.0.0.1:" + server.getPort();
  }

  private PeerServiceGrpc.PeerServiceImplBase service() {
    return new PeerServiceGrpc.PeerServiceImplBase() {
      @Override
      public StreamObserver<ConnectRequest> connect(StreamObserver<ConnectResponse> out) {
        connects.incrementAndGet();
        return new StreamObserver<>() {
          private boolean first = true;

          @Override
          public void onNext(ConnectRequest r) {
            if (first && r.getMessage().hasHello()) {
              first = false;
              send(out, handshake.answer(r.getMessage().getHello(), claimedHeight));
            } // the rest (D2, consensus messages) is not its business
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {
            out.onCompleted();
          }
        };
      }

      @Override
      public void syncBlocks(SyncBlocksRequest request, StreamObserver<SyncBlocksResponse> out) {
        syncRequests.incrementAndGet();
        if (mode == Mode.TAMPERED) {
          for (long h = Math.max(1, request.getFromHeight()); h < request.getFromHeight() + 50; h++) {
            try {
              Block b = honest.withDeadlineAfter(2, TimeUnit.SECONDS).getBlock(GetBlockRequest.newBuilder().setHeight(h).build()).getBlock();
              var cert = honest.withDeadlineAfter(2, TimeUnit.SECONDS)
                  .getCertificate(GetCertificateRequest.newBuilder().setHeight(h).build()).getCertificate();
              Block flipped = ByzantinePeer.flipWitness(b);
              out.onNext(SyncBlocksResponse.newBuilder().setBlock(flipped != null ? flipped : ByzantinePeer.withUnknownField(b))
                  .setCertificate(cert).build());
              tamperedBlocksServed.incrementAndGet();
            } catch (StatusRuntimeException e) {
              break; // past the honest tip, or the stream is gone
            }
          }
        }
        // and then nothing more, ever: a stalled stream
      }
    };
  }

  private static synchronized void send(StreamObserver<ConnectResponse> out, Hello h) {
    out.onNext(ConnectResponse.newBuilder().setMessage(PeerMessage.newBuilder().setHello(h)).build());
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
