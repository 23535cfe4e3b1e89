package io.timecoin.node.peer;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.ConnectResponse;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Hello;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.Transaction;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.BooleanSupplier;

/**
 * A PeerNetwork on a real peer port on 127.0.0.1, and raw peers that speak to it, for the peer
 * tests.
 */
final class PeerKit implements AutoCloseable {
  static final String CHAIN = "timecoin-test";
  static final ByteString GENESIS = ByteString.copyFrom(new byte[32]);

  final Ed25519KeyPair key = Ed25519KeyPair.generate();
  final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  final List<Block> blocks = new CopyOnWriteArrayList<>(); // blocks.get(h - 1) is height h
  final LinkedBlockingQueue<Block> synced = new LinkedBlockingQueue<>();
  final LinkedBlockingQueue<SyncSource> syncSources = new LinkedBlockingQueue<>();
  final LinkedBlockingQueue<PeerMessage> messages = new LinkedBlockingQueue<>();

  /**
   * The keys the network takes for validators of the current set (none unless a test adds them).
   */
  final java.util.Set<ByteString> validators = java.util.concurrent.ConcurrentHashMap.newKeySet();

  final PeerNetwork network;
  final Server server;
  final int port;
  private final List<ManagedChannel> channels = new ArrayList<>();

  PeerKit(PeerLimits limits) throws IOException {
    this(limits, 64);
  }

  PeerKit(PeerLimits limits, int maxConnections) throws IOException {
    network =
        new PeerNetwork(
            CHAIN,
            GENESIS,
            key,
            new PeerNetwork.Inbound() {
              @Override
              public void message(PeerMessage message, PeerConnection from) {
                messages.add(message);
              }

              @Override
              public void transaction(Transaction tx, PeerConnection from) {}

              @Override
              public void synced(Block block, FinalityCertificate certificate, SyncSource source) {
                synced.add(block);
                syncSources.add(source);
              }
            },
            new PeerNetwork.ChainReader() {
              @Override
              public Optional<Block> block(long height) {
                return height >= 1 && height <= blocks.size()
                    ? Optional.of(blocks.get((int) height - 1))
                    : Optional.empty();
              }

              @Override
              public Optional<FinalityCertificate> certificate(long height) {
                return block(height)
                    .map(b -> FinalityCertificate.newBuilder().setHeight(height).build());
              }

              @Override
              public long tipHeight() {
                return blocks.size();
              }
            },
            limits,
            metrics,
            address -> NettyChannelBuilder.forTarget(address).usePlaintext().disableRetry().build(),
            validators::contains);
    server =
        PeerPort.builder(new InetSocketAddress("127.0.0.1", 0), network, maxConnections, 8 << 20)
            .build()
            .start();
    port = server.getPort();
  }

  static PeerLimits fast() {
    return new PeerLimits(
        16L << 20,
        48L << 20,
        8 << 20,
        Duration.ofMillis(500),
        Duration.ofMillis(500),
        Duration.ofMillis(500),
        8,
        2,
        Duration.ofMillis(500),
        1_000);
  }

  /** Appends blocks whose header carries {@code padding} bytes. */
  void grow(int n, int padding) {
    for (int i = 0; i < n; i++) {
      blocks.add(
          Block.newBuilder()
              .setHeader(
                  BlockHeader.newBuilder()
                      .setHeight(blocks.size() + 1)
                      .setPrevHash(ByteString.copyFrom(new byte[padding])))
              .build());
    }
  }

  ManagedChannel channel() {
    ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    channels.add(c);
    return c;
  }

  PeerConnection peer(ByteString key) {
    return network.peers().stream().anyMatch(p -> p.getNodeKey().equals(key))
        ? network.peerOf(key)
        : null;
  }

  boolean listed(ByteString key) {
    return network.peers().stream().anyMatch(p -> p.getNodeKey().equals(key));
  }

  double counter(String name, String reason) {
    var c = metrics.find(name).tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  static void await(BooleanSupplier condition, long millis, String what)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting: " + what);
      }
      Thread.sleep(10);
    }
  }

  /** A peer speaking the Connect stream by hand: hellos and messages as the test wants them. */
  static final class RawPeer implements ClientResponseObserver<ConnectRequest, ConnectResponse> {
    final Ed25519KeyPair key;
    final ByteString keyBytes;
    final Handshake handshake;
    final LinkedBlockingQueue<PeerMessage> received = new LinkedBlockingQueue<>();
    final CompletableFuture<Throwable> ended = new CompletableFuture<>();
    final boolean reads;
    ClientCallStreamObserver<ConnectRequest> out;

    RawPeer(Ed25519KeyPair key, boolean reads) {
      this.key = key;
      this.keyBytes = ByteString.copyFrom(key.publicKey().bytes());
      this.handshake = new Handshake(CHAIN, GENESIS, key, () -> 0);
      this.reads = reads;
    }

    RawPeer open(ManagedChannel channel) {
      PeerServiceGrpc.newStub(channel).connect(this);
      return this;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ConnectRequest> requests) {
      this.out = requests;
      if (!reads) {
        requests.disableAutoRequestWithInitial(1); // the first message (the node's hello) only
      }
    }

    synchronized void send(PeerMessage m) {
      out.onNext(ConnectRequest.newBuilder().setMessage(m).build());
    }

    void send(Hello h) {
      send(PeerMessage.newBuilder().setHello(h).build());
    }

    /** The full handshake as a dialer; returns the hellos sent (D1, D2). */
    List<Hello> handshake() throws Exception {
      Handshake.Dialer d = handshake.dialer();
      Hello d1 = d.first();
      send(d1);
      PeerMessage s = next();
      Handshake.Step step = d.next(s.getHello());
      if (step.refusal() != null) {
        throw step.refusal();
      }
      send(step.reply());
      return List.of(d1, step.reply());
    }

    PeerMessage next() throws InterruptedException {
      PeerMessage m = received.poll(5, java.util.concurrent.TimeUnit.SECONDS);
      if (m == null) {
        throw new AssertionError("nothing received; ended: " + ended.getNow(null));
      }
      return m;
    }

    @Override
    public void onNext(ConnectResponse value) {
      received.add(value.getMessage());
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(t);
    }

    @Override
    public void onCompleted() {
      ended.complete(null);
    }
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    network.close();
    server.shutdownNow();
  }
}
