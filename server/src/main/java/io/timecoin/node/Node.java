package io.timecoin.node;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.signer.RecordKeepingSigner;
import io.timecoin.consensus.statemachine.ConsensusConfig;
import io.timecoin.consensus.statemachine.ConsensusEngine;
import io.timecoin.consensus.statemachine.Event;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.ledger.Ledger;
import io.timecoin.ledger.Mempool;
import io.timecoin.node.api.ChainApi;
import io.timecoin.node.api.LedgerApi;
import io.timecoin.node.api.NodeApi;
import io.timecoin.node.api.RegistryApi;
import io.timecoin.node.api.SubmissionsApi;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.node.config.NodeConfig;
import io.timecoin.node.config.NodeLimits;
import io.timecoin.node.peer.PeerLimits;
import io.timecoin.node.peer.PeerNetwork;
import io.timecoin.node.tls.TlsContexts;
import io.timecoin.proto.v1.Block;
import io.timecoin.storage.ChainStore;
import io.timecoin.storage.FileSignerRecordStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * One validator node, as a composition root: it opens the chain store and the signer record, wires
 * the consensus engine on its own thread (its {@link ConsensusHost}), the transaction admission,
 * the peer port (PeerService), the client port (NodeService, health, reflection), the web port and
 * the metrics endpoint, and starts and stops them. {@link #start} brings it up from a home
 * directory made by {@code timed init}; {@link #status} is what it is now.
 */
public final class Node implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(Node.class.getName());
  private static final int SIGNATURE_CACHE = 65_536;

  final String name;
  final NodeConfig config;
  final Ed25519KeyPair key;
  final ChainStore chain;
  final MemoryBudget memory;
  final NodeMetrics metrics = new NodeMetrics();
  final ExecutorService verifiers =
      new ThreadPoolExecutor(
          Runtime.getRuntime().availableProcessors(),
          Runtime.getRuntime().availableProcessors(),
          0,
          TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(TransactionAdmission.VERIFY_QUEUE),
          DaemonThreads.named("tx-verify"));

  /** The client API's calls run here: a bounded pool, not a thread per call, whatever the load. */
  private final ExecutorService clientCalls =
      Executors.newFixedThreadPool(16, DaemonThreads.named("client-api"));

  /**
   * Signatures verified once, found again by consensus: votes inside certificates, synced blocks.
   */
  private final SignatureCache signatures = new SignatureCache(SIGNATURE_CACHE);

  private final FailStop.Fatal fatal;
  private final TlsContexts tls;
  private final FinalizedFeed feed;
  private final ConsensusLoop loop;
  private final PeerPorts peers;
  final TransactionAdmission admission;
  final ConsensusHost host;
  private final NodeHealth health;
  final NodeApi api;
  private final ClientPorts ports;

  private Node(String name, Path home, FailStop.Fatal fatal, String webListen) throws IOException {
    this.name = name;
    this.fatal = fatal;
    Genesis genesis = GenesisFile.read(home.resolve("genesis.json"));
    NodeConfig file = NodeConfig.read(home.resolve("config.json"));
    this.config = webListen == null ? file : file.withWebListen(webListen);
    NodeLimits limits = config.limits();
    // before anything is allocated: a heap too small for the genesis limits refuses to start
    this.memory = memoryBudget(genesis, limits);
    memory.check(Runtime.getRuntime().maxMemory());
    this.key = KeyFile.read(config.keyFile(home));
    Path data = config.dataDir(home);
    Path tlsDir = config.tlsDir(home);
    this.tls = tlsDir == null ? null : new TlsContexts(tlsDir);
    this.chain = NodeHome.openChain(home, data, genesis);
    Block tipBlock = chain.blockAt(chain.tipHeight()).orElseThrow();
    Ledger ledger =
        new Ledger(
            genesis.ledgerParams(),
            chain,
            chain.tipHeight(),
            Hashes.block(tipBlock.getHeader()),
            new Mempool(
                limits.intValue(NodeLimits.MEMPOOL_MAX_TXS),
                limits.get(NodeLimits.MEMPOOL_MAX_BYTES)),
            signatures);
    EvidenceKeeper evidence = new EvidenceKeeper(name, chain, System::currentTimeMillis);
    this.feed =
        new FinalizedFeed(
            chain,
            limits.intValue(NodeLimits.MAX_SUBSCRIBERS),
            limits.get(NodeLimits.SUBSCRIBER_MAX_LAG),
            limits.get(NodeLimits.SUBSCRIBER_KEEP_ALIVE_MS),
            memory.feedCacheBytes(),
            memory.subscriberSendBytes(),
            limits.get(NodeLimits.SUBSCRIBER_STALL_MS),
            fatal);
    // the heap check (memory) counts the engine's bounds of the same limits
    ConsensusConfig consensusConfig =
        limits.consensusConfig(genesis.chainId(), genesis.blockIntervalMs(), genesis.timeouts());
    ConsensusEngine engine =
        new ConsensusEngine(
            consensusConfig,
            NodeHome.tip(chain, tipBlock, ledger),
            ledger,
            ledger,
            new RecordKeepingSigner(key, new FileSignerRecordStore(data)),
            System::currentTimeMillis,
            signatures);
    // the host needs the peer network, which needs the loop: the loop reaches it once running
    ConsensusHost.Deferred toHost = new ConsensusHost.Deferred();
    this.loop =
        new ConsensusLoop(
            engine,
            toHost,
            limits.intValue(NodeLimits.CONSENSUS_QUEUE_EVENTS),
            memory.consensusQueueBytes(),
            fatal);
    SyncPipeline sync =
        new SyncPipeline(
            name,
            genesis.chainId(),
            signatures,
            verifiers,
            SIGNATURE_CACHE / 4,
            (int) Math.min(Integer.MAX_VALUE, memory.syncWindowBytes()),
            (block, certificate, ticket) ->
                loop.submit(new Event.BlockSynced(block, certificate), ticket),
            fatal);
    PeerInbound inbound = new PeerInbound(loop, sync, metrics);
    this.peers =
        new PeerPorts(
            genesis,
            config,
            key,
            tls,
            chain,
            inbound,
            PeerLimits.of(limits, memory.peerSendBytes(), consensusConfig.bufferedHeights()),
            metrics,
            this::isValidatorKey);
    PeerNetwork network = peers.network;
    network.logAs(name);
    PeerFeedback feedback = new PeerFeedback(name, genesis.chainId(), network, signatures);
    this.admission =
        new TransactionAdmission(
            name,
            genesis.chainId(),
            genesis.maxTxBytes(),
            chain,
            ledger,
            signatures,
            loop,
            verifiers,
            new ByteBudget(memory.pendingTransactionBytes()),
            config.limits().intValue(NodeLimits.MAX_PENDING_TXS),
            feedback,
            metrics);
    inbound.admitTo(admission);
    this.host =
        new ConsensusHost(
            name,
            nodeKey(),
            engine,
            chain,
            ledger,
            feed,
            evidence,
            sync,
            feedback,
            new ConsensusHost.Traffic(network::sentMessages, network::sentBytes),
            metrics);
    toHost.to(host);
    this.health = new NodeHealth(network, !config.peers().isEmpty(), host::status);
    host.onStatus(health::statusChanged);
    metrics.bind(
        host::status, loop, network, signatures, feed, ledger, admission.pendingBytes, evidence);
    this.api =
        new NodeApi(
            new ChainApi(
                chain,
                feed::subscribe,
                host::status,
                new ChainApi.Identity(
                    genesis.chainId(), genesis.hash(), nodeKey(), network::peers)),
            new LedgerApi(chain, admission, genesis.chainId()),
            new RegistryApi(chain, ledger::state, ledger::validatorSetAt, evidence::page),
            new SubmissionsApi(admission, chain, metrics.submitStreamUnknownFields));

    this.ports = new ClientPorts(name, config, tls, api, health, metrics, clientCalls);
  }

  /** The latest status, published by the consensus thread after each event (kept after close). */
  public NodeStatus status() {
    return host.status();
  }

  /** {@code listener} is told of each new status, on the consensus thread: keep it short. */
  public void onStatus(Consumer<NodeStatus> listener) {
    host.onStatus(listener);
  }

  /** Whether {@code key} is a validator of the height being decided (from any thread). */
  boolean isValidatorKey(ByteString key) {
    return host.isValidatorKey(key);
  }

  /** The one line that tells an operator a home of an earlier protocol must be recreated. */
  public static String oldHomeMessage(Path home, int storedVersion) {
    return NodeHome.oldHomeMessage(home, storedVersion);
  }

  /**
   * The buffers a node of this genesis holds with the default limits, in bytes, and the heap they
   * need.
   */
  public static MemoryBudget memoryBudget(Genesis genesis) {
    return memoryBudget(genesis, NodeLimits.DEFAULTS);
  }

  /**
   * The buffers a node of this genesis and these limits (config.json) holds, in bytes, and the heap
   * they need.
   */
  public static MemoryBudget memoryBudget(Genesis genesis, NodeLimits limits) {
    return MemoryBudget.of(genesis, limits);
  }

  /**
   * Opens and starts the node of {@code home}; an internal failure halts the process ({@link
   * FailStop#HALT}).
   */
  public static Node start(String name, Path home) throws IOException {
    return start(name, home, FailStop.HALT);
  }

  /**
   * As {@link #start(String, Path)}, telling {@code fatal} of an internal failure instead (tests).
   */
  public static Node start(String name, Path home, FailStop.Fatal fatal) throws IOException {
    return start(name, home, fatal, null);
  }

  /**
   * As {@link #start(String, Path, FailStop.Fatal)}, with the web port on {@code webListen}
   * (host:port), off ("") or as config.json says (null).
   */
  public static Node start(String name, Path home, FailStop.Fatal fatal, String webListen)
      throws IOException {
    Node node = new Node(name, home, fatal, webListen);
    try {
      node.peers.start();
      node.ports.start();
    } catch (IOException | RuntimeException e) {
      node.close();
      throw e;
    }
    node.loop.start();
    node.peers.connect();
    node.health.start(node.fatal);
    LOG.info(
        () ->
            name
                + " started at height "
                + node.chain.tipHeight()
                + (node.tls == null ? "" : " (TLS)")
                + ": peers on "
                + node.config.peerListen()
                + ", clients on "
                + node.config.clientListen()
                + ", metrics on http://"
                + node.config.metricsListen()
                + "/metrics"
                + (node.webUrl() == null ? "" : ", explorer on " + node.webUrl()));
    return node;
  }

  /**
   * The explorer's address on the web port (http://host:port/), or null when the node has no web
   * port.
   */
  public String webUrl() {
    return ports.webUrl();
  }

  /** host:port of the client API. */
  public String clientEndpoint() {
    return config.clientListen();
  }

  ByteString nodeKey() {
    return ByteString.copyFrom(key.publicKey().bytes());
  }

  @Override
  public void close() {
    health.close();
    loop.close(); // no block is finalized once the feed has closed
    feed.close();
    peers.close();
    ports.shutdown();
    ports.close();
    peers.awaitTermination();
    verifiers.shutdownNow();
    clientCalls.shutdownNow();
    long height = chain.tipHeight();
    try {
      chain.close();
    } catch (Exception ex) {
      LOG.warning(name + " closing the chain store: " + ex.getMessage());
    }
    metrics.registry.close();
    LOG.info(name + " stopped at height " + height);
  }
}
