package io.timecoin.node;

import com.google.protobuf.ByteString;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.signer.RecordKeepingSigner;
import io.timecoin.consensus.statemachine.ConsensusConfig;
import io.timecoin.consensus.statemachine.ConsensusEngine;
import io.timecoin.consensus.statemachine.Effect;
import io.timecoin.consensus.statemachine.Event;
import io.timecoin.consensus.statemachine.Outcome;
import io.timecoin.consensus.statemachine.Verdict;
import io.timecoin.consensus.types.ChainTip;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.ledger.BlockExecution;
import io.timecoin.ledger.Ledger;
import io.timecoin.ledger.Mempool;
import io.timecoin.ledger.TransactionRules;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.storage.OldProtocolException;
import io.timecoin.storage.StorageException;
import io.timecoin.protocol.GenesisBlocks;
import io.timecoin.canonical.MalformedException;
import io.timecoin.protocol.ProtocolVersion;
import io.timecoin.node.config.HostPort;
import io.timecoin.node.config.NodeConfig;
import io.timecoin.node.config.NodeLimits;
import io.timecoin.node.peer.PeerConnection;
import io.timecoin.node.peer.PeerNetwork;
import io.timecoin.node.peer.PeerPort;
import io.timecoin.node.peer.VerifiedHeights;
import io.timecoin.node.tls.TlsContexts;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.ErrorReasons;
import io.timecoin.protocol.Units;
import io.timecoin.protocol.ValidatorSet;
import io.timecoin.storage.ChainStore;
import io.timecoin.storage.FileSignerRecordStore;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.timecoin.node.web.WebPort;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * One validator node: its chain store and signer record, the consensus engine on its own thread,
 * the peer port (PeerService), the client port (NodeService, health, reflection) and the metrics
 * endpoint. {@link #start} brings it up from a home directory made by {@code timed init}.
 */
public final class Node implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Node.class.getName());
  private static final Set<ErrorReason> PEER_FAULTS = Set.of(ErrorReason.ERROR_REASON_MALFORMED,
      ErrorReason.ERROR_REASON_TOO_LARGE, ErrorReason.ERROR_REASON_WRONG_CHAIN, ErrorReason.ERROR_REASON_BAD_SIGNATURE,
      ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR, ErrorReason.ERROR_REASON_WRONG_PROPOSER);

  final String name;
  final Genesis genesis;
  final NodeConfig config;
  final Ed25519KeyPair key;
  final ChainStore chain;
  final ConsensusLoop loop;
  final PeerNetwork network;
  final PrometheusMeterRegistry metrics = NodeMetrics.registry();
  final Ledger ledger;
  final FinalizedFeed feed;
  private static final int VERIFY_QUEUE = 50_000;
  final java.util.concurrent.ExecutorService verifiers = new java.util.concurrent.ThreadPoolExecutor(
      Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().availableProcessors(), 0, TimeUnit.SECONDS,
      new java.util.concurrent.ArrayBlockingQueue<>(VERIFY_QUEUE), daemon("tx-verify"));
  /** The client API's calls run here: a bounded pool, not a thread per call, whatever the load. */
  private final java.util.concurrent.ExecutorService clientCalls = java.util.concurrent.Executors.newFixedThreadPool(16, daemon("client-api"));
  private final java.util.concurrent.ScheduledExecutorService healthCheck =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(daemon("health"));
  private final HealthStatusManager health = new HealthStatusManager();
  /** Signatures verified once, found again by consensus: votes inside certificates, synced blocks. */
  private final SignatureCache signatures = new SignatureCache(SIGNATURE_CACHE);
  private static final int SIGNATURE_CACHE = 65_536;
  private final SyncPipeline sync;
  private final EvidenceKeeper evidence;
  /** What an internal failure does (halt the process, in production). */
  private final FailStop.Fatal fatal;
  /** Transactions waiting for verification or admission: bounded in bytes as well as in count. */
  final ByteBudget pendingTransactions;
  /** And in count: small transactions take several times their size as objects. */
  private final java.util.concurrent.atomic.AtomicInteger pendingCount = new java.util.concurrent.atomic.AtomicInteger();
  private final int maxPendingTxs;
  final MemoryBudget memory;
  /** The keys of the validator set of the height being decided, for the network threads: replaced when a block is final. */
  private volatile Set<ByteString> validatorKeys;
  private final Server peerServer;
  private final Server clientServer;
  private final Vertx vertx;
  private final HttpServer metricsServer;
  /** The web port, and the in-process server and channel that carry its calls to the client API; null when off. */
  private final WebPort webPort;
  private final Server webCalls;
  private final io.grpc.ManagedChannel webChannel;
  private volatile int webPortBound = -1;
  /** What the health service says: in step with the network (read by /healthz). */
  private volatile boolean serving;
  /** The classpath folder of the explorer's files, bundled in the jar. */
  static final String WEB_STATIC_ROOT = "explorer";
  private final Timer finalization;
  private final TlsContexts tls;
  private volatile long closedAtHeight = -1;
  private volatile long lastFinalizedAtNanos = System.nanoTime();
  private volatile long proposalSeenAtNanos;
  private final java.util.List<FinalizationListener> finalizationListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Told of each block this node stores, on the consensus thread: keep it short. */
  @FunctionalInterface
  public interface FinalizationListener {
    /** {@code latencyNanos}: from the first proposal of the block's height seen here to stored. */
    void finalized(Block block, FinalityCertificate certificate, long latencyNanos);
  }

  /** Adds a listener of finalized blocks (the benchmark's probe). */
  public void onFinalized(FinalizationListener listener) {
    finalizationListeners.add(listener);
  }

  private Node(String name, Path home, FailStop.Fatal fatal, String webListen) throws IOException {
    this.name = name;
    this.fatal = fatal;
    this.genesis = GenesisFile.read(home.resolve("genesis.json"));
    NodeConfig file = NodeConfig.read(home.resolve("config.json"));
    this.config = webListen == null ? file : file.withWebListen(webListen);
    NodeLimits limits = config.limits();
    // before anything is allocated: a heap too small for the genesis limits refuses to start
    this.memory = memoryBudget(genesis, limits);
    memory.check(Runtime.getRuntime().maxMemory());
    this.pendingTransactions = new ByteBudget(memory.pendingTransactionBytes());
    this.maxPendingTxs = limits.intValue(NodeLimits.MAX_PENDING_TXS);
    this.key = KeyFile.read(config.keyFile(home));
    Path data = config.dataDir(home);
    Path tlsDir = config.tlsDir(home);
    this.tls = tlsDir == null ? null : new TlsContexts(tlsDir);
    this.chain = ChainStore.open(data.resolve("chain"));
    Block genesisBlock = genesis.block();
    try {
      chain.putGenesis(genesisBlock, Ledger.genesisChanges(genesisBlock, genesis.masternodeRecords(), genesis.maxValidators()));
      checkGenesis(chain.blockAt(0).orElseThrow(), data.resolve("chain"));
    } catch (OldProtocolException e) {
      chain.close();
      throw new OldProtocolException(oldHomeMessage(home, e.storedVersion()), e.storedVersion());
    } catch (IOException | RuntimeException e) {
      chain.close();
      throw e;
    }
    Block tipBlock = chain.blockAt(chain.tipHeight()).orElseThrow();
    this.ledger = new Ledger(genesis.ledgerParams(), chain, chain.tipHeight(), Hashes.block(tipBlock.getHeader()),
        new Mempool(limits.intValue(NodeLimits.MEMPOOL_MAX_TXS), limits.get(NodeLimits.MEMPOOL_MAX_BYTES)), signatures);

    this.evidence = new EvidenceKeeper(name, chain, System::currentTimeMillis);
    this.feed = new FinalizedFeed(chain, limits.intValue(NodeLimits.MAX_SUBSCRIBERS), limits.get(NodeLimits.SUBSCRIBER_MAX_LAG),
        limits.get(NodeLimits.SUBSCRIBER_KEEP_ALIVE_MS), memory.feedCacheBytes(), memory.subscriberSendBytes(),
        limits.get(NodeLimits.SUBSCRIBER_STALL_MS), fatal);
    ChainTip tip = tip(tipBlock);
    this.validatorKeys = keys(ledger.validatorSetAt(chain.tipHeight() + 1));
    // the heap check (memory) counts the engine's bounds of the same limits
    ConsensusConfig consensusConfig = ConsensusConfig.of(genesis.chainId(), genesis.blockIntervalMs(), genesis.timeouts(), limits);
    ConsensusEngine engine = new ConsensusEngine(consensusConfig, tip, ledger, ledger,
        new RecordKeepingSigner(key, new FileSignerRecordStore(data)), System::currentTimeMillis, signatures);
    this.loop = new ConsensusLoop(engine, this::handled, limits.intValue(NodeLimits.CONSENSUS_QUEUE_EVENTS),
        memory.consensusQueueBytes(), fatal);
    this.sync = new SyncPipeline(name, genesis.chainId(), signatures, verifiers, SIGNATURE_CACHE / 4,
        (int) Math.min(Integer.MAX_VALUE, memory.syncWindowBytes()),
        (block, certificate, ticket) -> loop.submit(new Event.BlockSynced(block, certificate), ticket), fatal);
    this.network = new PeerNetwork(genesis.chainId(), genesis.hash(), key, new PeerNetwork.Inbound() {
      @Override
      public void transaction(Transaction tx, io.timecoin.node.peer.PeerConnection from) {
        submit(tx, from);
      }

      @Override
      public void message(PeerMessage m, io.timecoin.node.peer.PeerConnection from) {
        Event e = m.hasProposal() ? new Event.ProposalReceived(m.getProposal())
            : m.hasVote() ? new Event.VoteReceived(m.getVote()) : null;
        if (e != null && !loop.submit(e, new Source(m, from))) {
          counter("timed_consensus_queue_dropped_total").increment();
        }
      }

      @Override
      public void synced(Block block, FinalityCertificate certificate, io.timecoin.node.peer.SyncSource source) {
        sync.offer(block, certificate, source);
      }
    }, new PeerNetwork.ChainReader() {
      @Override
      public Optional<Block> block(long height) {
        try {
          return chain.blockAt(height);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }

      @Override
      public Optional<FinalityCertificate> certificate(long height) {
        try {
          return chain.certificateAt(height);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }

      @Override
      public long tipHeight() {
        return chain.tipHeight();
      }
    }, PeerNetwork.Limits.of(limits, memory.peerSendBytes(), consensusConfig.bufferedHeights()), metrics, address -> {
      // directExecutor: peer callbacks only queue work (consensus loop, verifier pool), so they run
      // on the network threads instead of paying a thread hand-off per message
      NettyChannelBuilder b = NettyChannelBuilder.forTarget(address).maxInboundMessageSize(consensusConfig.maxMessageBytes()).disableRetry()
          .directExecutor().intercept(RefuseUnknownFields.onDialedChannels(metrics));
      if (tls == null) {
        return b.usePlaintext().build();
      }
      try {
        return b.sslContext(tls.peerClient()).build();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, this::isValidatorKey);

    network.logAs(name);
    this.finalization = Timer.builder("timed_finalization_latency").description("from the first proposal seen to final")
        .publishPercentiles(0.5, 0.99).register(metrics);
    Gauge.builder("timed_finalized_height", chain, ChainStore::tipHeight).register(metrics);
    Gauge.builder("timed_round", loop, l -> l.engine().round()).register(metrics);
    Gauge.builder("timed_peers", network, PeerNetwork::peerCount).register(metrics);
    Gauge.builder("timed_consensus_queue_depth", loop, ConsensusLoop::depth).register(metrics);
    Gauge.builder("timed_peer_send_queue_depth", network, PeerNetwork::queued).register(metrics);
    Gauge.builder("timed_peer_send_queue_bytes", network, PeerNetwork::queuedBytes)
        .description("bytes waiting in peers' send queues, a message counted once per queue").register(metrics);
    Gauge.builder("timed_peer_send_held_bytes", network, PeerNetwork::heldSendBytes)
        .description("bytes of the distinct messages waiting to be sent to peers (what the send budget bounds)").register(metrics);
    Gauge.builder("timed_peer_sync_streams_served", network, PeerNetwork::syncStreamsServed).register(metrics);
    io.micrometer.core.instrument.FunctionCounter.builder("timed_peer_messages_sent_total", network, PeerNetwork::sentMessages).register(metrics);
    io.micrometer.core.instrument.FunctionCounter.builder("timed_peer_bytes_sent_total", network, PeerNetwork::sentBytes).register(metrics);
    io.micrometer.core.instrument.FunctionCounter.builder("timed_signatures_verified_total", signatures, SignatureCache::verifications)
        .description("Ed25519 verifications done (votes, certificates, transactions)").register(metrics);
    io.micrometer.core.instrument.FunctionCounter.builder("timed_signatures_known_total", signatures, SignatureCache::hits)
        .description("signature checks answered from the cache of verified signatures").register(metrics);
    Gauge.builder("timed_subscribers", feed, FinalizedFeed::subscriberCount).register(metrics);
    Gauge.builder("timed_subscribers_closed_slow", feed, FinalizedFeed::slowClosed).register(metrics);
    Gauge.builder("timed_mempool_transactions", ledger, l -> l.mempool().size()).register(metrics);
    Gauge.builder("timed_consensus_queue_bytes", loop, ConsensusLoop::queuedBytes).register(metrics);
    Gauge.builder("timed_pending_transaction_bytes", pendingTransactions, ByteBudget::used).register(metrics);
    Gauge.builder("timed_feed_cached_bytes", feed, FinalizedFeed::cachedBytes).register(metrics);
    io.micrometer.core.instrument.FunctionCounter.builder("timed_evidence_total", evidence, EvidenceKeeper::stored)
        .tag("outcome", "stored").register(metrics);
    io.micrometer.core.instrument.FunctionCounter.builder("timed_evidence_total", evidence, EvidenceKeeper::duplicates)
        .tag("outcome", "duplicate").register(metrics);
    io.micrometer.core.instrument.FunctionCounter.builder("timed_evidence_total", evidence, EvidenceKeeper::dropped)
        .tag("outcome", "validator_full").register(metrics);

    InetSocketAddress peerAddress = HostPort.parse(config.peerListen()).socketAddress();
    // connections: each validator may dial and be dialed, with room for redials and non-validators
    NettyServerBuilder peerBuilder = PeerPort.builder(peerAddress, network, 4 * genesis.maxValidators(), consensusConfig.maxMessageBytes(),
        new RefuseUnknownFields(io.grpc.Status.Code.FAILED_PRECONDITION, "peer", metrics, Set.of()));
    NettyServerBuilder clientBuilder = NettyServerBuilder.forAddress(HostPort.parse(config.clientListen()).socketAddress());
    if (tls != null) {
      peerBuilder.sslContext(tls.peerServer());
      clientBuilder.sslContext(tls.clientServer());
    }
    this.peerServer = peerBuilder.build();
    // one service object and one chain of interceptors, served on the client port and, through an
    // in-process channel, on the web port
    io.grpc.ServerServiceDefinition api = ServerInterceptors.intercept(new NodeApi(this),
        new RefuseUnknownFields(io.grpc.Status.Code.INVALID_ARGUMENT, "client", metrics, Set.of("SubmitTransactions")),
        new ApiMetrics(metrics));
    this.clientServer = clientBuilder
        .executor(clientCalls)
        .addService(api)
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .maxInboundMessageSize(limits.intValue(NodeLimits.CLIENT_MAX_MESSAGE_BYTES))
        .maxConcurrentCallsPerConnection(limits.intValue(NodeLimits.CLIENT_MAX_CALLS_PER_CONNECTION))
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .build();
    this.vertx = Vertx.vertx();
    this.metricsServer = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) { // the rest is not this port's: 404, not the metrics page for every path
        case "/metrics" -> req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape());
        case "/healthz" -> WebPort.healthz(req.response(), serving);
        default -> req.response().setStatusCode(404).putHeader("content-type", "text/plain; charset=utf-8")
            .end("not found: this port serves /metrics and /healthz\n");
      }
    });
    if (config.webListen().isEmpty()) {
      this.webCalls = null;
      this.webChannel = null;
      this.webPort = null;
    } else {
      String inProcess = "timed-web-" + name + "-" + System.identityHashCode(this);
      this.webCalls = io.grpc.inprocess.InProcessServerBuilder.forName(inProcess).executor(clientCalls).addService(api)
          .maxInboundMessageSize(limits.intValue(NodeLimits.CLIENT_MAX_MESSAGE_BYTES)).build();
      // answers come from this node's own service: as large as a block, whatever the request limit
      this.webChannel = io.grpc.inprocess.InProcessChannelBuilder.forName(inProcess).directExecutor()
          .maxInboundMessageSize(Integer.MAX_VALUE).build();
      this.webPort = new WebPort(vertx, webChannel, io.timecoin.proto.v1.NodeServiceGrpc.getServiceDescriptor(), metrics,
          metrics::scrape, () -> serving, WEB_STATIC_ROOT, WebPort.Limits.of(limits));
    }
  }

  /** Whether {@code key} is a validator of the height being decided (from any thread). */
  boolean isValidatorKey(ByteString key) {
    return validatorKeys.contains(key);
  }

  private static Set<ByteString> keys(ValidatorSet set) {
    return set.members().stream().map(ValidatorSet.Member::keyBytes).collect(java.util.stream.Collectors.toUnmodifiableSet());
  }

  /** The stored block 0 is a genesis block of this protocol, its parameters present (docs/protocol.md 3). */
  private static void checkGenesis(Block stored, Path dir) throws StorageException {
    try {
      GenesisBlocks.check(stored);
    } catch (MalformedException e) {
      throw new StorageException("corrupt chain store in " + dir + ": its block 0 is not a genesis block: " + e.getMessage());
    }
  }

  /** The one line that tells an operator a home of an earlier protocol must be recreated. */
  public static String oldHomeMessage(Path home, int storedVersion) {
    return "this home (" + home + ") holds a protocol v" + storedVersion + " chain (blocks before protocol v"
        + ProtocolVersion.BLOCK + "); recreate it: delete " + home + " or use another --home";
  }

  /** The buffers a node of this genesis holds with the default limits, in bytes, and the heap they need. */
  public static MemoryBudget memoryBudget(Genesis genesis) {
    return memoryBudget(genesis, NodeLimits.DEFAULTS);
  }

  /** The buffers a node of this genesis and these limits (config.json) holds, in bytes, and the heap they need. */
  public static MemoryBudget memoryBudget(Genesis genesis, NodeLimits limits) {
    return MemoryBudget.of(genesis.maxBlockBytes(), genesis.maxTxBytes(), limits);
  }

  /** Opens and starts the node of {@code home}; an internal failure halts the process ({@link FailStop#HALT}). */
  public static Node start(String name, Path home) throws IOException {
    return start(name, home, FailStop.HALT);
  }

  /** As {@link #start(String, Path)}, telling {@code fatal} of an internal failure instead (tests). */
  public static Node start(String name, Path home, FailStop.Fatal fatal) throws IOException {
    return start(name, home, fatal, null);
  }

  /**
   * As {@link #start(String, Path, FailStop.Fatal)}, with the web port on {@code webListen} (host:port),
   * off ("") or as config.json says (null).
   */
  public static Node start(String name, Path home, FailStop.Fatal fatal, String webListen) throws IOException {
    Node node = new Node(name, home, fatal, webListen);
    String listening = node.config.metricsListen() + " (metrics port)";
    try {
      listen(node.peerServer, node.config.peerListen(), "peer");
      listen(node.clientServer, node.config.clientListen(), "client");
      InetSocketAddress m = HostPort.parse(node.config.metricsListen()).socketAddress();
      node.metricsServer.listen(m.getPort(), m.getHostString()).toCompletionStage().toCompletableFuture().join();
      if (node.webPort != null) {
        listening = node.config.webListen() + " (web port)";
        node.webCalls.start();
        InetSocketAddress w = HostPort.parse(node.config.webListen()).socketAddress();
        node.webPortBound = node.webPort.listen(w.getHostString(), w.getPort()).toCompletionStage().toCompletableFuture().join();
      }
    } catch (IOException | RuntimeException e) {
      node.close();
      throw e instanceof IOException io ? io : new IOException(name + ": cannot listen on " + listening
          + ": " + rootMessage(e) + "; is another node running there? (--base-port moves the ports)", e);
    }
    node.loop.start();
    node.network.dial(node.config.peers());
    node.health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.NOT_SERVING);
    node.healthCheck.scheduleWithFixedDelay(FailStop.guarded("the health check", node::updateHealth, node.fatal),
        0, 500, TimeUnit.MILLISECONDS);
    LOG.info(() -> name + " started at height " + node.chain.tipHeight() + (node.tls == null ? "" : " (TLS)")
        + ": peers on " + node.config.peerListen()
        + ", clients on " + node.config.clientListen() + ", metrics on http://" + node.config.metricsListen() + "/metrics"
        + (node.webPort == null ? "" : ", explorer on " + node.webUrl()));
    return node;
  }

  private static void listen(Server server, String address, String what) throws IOException {
    try {
      server.start();
    } catch (IOException e) {
      throw new IOException("cannot listen on " + address + " (" + what + " port): " + rootMessage(e)
          + "; is another node running there? (--base-port moves the ports)", e);
    }
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage();
  }

  private ChainTip tip(Block block) throws IOException {
    long h = block.getHeader().getHeight();
    FinalityCertificate cert = h == 0 ? null : chain.certificateAt(h).orElseThrow();
    return new ChainTip(h, Hashes.block(block.getHeader()), block.getHeader().getTimestampMs(), cert,
        h == 0 ? null : ledger.validatorSetAt(h), ledger.validatorSetAt(h + 1));
  }

  /**
   * Offers a transaction (from a client, or relayed by {@code from}): its signatures are verified on
   * a pool of one thread per core (so neither a peer's stream, whose votes queue behind it, nor a
   * client call waits for them), the rest is checked and admitted on the consensus thread, which
   * owns the mempool; an admitted transaction is relayed to every other peer. The future completes
   * with the ledger's verdict.
   */
  CompletableFuture<TransactionRules.Verdict> submit(Transaction tx, PeerConnection from) {
    CompletableFuture<TransactionRules.Verdict> result = new CompletableFuture<>();
    long bytes = tx.getSerializedSize();
    if (pendingCount.incrementAndGet() > maxPendingTxs || !pendingTransactions.tryTake(bytes)) {
      pendingCount.decrementAndGet();
      counter("timed_transactions_total", "verdict", "overloaded").increment();
      result.completeExceptionally(new IllegalStateException("the node is overloaded: " + maxPendingTxs
          + " transactions or " + (pendingTransactions.limit() >> 20) + " MiB wait for verification and admission"));
      return result;
    }
    result.whenComplete((v, e) -> { // however it ends: verdict, refusal, overload
      pendingTransactions.give(bytes);
      pendingCount.decrementAndGet();
    });
    try {
      verifiers.execute(() -> verifyThenAdmit(tx, from, result));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      counter("timed_transactions_total", "verdict", "overloaded").increment();
      result.completeExceptionally(new IllegalStateException("the node is overloaded: "
          + VERIFY_QUEUE + " transactions wait for their signatures to be checked"));
    }
    return result;
  }

  /**
   * On a verifier thread: are the inputs still unspent (a read of the finalized state, which is
   * thread-safe), then the signatures; admission follows on the consensus thread.
   */
  private void verifyThenAdmit(Transaction tx, PeerConnection from, CompletableFuture<TransactionRules.Verdict> result) {
    TransactionRules.Verdict refused;
    try {
      refused = TransactionRules.form(tx, genesis.maxTxBytes()); // every length, before anything is keyed or hashed
      if (refused == null) {
        refused = TransactionRules.inputsGone(tx, chain);
      }
      if (refused == null) {
        // through the cache: a proposal carrying it before it is admitted finds it verified, or this
        // finds it verified by that proposal's execution
        refused = TransactionRules.verifySignatures(tx, genesis.chainId(), signatures);
      }
    } catch (RuntimeException bug) { // answered, never left hanging; not the sender's fault
      LOG.log(java.util.logging.Level.SEVERE, name + " checking a transaction failed", bug);
      counter("timed_transactions_total", "verdict", "internal_error").increment();
      result.completeExceptionally(new NodeApi.InternalFailure("checking the transaction failed: " + bug, bug));
      return;
    }
    if (refused != null) {
      transactionVerdict(refused, from);
      result.complete(refused);
      return;
    }
    admissions.add(new Admission(tx, from, result));
    scheduleAdmissions();
  }

  /** One admission task at a time on the consensus thread; when its queue is full, what waits is refused. */
  private void scheduleAdmissions() {
    if (admitting.compareAndSet(false, true) && !loop.execute(this::admitWaiting)) {
      admitting.set(false);
      Admission a;
      while ((a = admissions.poll()) != null) {
        counter("timed_transactions_total", "verdict", "queue_full").increment();
        a.result().completeExceptionally(new IllegalStateException("the node is overloaded: its consensus queue is full"));
      }
    }
  }

  /** A transaction whose signatures verified, waiting for the consensus thread to admit it. */
  private record Admission(Transaction tx, PeerConnection from, CompletableFuture<TransactionRules.Verdict> result) {}

  private final java.util.concurrent.ConcurrentLinkedQueue<Admission> admissions = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicBoolean admitting = new java.util.concurrent.atomic.AtomicBoolean();
  private static final int ADMISSIONS_PER_TASK = 512;

  /**
   * On the consensus thread: admits the transactions that have waited, a few hundred per task (one
   * task for many transactions, not a wake-up each; and a vote never waits behind thousands).
   */
  private void admitWaiting() {
    admitting.set(false); // first: a transaction queued from now on schedules another task
    Map<PeerConnection, List<Transaction>> admitted = new HashMap<>(); // by where they came from; null: clients
    for (int i = 0; i < ADMISSIONS_PER_TASK; i++) {
      Admission a = admissions.poll();
      if (a == null) {
        break;
      }
      TransactionRules.Verdict v;
      try {
        v = ledger.admit(a.tx(), true);
      } catch (RuntimeException bug) { // the caller is answered; the consensus loop's policy then applies
        LOG.log(java.util.logging.Level.SEVERE, name + " admitting a transaction failed", bug);
        a.result().completeExceptionally(new NodeApi.InternalFailure("admitting the transaction failed: " + bug, bug));
        throw bug;
      }
      if (v.valid()) {
        admitted.computeIfAbsent(a.from(), f -> new ArrayList<>()).add(a.tx());
        LOG.fine(() -> name + " transaction " + shortKey(v.txid()) + " admitted, fee " + v.fee() + "; mempool "
            + ledger.mempool().size());
      }
      transactionVerdict(v, a.from());
      a.result().complete(v);
    }
    admitted.forEach((from, txs) -> network.relayTransactions(txs, from));
    if (!admissions.isEmpty()) {
      scheduleAdmissions();
    }
  }

  private void transactionVerdict(TransactionRules.Verdict v, PeerConnection from) {
    String label = v.valid() ? "accepted" : v.reason() == ErrorReason.ERROR_REASON_UNSPECIFIED ? "duplicate"
        : ErrorReasons.code(v.reason()).toLowerCase();
    counter("timed_transactions_total", "verdict", label).increment();
    // a peer may relay a transaction that a block just made invalid; only what no honest node could
    // have admitted a moment before counts against it
    if (from != null && !v.valid() && TransactionRules.relayFault(v.reason())) {
      network.penalize(from, v.reason(), "transaction: " + v);
    }
  }

  /**
   * gRPC health: SERVING once the node is synced (no connected peer is known to have finalized
   * beyond ours + 1, and it has a peer, unless its config names none), NOT_SERVING while it catches
   * up. Known: proven by a verified message; a hello's claim counts only briefly and a few heights
   * ahead, so one peer announcing a huge height cannot keep the node NOT_SERVING.
   */
  private void updateHealth() {
    long ours = chain.tipHeight();
    boolean synced = (network.peerCount() > 0 || config.peers().isEmpty()) && network.bestKnownHeight() <= ours + 1;
    serving = synced;
    health.setStatus("", synced ? io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING
        : io.grpc.health.v1.HealthCheckResponse.ServingStatus.NOT_SERVING);
  }

  /** The mempool's copy of a pending transaction (asked of the consensus thread, which owns the mempool). */
  Optional<Transaction> pending(ByteString txid) {
    CompletableFuture<Optional<Transaction>> answer = new CompletableFuture<>();
    if (!loop.execute(() -> answer.complete(ledger.mempool().get(txid)))) {
      return Optional.empty();
    }
    try {
      return answer.get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  private final java.util.concurrent.ConcurrentHashMap<List<String>, Counter> counters = new java.util.concurrent.ConcurrentHashMap<>();

  /** The counter of this name and tags, looked up once (the registry builds an id per lookup; this runs per message). */
  private Counter counter(String name, String... tags) {
    List<String> key = new ArrayList<>(tags.length + 1);
    key.add(name);
    key.addAll(java.util.Arrays.asList(tags));
    return counters.computeIfAbsent(key, k -> metrics.counter(name, tags));
  }

  /** Where a network message came from: relayed onward when accepted, counted against the peer when not. */
  private record Source(PeerMessage message, io.timecoin.node.peer.PeerConnection peer) {}

  /** On the consensus thread: carry out the effects, then relay, penalize and count. */
  private void handled(ConsensusLoop.Input input, Outcome outcome) {
    boolean synced = input.event() instanceof Event.BlockSynced;
    for (Effect e : outcome.effects()) {
      apply(e, synced);
    }
    Verdict v = outcome.verdict();
    String label = v.reason() == null ? v.kind().name().toLowerCase() : ErrorReasons.code(v.reason()).toLowerCase();
    String kind = input.event().getClass().getSimpleName();
    counter("timed_messages_total", "event", kind, "verdict", label).increment();
    if (input.source() instanceof Source s) {
      long height = s.message().hasVote() ? s.message().getVote().getHeight() : s.message().getProposal().getHeight();
      if (v.accepted()) {
        network.relay(s.message(), s.peer());
        if (s.message().hasProposal()) {
          if (proposalSeenAtNanos == 0) { // the first proposal of the height starts the clock
            proposalSeenAtNanos = System.nanoTime();
          }
          LOG.info(() -> name + " proposal received: height " + height + " round " + s.message().getProposal().getRound()
              + " from " + shortKey(s.message().getProposal().getProposer()));
        } else {
          LOG.finer(() -> name + " vote " + s.message().getVote().getType() + " h" + height + " r" + s.message().getVote().getRound()
              + " from " + shortKey(s.message().getVote().getValidator()));
        }
      } else if (v.kind() == Verdict.Kind.REFUSED) {
        LOG.fine(() -> name + " refused a " + kind + " from " + s.peer() + ": " + v);
        if (PEER_FAULTS.contains(v.reason())) {
          network.penalize(s.peer(), v.reason(), v.toString());
        }
      }
      // whom to catch up from: only heights that a verified message proves
      // (a buffered message's signature was checked against a member's key before it was buffered)
      if (v.accepted() || v.kind() == Verdict.Kind.BUFFERED || verifiedAhead(s, v)) {
        network.heard(s.peer(), height - 1);
      }
      if (height > loop.engine().height()) {
        network.requestSync();
      }
    } else if (input.source() instanceof SyncPipeline.Ticket ticket) {
      long height = ((Event.BlockSynced) input.event()).block().getHeader().getHeight();
      if (v.kind() == Verdict.Kind.REFUSED) {
        LOG.warning(name + " a synced block was refused: " + v);
        network.syncedBlockRefused(ticket.source(), height, v.toString());
      }
      // caught-up blocks are written without fsync: made durable in bulk, when the stream pauses
      // and every 1,000 blocks (a power cut could only make the node fetch them again)
      if ((sync.done(ticket, v.accepted() ? height : -1) || height % 1_000 == 0) && v.accepted()) {
        try {
          chain.sync();
        } catch (IOException ex) {
          throw new java.io.UncheckedIOException(ex);
        }
      }
    }
  }

  /** A vote too far ahead for the engine, which it refused unverified, that proves its sender is ahead. */
  private boolean verifiedAhead(Source s, Verdict v) {
    if (!s.message().hasVote() || s.peer() == null || v.reason() != ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE) {
      return false;
    }
    return VerifiedHeights.provenBy(s.message().getVote(), genesis.chainId(), loop.engine().height(), s.peer().verifiedHeight(),
        loop.engine().validatorSet(), signatures) >= 0;
  }

  private void apply(Effect e, boolean synced) {
    if (e instanceof Effect.BroadcastProposal p) {
      if (proposalSeenAtNanos == 0) { // the first proposal of the height starts the clock
        proposalSeenAtNanos = System.nanoTime();
      }
      LOG.info(() -> name + " proposing height " + p.proposal().getHeight() + " round " + p.proposal().getRound());
      network.broadcast(PeerMessage.newBuilder().setProposal(p.proposal()).build());
    } else if (e instanceof Effect.BroadcastVote v) {
      network.broadcast(PeerMessage.newBuilder().setVote(v.vote()).build());
    } else if (e instanceof Effect.Finalize f) {
      finalized(f.block(), f.certificate(), synced);
    } else if (e instanceof Effect.QuorumReached q) {
      LOG.fine(() -> name + " quorum of " + (q.type() == VoteType.VOTE_TYPE_PREPARE ? "prepares" : "precommits")
          + " at height " + q.height() + " round " + q.round() + (q.blockHash().equals(Hashes.NIL) ? " for nil" : ""));
    } else if (e instanceof Effect.RoundStarted r && r.round() > 0) {
      LOG.info(() -> name + " height " + r.height() + " moves to round " + r.round() + ", proposer " + shortKey(r.proposer()));
    } else if (e instanceof Effect.ReportEvidence ev) {
      evidence.report(ev.evidence());
    }
  }

  /** {@code synced}: caught up from a peer, so written without fsync (see handled). */
  private void finalized(Block block, FinalityCertificate cert, boolean synced) {
    BlockExecution execution = ledger.execution(block);
    try {
      chain.putFinalized(block, cert, execution.changes(), !synced); // stored before anything is announced
    } catch (IOException ex) {
      throw new java.io.UncheckedIOException("cannot persist finalized block " + block.getHeader().getHeight(), ex);
    }
    ledger.stored(execution);
    validatorKeys = keys(ledger.validatorSetAt(block.getHeader().getHeight() + 1));
    feed.published(block, cert, execution.changes().reward());
    long now = System.nanoTime();
    long sinceNanos = now - (proposalSeenAtNanos != 0 ? proposalSeenAtNanos : lastFinalizedAtNanos);
    long since = sinceNanos / 1_000_000;
    finalization.record(sinceNanos, TimeUnit.NANOSECONDS);
    lastFinalizedAtNanos = now;
    proposalSeenAtNanos = 0;
    for (FinalizationListener l : finalizationListeners) {
      l.finalized(block, cert, sinceNanos);
    }
    counter("timed_blocks_finalized_total").increment();
    counter("timed_transactions_finalized_total").increment(block.getBody().getTransactionsCount() - 1);
    counter("timed_rewards_paid_units_total").increment(execution.reward());
    LOG.log(synced ? java.util.logging.Level.FINE : java.util.logging.Level.INFO, () -> name + " block final: height " + block.getHeader().getHeight() + " round " + cert.getRound()
        + ", " + (block.getBody().getTransactionsCount() - 1) + " txs, " + cert.getSignaturesCount() + " signatures, hash "
        + shortKey(Hashes.block(block.getHeader())) + ", " + since + " ms; reward " + Units.format(execution.reward())
        + " TIME (fees " + Units.format(execution.fees()) + ") to " + block.getBody().getTransactions(0).getOutputsCount()
        + " masternodes");
    if (execution.changes().nextSet() != null) {
      ValidatorSet next = execution.changes().nextSet();
      LOG.info(() -> name + " the validator set changes at height " + next.height() + ": " + next.size()
          + " validators, total weight " + next.totalWeight());
    }
  }

  /** Up to {@code limit} evidence records from {@code fromHeight} (unsigned) on, after {@code skip}: from the store. */
  List<io.timecoin.proto.v1.EquivocationEvidence> evidence(long fromHeight, int skip, int limit) {
    return evidence.page(fromHeight, skip, limit);
  }

  /** The height of the newest finalized block (kept after close). */
  public long finalizedHeight() {
    return closedAtHeight >= 0 ? closedAtHeight : chain.tipHeight();
  }

  /** Messages and bytes this node sent to its peers since it started. */
  public long[] peerTraffic() {
    return new long[] {network.sentMessages(), network.sentBytes()};
  }

  /** The explorer's address on the web port (http://host:port/), or null when the node has no web port. */
  public String webUrl() {
    if (webPort == null || webPortBound < 0) {
      return null;
    }
    HostPort w = HostPort.parse(config.webListen());
    return "http://" + new HostPort(w.host(), webPortBound) + "/";
  }

  /** host:port of the client API. */
  public String clientEndpoint() {
    return config.clientListen();
  }

  ByteString nodeKey() {
    return ByteString.copyFrom(key.publicKey().bytes());
  }

  /** Daemon threads named name-1, name-2, ...: none of the node's pools may keep the JVM alive. */
  static java.util.concurrent.ThreadFactory daemon(String name) {
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  static String shortKey(ByteString k) {
    return java.util.HexFormat.of().formatHex(k.toByteArray(), 0, Math.min(4, k.size()));
  }


  @Override
  public void close() {
    healthCheck.shutdownNow();
    health.enterTerminalState();
    loop.close(); // no block is finalized once the feed has closed
    feed.close();
    network.close();
    clientServer.shutdown();
    peerServer.shutdown();
    if (webPort != null) {
      webPort.close();
      webChannel.shutdownNow();
      webCalls.shutdownNow();
    }
    try {
      clientServer.awaitTermination(2, TimeUnit.SECONDS);
      peerServer.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException ignored) {
      Thread.currentThread().interrupt();
    }
    verifiers.shutdownNow();
    clientCalls.shutdownNow();
    metricsServer.close();
    try { // waited for: its event loop must not outlive the node (a JVM exiting under it has crashed)
      vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.warning(name + " closing the metrics server: " + e);
    }
    long height = chain.tipHeight();
    closedAtHeight = height;
    try {
      chain.close();
    } catch (Exception ex) {
      LOG.warning(name + " closing the chain store: " + ex.getMessage());
    }
    metrics.close();
    LOG.info(name + " stopped at height " + height);
  }
}
