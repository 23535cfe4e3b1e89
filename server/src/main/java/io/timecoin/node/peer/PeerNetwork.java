package io.timecoin.node.peer;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.micrometer.core.instrument.MeterRegistry;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.PeerInfo;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.protocol.ErrorReasons;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The validator-to-validator network: one bidirectional Connect stream per peer ({@link
 * ConnectStreams}), opened by the side that dials ({@link Dialer}) and admitted after the
 * nonce-bound hello exchange of {@link Handshake} into the {@link PeerRegistry}, which keeps few
 * peers that are not validators; every accepted message relayed once ({@link Gossip}), sent with
 * flow control within a byte bound per peer and one budget for all ({@link PeerConnection});
 * catch-up over SyncBlocks ({@link SyncClient}, {@link SyncServer}).
 *
 * <p>It never runs consensus logic: messages go to {@link Inbound}, which queues them for the
 * consensus thread; its verdicts come back as {@link #relay}, {@link #penalize} and {@link #heard}.
 */
public final class PeerNetwork implements AutoCloseable {
  /** Where the network hands what it receives. */
  public interface Inbound {
    /** A proposal, vote or evidence from an admitted peer, seen for the first time. */
    void message(PeerMessage message, PeerConnection from);

    /** A transaction from a peer, alone or in a batch, seen for the first time. */
    void transaction(Transaction tx, PeerConnection from);

    /**
     * A block and certificate from a peer's sync stream; if refused, say so with {@code source}
     * ({@link #syncedBlockRefused}).
     */
    void synced(Block block, FinalityCertificate certificate, SyncSource source);
  }

  /** The finalized blocks this node serves to syncing peers. */
  public interface ChainReader {
    Optional<Block> block(long height);

    Optional<FinalityCertificate> certificate(long height);

    long tipHeight();
  }

  private final ChainReader chain;
  private final LogName logName = new LogName();
  private final PeerTraffic traffic;
  private final Penalties penalties;
  private final PeerRegistry registry;
  private final Gossip gossip;
  private final ConnectStreams streams;
  private final Dialer dialer;
  private final SyncClient syncClient;
  private final SyncServer syncServer;
  private final PeerService service;
  private final PeerThreads threads = new PeerThreads();

  /**
   * @param dial makes the channel to a peer's host:port (plaintext or TLS), without retries: a
   *     broken stream is torn down and redialed, not replayed
   * @param isValidator whether a key is a validator of the current set (read from network threads)
   */
  public PeerNetwork(
      String chainId,
      ByteString genesisHash,
      Ed25519KeyPair key,
      Inbound inbound,
      ChainReader chain,
      PeerLimits limits,
      MeterRegistry metrics,
      Function<String, ManagedChannel> dial,
      Predicate<ByteString> isValidator) {
    this.chain = chain;
    Handshake handshake = new Handshake(chainId, genesisHash, key, chain::tipHeight);
    this.penalties = new Penalties(metrics);
    this.registry =
        new PeerRegistry(
            ByteString.copyFrom(key.publicKey().bytes()), isValidator, limits, logName);
    this.traffic = new PeerTraffic(new SendBudget(limits.sendBudgetBytes()), registry::all);
    this.gossip = new Gossip(registry::all, inbound, penalties, limits.maxMessageBytes());
    this.streams =
        new ConnectStreams(
            registry,
            gossip,
            penalties,
            traffic,
            limits,
            threads.timers,
            threads::stopped,
            this::gone,
            logName);
    this.dialer =
        new Dialer(dial, handshake, streams, registry, threads.timers, threads::stopped, logName);
    this.syncClient =
        new SyncClient(
            chainId,
            chain,
            inbound,
            dialer::channel,
            registry::all,
            penalties::drop,
            threads.timers,
            threads.syncCallbacks,
            limits,
            logName);
    this.syncServer =
        new SyncServer(
            chainId,
            chain,
            registry::admittedInboundAt,
            threads.timers,
            limits,
            reason ->
                penalties.counter("timed_peer_sync_refused_total", "reason", reason).increment());
    this.service = new PeerService(handshake, streams, syncServer, penalties);
  }

  /**
   * An admitted peer's stream ended: if it was the sync source, catching up goes on with another.
   */
  private void gone(PeerConnection conn) {
    syncClient.gone(conn);
  }

  /** Names this node in the network's log lines. */
  public void logAs(String name) {
    logName.set(name);
  }

  /** The PeerService that the peer port serves. */
  ServerServiceDefinition service() {
    return service.definition();
  }

  /** Keeps a connection to each address, redialing with backoff (1 s doubling to 10 s). */
  public void dial(List<String> addresses) {
    dialer.dial(addresses);
  }

  /** Sends this node's own message to every peer. */
  public void broadcast(PeerMessage message) {
    gossip.broadcast(message);
  }

  /** Passes on a message the consensus core accepted to a few peers (see {@link Gossip#relay}). */
  public void relay(PeerMessage message, PeerConnection from) {
    gossip.relay(message, from);
  }

  /** Relays transactions admitted together, in as few messages as the size limit allows. */
  public void relayTransactions(List<Transaction> txs, PeerConnection from) {
    gossip.relayTransactions(txs, from);
  }

  /** Counts a refused message against the peer, by reason; too many and it is disconnected. */
  public void penalize(PeerConnection conn, ErrorReason reason, String detail) {
    penalties.penalize(conn, ErrorReasons.code(reason).toLowerCase(), detail);
  }

  /** The same, for a fault that has no ErrorReason of its own. */
  public void penalize(PeerConnection conn, String why) {
    penalties.penalize(conn, "other", why);
  }

  /**
   * The height a peer has finalized, as proven by a message of its that verified (never by what it
   * merely claims): whom to sync from, and whether this node is behind.
   */
  public void heard(PeerConnection conn, long height) {
    if (conn != null) {
      conn.height.verified(height);
    }
  }

  /**
   * A synced block was refused: its source is penalized and dropped, and catching up goes on with
   * another.
   */
  public void syncedBlockRefused(SyncSource source, long height, String why) {
    syncClient.refused(source, height, why);
  }

  /** Asks a peer known to be ahead for the blocks this node lacks; one sync at a time. */
  public void requestSync() {
    syncClient.request();
  }

  /**
   * The highest finalized height this node has reason to believe a peer has (see {@link
   * PeerRegistry#bestKnownHeight}).
   */
  public long bestKnownHeight() {
    return registry.bestKnownHeight(chain.tipHeight());
  }

  /** The admitted peer of this key, or null. */
  PeerConnection peerOf(ByteString key) {
    return registry.peerOf(key);
  }

  /** The connected peers, for GetStatus. */
  public List<PeerInfo> peers() {
    return registry.infos(chain.tipHeight());
  }

  public int peerCount() {
    return registry.count();
  }

  /** Messages sent to peers since start (every kind, relays included). */
  public long sentMessages() {
    return traffic.sentMessages();
  }

  /** Their protobuf bytes. */
  public long sentBytes() {
    return traffic.sentBytes();
  }

  /** Messages waiting in all peers' send queues. */
  public int queued() {
    return traffic.queued();
  }

  /** Their bytes, summed over the queues (a message queued for several peers counts for each). */
  public long queuedBytes() {
    return traffic.queuedBytes();
  }

  /** The heap those messages hold: each counted once, what the shared send budget bounds. */
  public long heldSendBytes() {
    return traffic.held();
  }

  /** SyncBlocks streams this node serves now. */
  public int syncStreamsServed() {
    return syncServer.streams();
  }

  @Override
  public void close() {
    threads.shutdown();
    for (PeerConnection p : registry.all()) {
      p.close("stopping", "node stopping");
    }
    dialer.close();
  }
}
