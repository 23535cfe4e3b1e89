package io.timecoin.node.peer;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.node.ApiErrors;
import io.timecoin.node.LogLimit;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.ConnectResponse;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.PeerInfo;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.SyncBlocksRequest;
import io.timecoin.proto.v1.SyncBlocksResponse;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.node.config.NodeLimits;
import io.timecoin.protocol.ErrorReasons;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The validator-to-validator network: one bidirectional Connect stream per peer, opened by the
 * side that dials and admitted after the nonce-bound hello exchange of {@link Handshake}; relay of
 * every accepted message once; flow-controlled sending with a queue per peer bounded in bytes and
 * one byte budget for all queues together; few peers that are not validators; redialing with
 * backoff; catch-up over SyncBlocks ({@link SyncClient}, {@link SyncServer}).
 *
 * <p>It never runs consensus logic: messages go to {@link Inbound}, which queues them for the
 * consensus thread.
 */
public final class PeerNetwork implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PeerNetwork.class.getName());
  /** A peer whose messages were refused this many times is disconnected. */
  static final int MAX_INVALID = 50;
  /** Lines about peers coming, going and being refused: strangers can cause them at will. */
  static final LogLimit PEER_LOG = new LogLimit(20, 1_000);
  /** "node-0 ": which node logged a line, when several share a process (a devnet); empty by default. */
  private volatile String logName = "";

  /** Names this node in the network's log lines. */
  public void logAs(String name) {
    this.logName = name + " ";
    syncClient.logAs(name);
  }

  /** Where the network hands what it receives. */
  public interface Inbound {
    /** A proposal, vote or evidence from an admitted peer, seen for the first time. */
    void message(PeerMessage message, PeerConnection from);

    /** A transaction from a peer, alone or in a batch, seen for the first time. */
    void transaction(Transaction tx, PeerConnection from);

    /** A block and certificate from a peer's sync stream; if refused, say so with {@code source} ({@link #syncedBlockRefused}). */
    void synced(Block block, FinalityCertificate certificate, SyncSource source);
  }

  /** The finalized blocks this node serves to syncing peers. */
  public interface ChainReader {
    Optional<Block> block(long height);

    Optional<FinalityCertificate> certificate(long height);

    long tipHeight();
  }

  /**
   * What a peer may cost this node.
   *
   * @param maxQueuedBytes the bytes waiting to be sent to one peer; beyond, the peer is dropped
   * @param sendBudgetBytes the bytes waiting to be sent to all peers together (a message queued for
   *     several counts once); beyond, the peer holding the most is dropped, a non-validator first
   * @param handshake the time a stream has to complete the hello exchange
   * @param syncProgress the time a sync source may go without sending a block
   * @param syncServeStall the time a syncing peer may go without reading, before its stream is cancelled
   * @param maxSyncStreams the SyncBlocks streams served at once (one per peer)
   * @param heightHint how far beyond this node's tip a peer's unverified hello height counts (for health)
   * @param hintLife how long that hint counts after the peer is admitted
   * @param maxNonValidators admitted peers that are not validators of the current set, at most;
   *     beyond, a non-validator's handshake is refused (RESOURCE_EXHAUSTED)
   */
  public record Limits(long maxQueuedBytes, long sendBudgetBytes, int maxMessageBytes, Duration handshake, Duration syncProgress,
      Duration syncServeStall, int maxSyncStreams, long heightHint, Duration hintLife, int maxNonValidators) {
    /** SyncBlocks streams served at once, by default: each holds one block in the heap while it is sent. */
    public static final int DEFAULT_SYNC_STREAMS = NodeLimits.SYNC_STREAMS.intDefault();

    /** The default limits; {@code sendBudgetBytes} is the node's memory budget for all peers' send queues. */
    public static Limits defaults(int maxMessageBytes, long sendBudgetBytes, long heightHint) {
      return of(NodeLimits.DEFAULTS.with(NodeLimits.MAX_MESSAGE_BYTES, maxMessageBytes), sendBudgetBytes, heightHint);
    }

    /** The limits a node's config gives ({@link NodeLimits}); {@code sendBudgetBytes} as in {@link #defaults}. */
    public static Limits of(NodeLimits l, long sendBudgetBytes, long heightHint) {
      return new Limits(l.get(NodeLimits.PEER_QUEUE_BYTES), sendBudgetBytes, l.intValue(NodeLimits.MAX_MESSAGE_BYTES),
          Duration.ofMillis(l.get(NodeLimits.PEER_HANDSHAKE_MS)), Duration.ofMillis(l.get(NodeLimits.SYNC_PROGRESS_MS)),
          Duration.ofMillis(l.get(NodeLimits.SYNC_SERVE_STALL_MS)), l.intValue(NodeLimits.SYNC_STREAMS), heightHint,
          Duration.ofMillis(l.get(NodeLimits.PEER_HINT_LIFE_MS)), l.intValue(NodeLimits.MAX_NON_VALIDATOR_PEERS));
    }
  }

  private final ByteString ownKey;
  private final Handshake handshake;
  private final Inbound inbound;
  private final ChainReader chain;
  private final Limits limits;
  private final MeterRegistry metrics;
  private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();
  private final Map<ByteString, PeerConnection> peers = new ConcurrentHashMap<>();
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  /** Which node answered at each dialed address: no need to dial it while it is connected anyway. */
  private final Map<String, ByteString> keyAt = new ConcurrentHashMap<>();
  private final SeenMessages seen = new SeenMessages(100_000);
  private final Relay relay;
  /** Redials and deadlines. */
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "peer-timers");
    t.setDaemon(true);
    return t;
  });
  /** The sync stream's callbacks wait while the node applies what it has (flow control): never on a network thread. */
  private final ExecutorService syncCallbacks = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
      new LinkedBlockingQueue<>(), r -> {
        Thread t = new Thread(r, "peer-sync");
        t.setDaemon(true);
        return t;
      }, new ThreadPoolExecutor.DiscardPolicy()); // after close: gRPC's last callbacks of a sync stream are moot
  private final SyncClient syncClient;
  private final SyncServer syncServer;
  private volatile boolean closed;

  private final Function<String, ManagedChannel> dialer;
  /** Whether a key is a validator of the current set (validators are kept first, and are not counted against maxNonValidators). */
  private final Predicate<ByteString> isValidator;
  private final SendBudget sendBudget;
  /** Admitting a non-validator: the count and the admission, together. */
  private final Object nonValidatorAdmission = new Object();

  /**
   * @param dialer makes the channel to a peer's host:port (plaintext or TLS), without retries:
   *     a broken stream is torn down and redialed, not replayed
   * @param isValidator whether a key is a validator of the current set (read from network threads)
   */
  public PeerNetwork(String chainId, ByteString genesisHash, Ed25519KeyPair key, Inbound inbound, ChainReader chain,
      Limits limits, MeterRegistry metrics, Function<String, ManagedChannel> dialer, Predicate<ByteString> isValidator) {
    this.dialer = dialer;
    this.isValidator = isValidator;
    this.sendBudget = new SendBudget(limits.sendBudgetBytes());
    this.ownKey = ByteString.copyFrom(key.publicKey().bytes());
    this.handshake = new Handshake(chainId, genesisHash, key, chain::tipHeight);
    this.inbound = inbound;
    this.chain = chain;
    this.limits = limits;
    this.metrics = metrics;
    this.relay = new Relay(peers, seen, limits.maxMessageBytes());
    this.syncClient = new SyncClient(chainId, chain, inbound, this::channel, peers::values,
        (source, label, detail) -> {
          penalize(source, label, detail);
          source.close(label, detail);
        }, timers, syncCallbacks, limits);
    this.syncServer = new SyncServer(chainId, chain, this::admittedInboundAt, timers, limits,
        reason -> counter("timed_peer_sync_refused_total", "reason", reason).increment());
  }

  private PeerConnection connection(PeerConnection.Direction direction, String address, SocketAddress remote) {
    return new PeerConnection(direction, address, remote, limits.maxQueuedBytes(), sendBudget, this::overBudget, this::closed);
  }

  /**
   * Whom to drop when a message for {@code sender} does not fit the shared send budget: of the peers
   * with bytes waiting, a non-validator before a validator, and the one holding the most first;
   * the sender itself if no one else holds anything.
   */
  private PeerConnection overBudget(PeerConnection sender) {
    PeerConnection worst = null;
    boolean worstIsValidator = true;
    long worstBytes = 0;
    List<PeerConnection> candidates = new ArrayList<>(peers.values());
    if (!peers.containsValue(sender)) {
      candidates.add(sender);
    }
    for (PeerConnection p : candidates) {
      long bytes = p.queuedBytes();
      if (p.isClosed() || bytes == 0) {
        continue;
      }
      boolean validator = p.remoteKey != null && isValidator.test(p.remoteKey);
      if (worst == null || (worstIsValidator && !validator) || (validator == worstIsValidator && bytes > worstBytes)) {
        worst = p;
        worstIsValidator = validator;
        worstBytes = bytes;
      }
    }
    return worst == null ? sender : worst;
  }

  // ---------------------------------------------------------------- the handshake

  /** A message before admission must be the next hello of the handshake; after, it goes to onMessage. */
  private void received(PeerConnection conn, Function<io.timecoin.proto.v1.Hello, Handshake.Step> handshakeStep, PeerMessage m) {
    if (conn.isClosed()) {
      return;
    }
    if (conn.admitted()) {
      onMessage(conn, m);
      return;
    }
    Handshake.Step step = m.hasHello() ? handshakeStep.apply(m.getHello())
        : Handshake.Step.refuse(Handshake.refusal(ErrorReason.ERROR_REASON_MALFORMED, "nothing but hellos before the handshake is done"));
    if (step.refusal() != null) {
      ErrorInfo info = errorInfo(step.refusal());
      PEER_LOG.log(LOG, Level.WARNING, () -> logName + "refused peer " + conn.address + ": " + (info == null ? "" : info.getReason() + ": ")
          + step.refusal().getStatus().getDescription());
      conn.close("refused_hello", step.refusal(), false);
      return;
    }
    if (step.reply() != null) {
      conn.send(PeerMessage.newBuilder().setHello(step.reply()).build());
    }
    if (step.admitted() != null) {
      conn.remoteKey = step.admitted().getNodeKey();
      conn.helloHeight = step.admitted().getHeight();
      if (conn.direction == PeerConnection.Direction.OUTBOUND) {
        keyAt.put(conn.address, conn.remoteKey);
      }
      admit(conn);
    }
  }

  /** A stream not admitted in time is closed; it was never in the peer map. */
  private void handshakeDeadline(PeerConnection conn) {
    if (closed) {
      conn.close("stopping", "node stopping");
      return;
    }
    timers.schedule(() -> {
      if (!conn.admitted() && !conn.isClosed()) {
        conn.close("handshake_timeout", "no handshake in " + limits.handshake().toMillis() + " ms");
      }
    }, limits.handshake().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A non-validator beyond maxNonValidators is refused; when both sides dial, the stream dialed by the lower key stays. */
  private void admit(PeerConnection conn) {
    if (isValidator.test(conn.remoteKey)) {
      admitOne(conn);
      return;
    }
    synchronized (nonValidatorAdmission) {
      long others = peers.values().stream()
          .filter(p -> p.admitted() && !p.remoteKey.equals(conn.remoteKey) && !isValidator.test(p.remoteKey)).count();
      if (others >= limits.maxNonValidators()) {
        PEER_LOG.log(LOG, Level.INFO, () -> logName + "refused peer " + conn + ": not a validator, and " + others + " non-validators are connected");
        conn.close("too_many_peers", ApiErrors.of(Status.Code.RESOURCE_EXHAUSTED, ErrorReason.ERROR_REASON_TOO_MANY_STREAMS,
            "this node keeps " + limits.maxNonValidators() + " peers that are not validators at most"), false);
        return;
      }
      admitOne(conn);
    }
  }

  private void admitOne(PeerConnection conn) {
    conn.markAdmitted();
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
      conn.close("duplicate", Status.CANCELLED.withDescription("duplicate connection").asRuntimeException(), false);
      return;
    }
    if (conn.isClosed()) { // closed while being admitted: its onClosed may have run before the merge
      peers.remove(conn.remoteKey, conn);
      return;
    }
    PEER_LOG.log(LOG, Level.INFO, () -> logName + "peer connected: " + conn + " (" + conn.direction.name().toLowerCase() + ", height " + conn.helloHeight + ")");
  }

  /** However a stream ended: forget the peer at once. */
  private void closed(PeerConnection conn, String label) {
    counter("timed_peer_disconnections_total", "reason", label).increment();
    if (conn.remoteKey != null && peers.remove(conn.remoteKey, conn)) {
      PEER_LOG.log(LOG, Level.INFO, () -> logName + "peer disconnected: " + conn + " (" + label + ")");
      syncClient.gone(conn);
    }
  }

  private void onMessage(PeerConnection conn, PeerMessage message) {
    if (message.hasHello()) {
      penalize(conn, "second_hello", "a hello after the handshake");
      return;
    }
    if (message.hasTransactions()) {
      List<Transaction> txs = message.getTransactions().getTransactionsList();
      if (txs.isEmpty()) {
        penalize(conn, "malformed", "an empty transaction batch");
      }
      for (Transaction tx : txs) {
        if (seen.firstTime(Relay.seenKey(tx))) {
          inbound.transaction(tx, conn);
        }
      }
      return;
    }
    if (message.getBodyCase() == PeerMessage.BodyCase.BODY_NOT_SET) {
      penalize(conn, "malformed", "a peer message with no body");
      return;
    }
    if (!seen.firstTime(Relay.seenKey(message))) {
      return; // already handled and relayed
    }
    if (message.hasTransaction()) {
      inbound.transaction(message.getTransaction(), conn);
    } else {
      inbound.message(message, conn);
    }
  }

  /** Counts a refused message against the peer, by reason; too many and it is disconnected. */
  public void penalize(PeerConnection conn, ErrorReason reason, String detail) {
    penalize(conn, ErrorReasons.code(reason).toLowerCase(), detail);
  }

  /** The same, for a fault that has no ErrorReason of its own. */
  public void penalize(PeerConnection conn, String why) {
    penalize(conn, "other", why);
  }

  void penalize(PeerConnection conn, String label, String detail) {
    if (conn == null) {
      return;
    }
    counter("timed_peer_penalties_total", "reason", label).increment();
    int n = conn.invalid.incrementAndGet();
    if (n >= MAX_INVALID) {
      conn.close("penalties", "sent " + n + " invalid messages, the last: " + detail);
    }
  }

  /**
   * The height a peer has finalized, as proven by a message of its that verified (never by what it
   * merely claims): whom to sync from, and whether this node is behind.
   */
  public void heard(PeerConnection conn, long height) {
    if (conn != null) {
      conn.verified(height);
    }
  }

  /** A synced block was refused: its source is penalized and dropped, and catching up goes on with another. */
  public void syncedBlockRefused(SyncSource source, long height, String why) {
    syncClient.refused(source, height, why);
  }

  /**
   * The highest finalized height this node has reason to believe a peer has: proven by its verified
   * messages, or announced in its hello, which counts only shortly after it connects and at most a
   * few heights beyond this node's tip (an unverified claim must not keep the node "catching up").
   */
  public long bestKnownHeight() {
    long tip = chain.tipHeight();
    long now = System.nanoTime();
    long best = 0;
    for (PeerConnection p : peers.values()) {
      if (!p.admitted()) {
        continue;
      }
      best = Math.max(best, p.verifiedHeight());
      if (now - p.admittedAtNanos < limits.hintLife().toNanos()) {
        best = Math.max(best, Math.min(p.helloHeight, tip + limits.heightHint()));
      }
    }
    return best;
  }

  /** The admitted peer of this key, or null. */
  PeerConnection peerOf(ByteString key) {
    PeerConnection p = peers.get(key);
    return p != null && p.admitted() ? p : null;
  }

  /** The admitted inbound peer whose Connect stream comes from this socket, or null. */
  private PeerConnection admittedInboundAt(SocketAddress remote) {
    for (PeerConnection p : peers.values()) {
      if (p.direction == PeerConnection.Direction.INBOUND && p.admitted() && remote.equals(p.remote)) {
        return p;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- the server side

  /** The PeerService that the peer port serves (requests that do not parse arrive as {@link Undecodable} markers). */
  ServerServiceDefinition service() {
    return Undecodable.lenient(new PeerServiceGrpc.PeerServiceImplBase() {
      @Override
      public StreamObserver<ConnectRequest> connect(StreamObserver<ConnectResponse> responseObserver) {
        ServerCallStreamObserver<ConnectResponse> out = (ServerCallStreamObserver<ConnectResponse>) responseObserver;
        SocketAddress remote = RemoteAddress.KEY.get();
        PeerConnection conn = connection(PeerConnection.Direction.INBOUND,
            remote == null ? "inbound" : remote.toString().replaceFirst("^/", ""), remote);
        AtomicBoolean done = new AtomicBoolean();
        conn.bind(m -> {
          out.onNext(ConnectResponse.newBuilder().setMessage(m).build());
          sent(m);
        }, out::isReady, status -> {
          if (done.compareAndSet(false, true)) {
            out.onError(status);
          }
        });
        out.setOnReadyHandler(conn::drain);
        out.setOnCancelHandler(() -> conn.ended("stream_cancelled"));
        // a frame that does not parse makes gRPC close the call itself: no onError, no cancel, only this
        out.setOnCloseHandler(() -> conn.ended("stream_closed"));
        Handshake.Answerer hs = handshake.answerer();
        handshakeDeadline(conn);
        return new StreamObserver<>() {
          @Override
          public void onNext(ConnectRequest request) {
            if (request == Undecodable.CONNECT) {
              undecodable(conn);
            } else {
              received(conn, hs::next, request.getMessage());
            }
          }

          @Override
          public void onError(Throwable t) {
            conn.ended("stream_error");
          }

          @Override
          public void onCompleted() {
            conn.ended("stream_ended");
            if (done.compareAndSet(false, true)) {
              out.onCompleted();
            }
          }
        };
      }

      @Override
      public void syncBlocks(SyncBlocksRequest request, StreamObserver<SyncBlocksResponse> responseObserver) {
        if (request == Undecodable.SYNC) {
          counter("timed_peer_sync_refused_total", "reason", "malformed").increment();
          responseObserver.onError(Handshake.refusal(ErrorReason.ERROR_REASON_MALFORMED, "the request does not parse"));
        } else {
          syncServer.serve(request, responseObserver, RemoteAddress.KEY.get());
        }
      }
    }.bindService());
  }

  /** A frame that does not parse: whoever sends one is not speaking the protocol, and is dropped. */
  private void undecodable(PeerConnection conn) {
    counter("timed_peer_penalties_total", "reason", "malformed").increment();
    conn.close("malformed", Handshake.refusal(ErrorReason.ERROR_REASON_MALFORMED, "a frame that does not parse"), true);
  }

  // ---------------------------------------------------------------- the dialing side

  /** Keeps a connection to each address, redialing with backoff (1 s doubling to 10 s). */
  public void dial(List<String> addresses) {
    for (String address : addresses) {
      timers.execute(() -> connect(address, 1_000));
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
      timers.schedule(() -> connect(address, 1_000), 5, TimeUnit.SECONDS);
      return;
    }
    PeerConnection conn = connection(PeerConnection.Direction.OUTBOUND, address, null);
    AtomicBoolean ended = new AtomicBoolean();
    Runnable again = () -> {
      if (ended.compareAndSet(false, true) && !closed) {
        conn.ended("stream_ended");
        boolean wasAdmitted = conn.remoteKey != null;
        timers.schedule(() -> connect(address, wasAdmitted ? 1_000 : Math.min(backoffMs * 2, 10_000)),
            wasAdmitted ? 1_000 : backoffMs, TimeUnit.MILLISECONDS);
      }
    };
    Handshake.Dialer hs = handshake.dialer();
    PeerServiceGrpc.PeerServiceStub stub = PeerServiceGrpc.newStub(channel(address));
    stub.connect(new ClientResponseObserver<ConnectRequest, ConnectResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<ConnectRequest> requests) {
        conn.bind(m -> {
          requests.onNext(ConnectRequest.newBuilder().setMessage(m).build());
          sent(m);
        }, requests::isReady, status -> requests.cancel(status.getStatus().getDescription(), null));
        requests.setOnReadyHandler(conn::drain);
      }

      @Override
      public void onNext(ConnectResponse response) {
        received(conn, hs::next, response.getMessage());
      }

      @Override
      public void onError(Throwable t) {
        Status s = Status.fromThrowable(t);
        if (s.getCode() == Status.Code.FAILED_PRECONDITION || s.getCode() == Status.Code.UNAUTHENTICATED) {
          ErrorInfo info = errorInfo(t);
          LOG.warning(logName + "peer " + address + " refused this node: " + (info == null ? "" : info.getReason() + ": ") + s.getDescription());
        } else if (conn.remoteKey != null) {
          LOG.log(Level.FINE, logName + "stream to " + address + " ended: " + s);
        }
        again.run();
      }

      @Override
      public void onCompleted() {
        again.run();
      }
    });
    handshakeDeadline(conn);
    conn.send(PeerMessage.newBuilder().setHello(hs.first()).build());
  }

  /** The ErrorInfo a refusal carries, or null. */
  static ErrorInfo errorInfo(Throwable t) {
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
    relay.broadcast(message);
  }

  /** Passes on a message the consensus core accepted to a few peers (see {@link Relay#relay}). */
  public void relay(PeerMessage message, PeerConnection from) {
    relay.relay(message, from);
  }

  /** Relays transactions admitted together, in as few messages as the size limit allows. */
  public void relayTransactions(List<Transaction> txs, PeerConnection from) {
    relay.relayTransactions(txs, from);
  }

  /** Asks a peer known to be ahead for the blocks this node lacks; one sync at a time. */
  public void requestSync() {
    syncClient.request();
  }

  /** The connected peers, for GetStatus. */
  public List<PeerInfo> peers() {
    long tip = chain.tipHeight();
    List<PeerInfo> out = new ArrayList<>();
    for (PeerConnection p : peers.values()) {
      if (p.admitted()) {
        long height = Math.max(p.verifiedHeight(), Math.min(p.helloHeight, tip + limits.heightHint()));
        out.add(PeerInfo.newBuilder().setNodeKey(p.remoteKey).setAddress(p.address).setHeight(height).build());
      }
    }
    return out;
  }

  private final LongAdder sentMessages = new LongAdder();
  private final LongAdder sentBytes = new LongAdder();

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
    return (int) peers.values().stream().filter(PeerConnection::admitted).count();
  }

  /** Messages waiting in all peers' send queues. */
  public int queued() {
    return peers.values().stream().mapToInt(PeerConnection::queued).sum();
  }

  /** Their bytes, summed over the queues (a message queued for several peers counts for each). */
  public long queuedBytes() {
    return peers.values().stream().mapToLong(PeerConnection::queuedBytes).sum();
  }

  /** The heap those messages hold: each counted once, what the shared send budget bounds. */
  public long heldSendBytes() {
    return sendBudget.used();
  }

  /** SyncBlocks streams this node serves now. */
  public int syncStreamsServed() {
    return syncServer.streams();
  }

  /** The counter of this name and tags, looked up once (the registry builds an id per lookup). */
  private Counter counter(String name, String... tags) {
    List<String> key = new ArrayList<>(tags.length + 1);
    key.add(name);
    Collections.addAll(key, tags);
    return counters.computeIfAbsent(key, k -> metrics.counter(name, tags));
  }

  @Override
  public void close() {
    closed = true;
    timers.shutdownNow();
    syncCallbacks.shutdownNow();
    for (PeerConnection p : peers.values()) {
      p.close("stopping", "node stopping");
    }
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
  }
}
