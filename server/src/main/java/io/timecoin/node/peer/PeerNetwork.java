package io.timecoin.node.peer;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.crypto.InvalidKeyException;
import io.timecoin.crypto.Sha256;
import io.timecoin.node.ApiErrors;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.ConnectResponse;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Hello;
import io.timecoin.proto.v1.PeerInfo;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.SyncBlocksRequest;
import io.timecoin.proto.v1.SyncBlocksResponse;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionBatch;
import io.timecoin.protocol.ProtocolVersion;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The validator-to-validator network (PROTOCOL.md 6): one bidirectional Connect stream per peer,
 * opened by the side that dials, each side's first message a signed Hello checked for chain id,
 * genesis hash and protocol version; relay of every accepted message once; flow-controlled sending
 * with a bounded queue per peer; redialing with backoff; catch-up over SyncBlocks.
 *
 * <p>It never runs consensus logic: messages go to {@link Inbound}, which queues them for the
 * consensus thread.
 */
public final class PeerNetwork implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PeerNetwork.class.getName());
  private static final SecureRandom RANDOM = new SecureRandom();
  /** A peer whose messages were refused this many times is disconnected. */
  static final int MAX_INVALID = 50;

  /** Where the network hands what it receives. */
  public interface Inbound {
    /** A proposal, vote or evidence from a peer (hello already checked), seen for the first time. */
    void message(PeerMessage message, PeerConnection from);

    /** A transaction from a peer, alone or in a batch, seen for the first time. */
    void transaction(Transaction tx, PeerConnection from);

    /** A block and certificate from a peer's sync stream. */
    void synced(Block block, FinalityCertificate certificate);
  }

  /** The finalized blocks this node serves to syncing peers. */
  public interface ChainReader {
    Optional<Block> block(long height);

    Optional<FinalityCertificate> certificate(long height);

    long tipHeight();
  }

  private final String chainId;
  private final ByteString genesisHash;
  private final Ed25519KeyPair key;
  private final ByteString ownKey;
  private final Inbound inbound;
  private final ChainReader chain;
  private final int maxQueued;
  private final int maxMessageBytes;
  private final Map<ByteString, PeerConnection> peers = new ConcurrentHashMap<>();
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  /** Which node answered at each dialed address: no need to dial it while it is connected anyway. */
  private final Map<String, ByteString> keyAt = new ConcurrentHashMap<>();
  private final SeenMessages seen = new SeenMessages(100_000);
  private final ScheduledExecutorService redial = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "peer-dialer");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean syncing = new AtomicBoolean();
  /** The sync stream's callbacks wait while the node applies what it has (flow control): never on a network thread. */
  private final java.util.concurrent.ExecutorService syncCallbacks = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0,
      TimeUnit.MILLISECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "peer-sync");
        t.setDaemon(true);
        return t;
      }, new java.util.concurrent.ThreadPoolExecutor.DiscardPolicy()); // after close: gRPC's last callbacks of a sync stream are moot
  private volatile boolean closed;

  private final java.util.function.Function<String, ManagedChannel> dialer;

  /**
   * @param dialer makes the channel to a peer's host:port (plaintext or TLS), without retries:
   *     a broken stream is torn down and redialed, not replayed
   */
  public PeerNetwork(String chainId, ByteString genesisHash, Ed25519KeyPair key, Inbound inbound, ChainReader chain,
      int maxQueued, int maxMessageBytes, java.util.function.Function<String, ManagedChannel> dialer) {
    this.dialer = dialer;
    this.chainId = chainId;
    this.genesisHash = genesisHash;
    this.key = key;
    this.ownKey = ByteString.copyFrom(key.publicKey().bytes());
    this.inbound = inbound;
    this.chain = chain;
    this.maxQueued = maxQueued;
    this.maxMessageBytes = maxMessageBytes;
  }

  // ---------------------------------------------------------------- hello

  private Hello hello() {
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    Hello unsigned = Hello.newBuilder().setChainId(chainId).setGenesisHash(genesisHash)
        .setProtocolVersion(ProtocolVersion.PEER).setNodeKey(ownKey).setHeight(chain.tipHeight())
        .setNonce(ByteString.copyFrom(nonce)).build();
    return unsigned.toBuilder().setSignature(ByteString.copyFrom(key.sign(CanonicalBytes.hello(unsigned)))).build();
  }

  /** Null when the hello is acceptable; otherwise the refusal to send back. */
  private StatusRuntimeException checkHello(Hello h) {
    if (!h.getChainId().equals(chainId)) {
      return refusal(ErrorReason.ERROR_REASON_WRONG_CHAIN, "peer is on chain '" + h.getChainId() + "', this node on '" + chainId + "'");
    }
    if (!h.getGenesisHash().equals(genesisHash)) {
      return refusal(ErrorReason.ERROR_REASON_GENESIS_MISMATCH, "peer's genesis hash " + hex(h.getGenesisHash())
          + " is not this node's " + hex(genesisHash));
    }
    if (h.getProtocolVersion() != ProtocolVersion.PEER) {
      return refusal(ErrorReason.ERROR_REASON_PROTOCOL_VERSION_MISMATCH, "peer speaks protocol "
          + h.getProtocolVersion() + ", this node " + ProtocolVersion.PEER);
    }
    if (h.getNonce().size() < 16 || h.getNonce().size() > 64) {
      return refusal(ErrorReason.ERROR_REASON_MALFORMED, "hello nonce must be 16 to 64 bytes");
    }
    try {
      if (!Ed25519PublicKey.of(h.getNodeKey().toByteArray()).verify(CanonicalBytes.hello(h), h.getSignature().toByteArray())) {
        return refusal(ErrorReason.ERROR_REASON_BAD_SIGNATURE, "hello signature does not verify");
      }
    } catch (InvalidKeyException | MalformedException e) {
      return refusal(ErrorReason.ERROR_REASON_MALFORMED, "hello: " + e.getMessage());
    }
    if (h.getNodeKey().equals(ownKey)) {
      return refusal(ErrorReason.ERROR_REASON_INVALID_ARGUMENT, "connected to itself");
    }
    return null;
  }

  private static StatusRuntimeException refusal(ErrorReason reason, String message) {
    return ApiErrors.of(Status.Code.FAILED_PRECONDITION, reason, message);
  }

  /** The first message of a stream: check it, then admit the peer (or refuse it). */
  private void onFirstMessage(PeerConnection conn, PeerMessage message, java.util.function.Consumer<StatusRuntimeException> refuse) {
    if (!message.hasHello()) {
      refuse.accept(refusal(ErrorReason.ERROR_REASON_MALFORMED, "the first message must be a hello"));
      return;
    }
    Hello h = message.getHello();
    StatusRuntimeException refused = checkHello(h);
    if (refused != null) {
      ErrorInfo info = errorInfo(refused);
      LOG.warning("refused peer " + conn.address + ": " + (info == null ? "" : info.getReason() + ": ")
          + refused.getStatus().getDescription());
      refuse.accept(refused);
      return;
    }
    conn.remoteKey = h.getNodeKey();
    conn.remoteHeight = h.getHeight();
    if (conn.direction == PeerConnection.Direction.OUTBOUND) {
      keyAt.put(conn.address, h.getNodeKey());
    }
    admit(conn);
  }

  /** When both sides dial, the stream dialed by the lower key stays. */
  private void admit(PeerConnection conn) {
    PeerConnection kept = peers.merge(conn.remoteKey, conn, (old, fresh) -> {
      if (old.isClosed()) {
        return fresh;
      }
      boolean freshDialedByLower = fresh.direction == PeerConnection.Direction.OUTBOUND
          ? ByteString.unsignedLexicographicalComparator().compare(ownKey, fresh.remoteKey) < 0
          : ByteString.unsignedLexicographicalComparator().compare(fresh.remoteKey, ownKey) < 0;
      return freshDialedByLower ? fresh : old;
    });
    if (kept != conn) {
      conn.closeQuietly(); // both sides dialed: the other stream stays
      return;
    }
    LOG.info(() -> "peer connected: " + conn + " (" + conn.direction.name().toLowerCase() + ", height " + conn.remoteHeight + ")");
    if (conn.remoteHeight > chain.tipHeight() + 1) {
      requestSync();
    }
  }

  private void onMessage(PeerConnection conn, PeerMessage message) {
    if (message.hasHello()) {
      penalize(conn, "a second hello");
      return;
    }
    if (message.hasTransactions()) {
      List<Transaction> txs = message.getTransactions().getTransactionsList();
      if (txs.isEmpty()) {
        penalize(conn, "an empty transaction batch");
      }
      for (Transaction tx : txs) {
        if (seen.firstTime(seenKey(tx))) {
          inbound.transaction(tx, conn);
        }
      }
      return;
    }
    if (!seen.firstTime(seenKey(message))) {
      return; // already handled and relayed
    }
    if (message.hasTransaction()) {
      inbound.transaction(message.getTransaction(), conn);
    } else {
      inbound.message(message, conn);
    }
  }

  /** Counts a refused message against the peer; too many and it is disconnected. */
  public void penalize(PeerConnection conn, String why) {
    if (conn != null && ++conn.invalid >= MAX_INVALID) {
      conn.close("sent " + conn.invalid + " invalid messages, the last: " + why);
    }
  }

  /** A peer's latest known height (from its hello and its votes), to know whom to sync from. */
  public void heard(PeerConnection conn, long height) {
    if (conn != null && height > conn.remoteHeight) {
      conn.remoteHeight = height;
    }
  }

  // ---------------------------------------------------------------- the server side

  /** The PeerService that the peer port serves. */
  public PeerServiceGrpc.PeerServiceImplBase service() {
    return new PeerServiceGrpc.PeerServiceImplBase() {
      @Override
      public StreamObserver<ConnectRequest> connect(StreamObserver<ConnectResponse> responseObserver) {
        ServerCallStreamObserver<ConnectResponse> out = (ServerCallStreamObserver<ConnectResponse>) responseObserver;
        PeerConnection conn = new PeerConnection(PeerConnection.Direction.INBOUND, remoteAddress(), maxQueued);
        AtomicBoolean done = new AtomicBoolean();
        conn.bind(m -> {
          out.onNext(ConnectResponse.newBuilder().setMessage(m).build());
          sent(m);
        }, out::isReady,
            reason -> {
              if (done.compareAndSet(false, true)) {
                out.onError(Status.CANCELLED.withDescription(reason).asRuntimeException());
              }
            });
        out.setOnReadyHandler(conn::drain);
        out.setOnCancelHandler(() -> closed(conn));
        conn.send(PeerMessage.newBuilder().setHello(hello()).build());
        return new StreamObserver<>() {
          private boolean first = true;

          @Override
          public void onNext(ConnectRequest request) {
            if (first) {
              first = false;
              onFirstMessage(conn, request.getMessage(), refused -> {
                conn.markClosed();
                if (done.compareAndSet(false, true)) {
                  out.onError(refused);
                }
              });
            } else if (!conn.isClosed()) {
              onMessage(conn, request.getMessage());
            }
          }

          @Override
          public void onError(Throwable t) {
            closed(conn);
          }

          @Override
          public void onCompleted() {
            closed(conn);
            if (done.compareAndSet(false, true)) {
              out.onCompleted();
            }
          }
        };
      }

      @Override
      public void syncBlocks(SyncBlocksRequest request, StreamObserver<SyncBlocksResponse> responseObserver) {
        ServerCallStreamObserver<SyncBlocksResponse> out = (ServerCallStreamObserver<SyncBlocksResponse>) responseObserver;
        if (!request.getChainId().equals(chainId)) {
          out.onError(refusal(ErrorReason.ERROR_REASON_WRONG_CHAIN, "this node is on chain '" + chainId + "'"));
          return;
        }
        long last = request.getToHeight() == 0 ? chain.tipHeight() : Math.min(request.getToHeight(), chain.tipHeight());
        long[] next = {Math.max(1, request.getFromHeight())};
        Block[] ahead = {null}; // the block after next, read for its last_certificate
        AtomicBoolean finished = new AtomicBoolean();
        Runnable pump = () -> {
          synchronized (next) {
            while (out.isReady() && next[0] <= last && !out.isCancelled()) {
              long h = next[0]++;
              Block b = ahead[0] != null ? ahead[0] : chain.block(h).orElse(null);
              ahead[0] = h < last ? chain.block(h + 1).orElse(null) : null;
              // The certificate of h that block h + 1 carries: the one the syncing node will find
              // again as that block's last_certificate, so it verifies one certificate per height.
              FinalityCertificate c = ahead[0] != null && ahead[0].getBody().hasLastCertificate()
                  ? ahead[0].getBody().getLastCertificate() : chain.certificate(h).orElse(null);
              if (b == null || c == null) {
                break;
              }
              out.onNext(SyncBlocksResponse.newBuilder().setBlock(b).setCertificate(c).build());
            }
            if (next[0] > last && finished.compareAndSet(false, true)) {
              out.onCompleted();
            }
          }
        };
        out.setOnReadyHandler(pump);
        pump.run();
      }
    };
  }

  private static String remoteAddress() {
    java.net.SocketAddress a = io.timecoin.node.peer.RemoteAddress.KEY.get();
    return a == null ? "inbound" : a.toString().replaceFirst("^/", "");
  }

  private void closed(PeerConnection conn) {
    conn.markClosed();
    if (conn.remoteKey != null && peers.remove(conn.remoteKey, conn)) {
      LOG.info(() -> "peer disconnected: " + conn);
    }
  }

  // ---------------------------------------------------------------- the dialing side

  /** Keeps a connection to each address, redialing with backoff (1 s doubling to 10 s). */
  public void dial(List<String> addresses) {
    for (String address : addresses) {
      redial.execute(() -> connect(address, 1_000));
    }
  }

  private ManagedChannel channel(String address) {
    return channels.computeIfAbsent(address, dialer);
  }

  private void connect(String address, long backoffMs) {
    if (closed) {
      return;
    }
    // already connected to whoever is at this address (say, through its own dial)? check again later
    ByteString known = keyAt.get(address);
    PeerConnection live = known == null ? null : peers.get(known);
    if (live != null && !live.isClosed()) {
      redial.schedule(() -> connect(address, 1_000), 5, TimeUnit.SECONDS);
      return;
    }
    PeerConnection conn = new PeerConnection(PeerConnection.Direction.OUTBOUND, address, maxQueued);
    AtomicBoolean ended = new AtomicBoolean();
    Runnable again = () -> {
      if (ended.compareAndSet(false, true) && !closed) {
        closed(conn);
        long wait = conn.remoteKey != null ? 1_000 : backoffMs;
        redial.schedule(() -> connect(address, conn.remoteKey != null ? 1_000 : Math.min(backoffMs * 2, 10_000)),
            wait, TimeUnit.MILLISECONDS);
      }
    };
    PeerServiceGrpc.PeerServiceStub stub = PeerServiceGrpc.newStub(channel(address));
    stub.connect(new ClientResponseObserver<ConnectRequest, ConnectResponse>() {
      private boolean first = true;

      @Override
      public void beforeStart(ClientCallStreamObserver<ConnectRequest> requests) {
        conn.bind(m -> {
          requests.onNext(ConnectRequest.newBuilder().setMessage(m).build());
          sent(m);
        }, requests::isReady,
            reason -> requests.cancel(reason, null));
        requests.setOnReadyHandler(conn::drain);
      }

      @Override
      public void onNext(ConnectResponse response) {
        if (first) {
          first = false;
          onFirstMessage(conn, response.getMessage(), refused -> conn.close(refused.getStatus().getDescription()));
        } else if (!conn.isClosed()) {
          onMessage(conn, response.getMessage());
        }
      }

      @Override
      public void onError(Throwable t) {
        Status s = Status.fromThrowable(t);
        if (s.getCode() == Status.Code.FAILED_PRECONDITION) {
          ErrorInfo info = errorInfo(t);
          LOG.warning("peer " + address + " refused this node: " + (info == null ? "" : info.getReason() + ": ") + s.getDescription());
        } else if (conn.remoteKey != null) {
          LOG.log(Level.FINE, "stream to " + address + " ended: " + s);
        }
        again.run();
      }

      @Override
      public void onCompleted() {
        again.run();
      }
    });
    conn.send(PeerMessage.newBuilder().setHello(hello()).build());
  }

  private static ErrorInfo errorInfo(Throwable t) {
    com.google.rpc.Status status = StatusProto.fromThrowable(t);
    if (status == null) {
      return null;
    }
    for (Any any : status.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        try {
          return any.unpack(ErrorInfo.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          return null;
        }
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- sending

  /** Sends this node's own message to every peer. */
  public void broadcast(PeerMessage message) {
    seen.firstTime(seenKey(message));
    for (PeerConnection p : peers.values()) {
      p.send(message);
    }
  }

  /** How many peers a relayed message goes to, at most. */
  static final int RELAY_FANOUT = 3;

  /**
   * Passes on a message the consensus core accepted to a few peers, chosen at random among those
   * other than the one it came from and its author. Validators are a full mesh and every author
   * sends its own messages to every peer, so relaying serves only links that are down and nodes
   * that are not dialed by everyone; relaying to every peer made the traffic grow with the cube of
   * the validators (970,851 messages per block with 64), a fanout of a few keeps it near the square
   * while a message still spreads through the network in a few hops.
   */
  public void relay(PeerMessage message, PeerConnection from) {
    seen.firstTime(seenKey(message));
    ByteString author = message.hasVote() ? message.getVote().getValidator()
        : message.hasProposal() ? message.getProposal().getProposer() : null;
    for (PeerConnection p : relayTargets(from, author)) {
      p.send(message);
    }
  }

  /**
   * Relays transactions that were admitted together, all from {@code from} (null: from clients), in
   * as few messages as the size limit allows: per message a peer link costs the same for one
   * transaction as for hundreds. Each is marked seen, so a peer relaying it back is not checked again.
   */
  public void relayTransactions(List<Transaction> txs, PeerConnection from) {
    List<PeerConnection> targets = relayTargets(from, null);
    TransactionBatch.Builder batch = TransactionBatch.newBuilder();
    long bytes = 0;
    for (Transaction tx : txs) {
      seen.firstTime(seenKey(tx));
      int size = tx.getSerializedSize();
      if (batch.getTransactionsCount() > 0 && bytes + size > maxMessageBytes / 2) {
        sendBatch(batch, targets);
        batch = TransactionBatch.newBuilder();
        bytes = 0;
      }
      batch.addTransactions(tx);
      bytes += size + 8; // the field's tag and length
    }
    if (batch.getTransactionsCount() > 0) {
      sendBatch(batch, targets);
    }
  }

  private static void sendBatch(TransactionBatch.Builder batch, List<PeerConnection> targets) {
    PeerMessage m = batch.getTransactionsCount() == 1 ? PeerMessage.newBuilder().setTransaction(batch.getTransactions(0)).build()
        : PeerMessage.newBuilder().setTransactions(batch).build();
    for (PeerConnection p : targets) {
      p.send(m);
    }
  }

  /** Up to RELAY_FANOUT peers at random, other than {@code from} and the message's {@code author}. */
  private List<PeerConnection> relayTargets(PeerConnection from, ByteString author) {
    List<PeerConnection> candidates = new ArrayList<>();
    for (PeerConnection p : peers.values()) {
      if (p != from && (author == null || !author.equals(p.remoteKey))) {
        candidates.add(p);
      }
    }
    if (candidates.size() > RELAY_FANOUT) {
      java.util.Collections.shuffle(candidates, java.util.concurrent.ThreadLocalRandom.current());
      return candidates.subList(0, RELAY_FANOUT);
    }
    return candidates;
  }

  /** Asks the peer furthest ahead (that this node dialed) for the blocks it lacks; one sync at a time. */
  public void requestSync() {
    long tip = chain.tipHeight();
    PeerConnection best = null;
    for (PeerConnection p : peers.values()) {
      if (!p.isClosed() && p.direction == PeerConnection.Direction.OUTBOUND && p.remoteHeight > tip
          && (best == null || p.remoteHeight > best.remoteHeight)) {
        best = p;
      }
    }
    if (best == null || !syncing.compareAndSet(false, true)) {
      return;
    }
    PeerConnection source = best;
    LOG.info(() -> "catching up from height " + (tip + 1) + " with " + source + " (at " + source.remoteHeight + ")");
    PeerServiceGrpc.newStub(channel(source.address)).withExecutor(syncCallbacks).syncBlocks(
        SyncBlocksRequest.newBuilder().setChainId(chainId).setFromHeight(tip + 1).build(),
        new StreamObserver<>() {
          @Override
          public void onNext(SyncBlocksResponse r) {
            inbound.synced(r.getBlock(), r.getCertificate());
          }

          @Override
          public void onError(Throwable t) {
            syncing.set(false);
            LOG.info(() -> "sync from " + source + " ended: " + Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            syncing.set(false);
          }
        });
  }

  /** The connected peers, for GetStatus. */
  public List<PeerInfo> peers() {
    List<PeerInfo> out = new ArrayList<>();
    for (PeerConnection p : peers.values()) {
      if (!p.isClosed()) {
        out.add(PeerInfo.newBuilder().setNodeKey(p.remoteKey).setAddress(p.address).setHeight(p.remoteHeight).build());
      }
    }
    return out;
  }

  private final java.util.concurrent.atomic.LongAdder sentMessages = new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder sentBytes = new java.util.concurrent.atomic.LongAdder();

  private void sent(PeerMessage m) {
    sentMessages.increment();
    sentBytes.add(m.getSerializedSize()); // protobuf caches the size computed to send it
  }

  /** Messages sent to peers since start (every kind, relays included). */
  public long sentMessages() {
    return sentMessages.sum();
  }

  /** Their protobuf bytes. */
  public long sentBytes() {
    return sentBytes.sum();
  }

  public int peerCount() {
    return (int) peers.values().stream().filter(p -> !p.isClosed()).count();
  }

  /** Messages waiting in all peers' send queues. */
  public int queued() {
    return peers.values().stream().mapToInt(PeerConnection::queued).sum();
  }

  /** What the seen cache knows a message by: a transaction by its bytes, however it came (alone or in a batch). */
  private static ByteString seenKey(PeerMessage m) {
    return m.hasTransaction() ? seenKey(m.getTransaction()) : ByteString.copyFrom(Sha256.hash(m.toByteArray()));
  }

  private static ByteString seenKey(Transaction tx) {
    return ByteString.copyFrom(Sha256.hash(tx.toByteArray()));
  }

  private static String hex(ByteString b) {
    return java.util.HexFormat.of().formatHex(b.toByteArray());
  }

  @Override
  public void close() {
    closed = true;
    redial.shutdownNow();
    syncCallbacks.shutdownNow();
    for (PeerConnection p : peers.values()) {
      p.close("node stopping");
    }
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
  }
}
