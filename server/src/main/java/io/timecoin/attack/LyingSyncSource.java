package io.timecoin.attack;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
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
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.SyncBlocksRequest;
import io.timecoin.proto.v1.SyncBlocksResponse;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Vote;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The attacker serving PeerService, listed among an honest node's peers: its hello claims a height
 * far ahead of the chain. A claim alone makes no node ask it (only heights that verified messages
 * prove choose a sync source), so with a link of its own to an honest node it passes on to whoever
 * dialed it the genuine votes it hears there, before the honest copies arrive: those prove a
 * height, and the lagging node asks it for blocks. It then either stalls (opens the stream and
 * sends nothing, for ever) or serves the genuine blocks (read from an honest node) with their
 * bodies tampered, and stalls after.
 */
public final class LyingSyncSource implements AutoCloseable {
  public enum Mode {
    STALL,
    TAMPERED
  }

  /**
   * Votes kept to send a node as soon as it is admitted: the newest height's, at most this many.
   */
  private static final int RECENT_VOTES = 16;

  private final Server server;
  private final AttackHandshake handshake;
  private final long claimedHeight;
  private final Mode mode;
  private final NodeServiceGrpc.NodeServiceBlockingStub honest;
  private final PeerLink relayFrom;
  private final Set<StreamObserver<ConnectResponse>> dialers = ConcurrentHashMap.newKeySet();
  private final Deque<Vote> recent = new ArrayDeque<>();
  public final AtomicLong connects = new AtomicLong();
  public final AtomicLong syncRequests = new AtomicLong();
  public final AtomicLong tamperedBlocksServed = new AtomicLong();
  public final AtomicLong votesRelayed = new AtomicLong();

  /**
   * @param honest a node to read genuine blocks from (for TAMPERED)
   * @param listenTo a channel to an honest node's peer port whose votes it passes on; null: it only
   *     claims a height
   */
  public LyingSyncSource(
      String chainId,
      ByteString genesisHash,
      Mode mode,
      long claimedHeight,
      NodeServiceGrpc.NodeServiceBlockingStub honest,
      ManagedChannel listenTo)
      throws IOException, InterruptedException {
    this.handshake = new AttackHandshake(chainId, genesisHash, Ed25519KeyPair.generate());
    this.claimedHeight = claimedHeight;
    this.mode = mode;
    this.honest = honest;
    this.server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(service())
            .maxInboundMessageSize(16 << 20)
            .build()
            .start();
    if (listenTo != null) {
      relayFrom = PeerLink.open(listenTo, handshake, 0, this::heard);
      if (!relayFrom.awaitAdmitted(5_000)) {
        throw new IllegalStateException(
            "the honest node did not admit the lying source's own link");
      }
    } else {
      relayFrom = null;
    }
  }

  /** Where it listens: the address to put in a node's peers. */
  public String address() {
    return "127.0.0.1:" + server.getPort();
  }

  /**
   * A genuine message from the honest node: its votes go on to every node that dialed this source.
   */
  private void heard(PeerMessage m) {
    if (!m.hasVote()) {
      return;
    }
    Vote v = m.getVote();
    synchronized (recent) {
      if (!recent.isEmpty() && recent.peekLast().getHeight() < v.getHeight()) {
        recent.clear();
      }
      if (recent.isEmpty() || recent.peekLast().getHeight() == v.getHeight()) {
        recent.addLast(v);
        if (recent.size() > RECENT_VOTES) {
          recent.removeFirst();
        }
      }
    }
    for (StreamObserver<ConnectResponse> out : dialers) {
      relay(out, m);
    }
  }

  private void relay(StreamObserver<ConnectResponse> out, PeerMessage m) {
    try {
      send(out, m);
      votesRelayed.incrementAndGet();
    } catch (RuntimeException e) {
      dialers.remove(out); // the node closed the stream
    }
  }

  private PeerServiceGrpc.PeerServiceImplBase service() {
    return new PeerServiceGrpc.PeerServiceImplBase() {
      @Override
      public StreamObserver<ConnectRequest> connect(StreamObserver<ConnectResponse> out) {
        connects.incrementAndGet();
        return new StreamObserver<>() {
          private int hellos;

          @Override
          public void onNext(ConnectRequest r) {
            if (!r.getMessage().hasHello()) {
              return; // consensus messages are not its business
            }
            hellos++;
            if (hellos == 1) {
              send(
                  out,
                  PeerMessage.newBuilder()
                      .setHello(handshake.answer(r.getMessage().getHello(), claimedHeight))
                      .build());
            } else if (hellos == 2 && relayFrom != null) { // D2: the dialer has admitted it
              List<Vote> now;
              synchronized (recent) {
                now = new ArrayList<>(recent);
              }
              for (Vote v : now) {
                relay(out, PeerMessage.newBuilder().setVote(v).build());
              }
              dialers.add(out);
            }
          }

          @Override
          public void onError(Throwable t) {
            dialers.remove(out);
          }

          @Override
          public void onCompleted() {
            dialers.remove(out);
            try {
              out.onCompleted();
            } catch (RuntimeException ignored) {
              // already closed
            }
          }
        };
      }

      @Override
      public void syncBlocks(SyncBlocksRequest request, StreamObserver<SyncBlocksResponse> out) {
        syncRequests.incrementAndGet();
        if (mode == Mode.TAMPERED) {
          for (long h = Math.max(1, request.getFromHeight());
              h < request.getFromHeight() + 50;
              h++) {
            try {
              Block b =
                  honest
                      .withDeadlineAfter(2, TimeUnit.SECONDS)
                      .getBlock(GetBlockRequest.newBuilder().setHeight(h).build())
                      .getBlock();
              var cert =
                  honest
                      .withDeadlineAfter(2, TimeUnit.SECONDS)
                      .getCertificate(GetCertificateRequest.newBuilder().setHeight(h).build())
                      .getCertificate();
              out.onNext(
                  SyncBlocksResponse.newBuilder().setBlock(tamper(b)).setCertificate(cert).build());
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

  /**
   * The block with its body changed and its header (so its hash and certificate) not: one witness
   * byte flipped, or when it has no witness, a transaction its tx_root does not cover added.
   */
  static Block tamper(Block b) {
    Block flipped = ByzantinePeer.flipWitness(b);
    if (flipped != null) {
      return flipped;
    }
    return b.toBuilder()
        .setBody(
            b.getBody().toBuilder()
                .addTransactions(
                    Transaction.newBuilder()
                        .setVersion(io.timecoin.protocol.ProtocolVersion.TRANSACTION)
                        .addOutputs(
                            TxOutput.newBuilder()
                                .setAmount(1)
                                .setAddress(ByteString.copyFrom(new byte[20])))))
        .build();
  }

  private static void send(StreamObserver<ConnectResponse> out, PeerMessage m) {
    synchronized (out) {
      out.onNext(ConnectResponse.newBuilder().setMessage(m).build());
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (relayFrom != null) {
      relayFrom.close();
    }
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
