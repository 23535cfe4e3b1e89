package io.timecoin.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.timecoin.ledger.Ledger;
import io.timecoin.node.peer.PeerNetwork;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A node's metrics, in one place: its registry, where every timed_ meter gets its HELP text (one
 * list, so a meter registered anywhere, by a builder or by {@code registry.counter(name, tags)}, is
 * described) and the JVM's and the process's metrics and timed_build_info{version} are bound; the
 * node's own meters as typed fields; and its gauges, read from the status snapshot and the parts
 * that own each figure.
 */
public final class NodeMetrics {
  final PrometheusMeterRegistry registry = registry();
  final Timer finalization =
      Timer.builder("timed_finalization_latency")
          .description("from the first proposal seen to final")
          .publishPercentiles(0.5, 0.99)
          .register(registry);
  final Counter blocksFinalized = registry.counter("timed_blocks_finalized_total");
  final Counter transactionsFinalized = registry.counter("timed_transactions_finalized_total");
  final Counter rewardsPaid = registry.counter("timed_rewards_paid_units_total");
  final Counter consensusQueueDropped = registry.counter("timed_consensus_queue_dropped_total");

  /**
   * A SubmitTransactions message refused for an unknown field (answered in the stream, not by the
   * interceptor).
   */
  final Counter submitStreamUnknownFields =
      registry.counter(
          "timed_unknown_fields_refused_total", "port", "client", "method", "SubmitTransactions");

  private final ConcurrentHashMap<String, Counter> transactions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<List<String>, Counter> messages = new ConcurrentHashMap<>();

  /**
   * timed_transactions_total{verdict}: looked up once per verdict (the registry builds an id per
   * lookup).
   */
  Counter transactions(String verdict) {
    return transactions.computeIfAbsent(
        verdict, v -> registry.counter("timed_transactions_total", "verdict", v));
  }

  /**
   * timed_messages_total{event,verdict}: counted per consensus event, so looked up once per pair.
   */
  Counter messages(String event, String verdict) {
    return messages.computeIfAbsent(
        List.of(event, verdict),
        k -> registry.counter("timed_messages_total", "event", event, "verdict", verdict));
  }

  /**
   * The gauges and function counters, each reading the part that owns its figure (thread-safe
   * reads).
   */
  void bind(
      Supplier<NodeStatus> status,
      ConsensusLoop loop,
      PeerNetwork network,
      SignatureCache signatures,
      FinalizedFeed feed,
      Ledger ledger,
      ByteBudget pendingTransactions,
      EvidenceKeeper evidence) {
    Gauge.builder("timed_finalized_height", status, s -> s.get().finalizedHeight())
        .register(registry);
    Gauge.builder("timed_round", status, s -> s.get().round()).register(registry);
    Gauge.builder("timed_peers", network, PeerNetwork::peerCount).register(registry);
    Gauge.builder("timed_consensus_queue_depth", loop, ConsensusLoop::depth).register(registry);
    Gauge.builder("timed_peer_send_queue_depth", network, PeerNetwork::queued).register(registry);
    Gauge.builder("timed_peer_send_queue_bytes", network, PeerNetwork::queuedBytes)
        .description("bytes waiting in peers' send queues, a message counted once per queue")
        .register(registry);
    Gauge.builder("timed_peer_send_held_bytes", network, PeerNetwork::heldSendBytes)
        .description(
            "bytes of the distinct messages waiting to be sent to peers (what the send budget bounds)")
        .register(registry);
    Gauge.builder("timed_peer_sync_streams_served", network, PeerNetwork::syncStreamsServed)
        .register(registry);
    FunctionCounter.builder("timed_peer_messages_sent_total", network, PeerNetwork::sentMessages)
        .register(registry);
    FunctionCounter.builder("timed_peer_bytes_sent_total", network, PeerNetwork::sentBytes)
        .register(registry);
    FunctionCounter.builder(
            "timed_signatures_verified_total", signatures, SignatureCache::verifications)
        .description("Ed25519 verifications done (votes, certificates, transactions)")
        .register(registry);
    FunctionCounter.builder("timed_signatures_known_total", signatures, SignatureCache::hits)
        .description("signature checks answered from the cache of verified signatures")
        .register(registry);
    Gauge.builder("timed_subscribers", feed, FinalizedFeed::subscriberCount).register(registry);
    Gauge.builder("timed_subscribers_closed_slow", feed, FinalizedFeed::slowClosed)
        .register(registry);
    Gauge.builder("timed_mempool_transactions", ledger, l -> l.mempool().size()).register(registry);
    Gauge.builder("timed_consensus_queue_bytes", loop, ConsensusLoop::queuedBytes)
        .register(registry);
    Gauge.builder("timed_pending_transaction_bytes", pendingTransactions, ByteBudget::used)
        .register(registry);
    Gauge.builder("timed_feed_cached_bytes", feed, FinalizedFeed::cachedBytes).register(registry);
    FunctionCounter.builder("timed_evidence_total", evidence, EvidenceKeeper::stored)
        .tag("outcome", "stored")
        .register(registry);
    FunctionCounter.builder("timed_evidence_total", evidence, EvidenceKeeper::duplicates)
        .tag("outcome", "duplicate")
        .register(registry);
    FunctionCounter.builder("timed_evidence_total", evidence, EvidenceKeeper::dropped)
        .tag("outcome", "validator_full")
        .register(registry);
  }

  /**
   * HELP texts by meter name (without a "_total" suffix): a meter registered without a description
   * gets this one. A new timed_ meter needs a line here (NodeMetricsTest checks that none is left
   * without).
   */
  static final Map<String, String> HELP =
      Map.ofEntries(
          Map.entry("timed_api_calls", "client API calls, by method and status code"),
          Map.entry("timed_blocks_finalized", "blocks this node finalized and stored"),
          Map.entry(
              "timed_build_info", "the build of this node: its version (the value is always 1)"),
          Map.entry(
              "timed_consensus_queue_bytes",
              "bytes of the events waiting for the consensus thread"),
          Map.entry("timed_consensus_queue_depth", "events waiting for the consensus thread"),
          Map.entry(
              "timed_consensus_queue_dropped",
              "events dropped because the consensus queue was full"),
          Map.entry(
              "timed_evidence",
              "equivocation evidence received, by outcome (stored, duplicate, validator_full)"),
          Map.entry(
              "timed_feed_cached_bytes", "bytes of the finalized blocks cached for subscribers"),
          Map.entry("timed_finalization_latency", "from the first proposal seen to final"),
          Map.entry("timed_finalized_height", "the height of the last finalized block stored"),
          Map.entry(
              "timed_mempool_transactions",
              "transactions in the mempool, admitted and not yet final"),
          Map.entry(
              "timed_messages",
              "consensus messages from peers, by kind and verdict (accepted, late: for the height just finalized, after its quorum, or the refusal reason)"),
          Map.entry("timed_peer_bytes_sent", "bytes sent to peers"),
          Map.entry("timed_peer_disconnections", "peer connections ended, by reason"),
          Map.entry("timed_peer_messages_sent", "messages sent to peers"),
          Map.entry("timed_peer_penalties", "penalties given to peers for bad messages, by reason"),
          Map.entry(
              "timed_peer_send_held_bytes",
              "bytes of the distinct messages waiting to be sent to peers (what the send budget bounds)"),
          Map.entry(
              "timed_peer_send_queue_bytes",
              "bytes waiting in peers' send queues, a message counted once per queue"),
          Map.entry("timed_peer_send_queue_depth", "messages waiting in peers' send queues"),
          Map.entry(
              "timed_peer_sync_refused", "blocks refused from a peer while syncing, by reason"),
          Map.entry("timed_peer_sync_streams_served", "block sync streams served to peers so far"),
          Map.entry("timed_peers", "connected peers (after the handshake)"),
          Map.entry(
              "timed_pending_transaction_bytes",
              "bytes of transactions waiting for verification or admission"),
          Map.entry(
              "timed_rewards_paid_units",
              "block rewards paid, in base units (1 TIME = 100,000,000 units)"),
          Map.entry("timed_round", "the consensus round of the height being decided"),
          Map.entry(
              "timed_signatures_known",
              "signature checks answered from the cache of verified signatures"),
          Map.entry(
              "timed_signatures_verified",
              "Ed25519 verifications done (votes, certificates, transactions)"),
          Map.entry("timed_subscribers", "open SubscribeFinalized streams"),
          Map.entry(
              "timed_subscribers_closed_slow",
              "SubscribeFinalized streams closed for reading too slowly"),
          Map.entry(
              "timed_transactions",
              "transactions received, by verdict (accepted or the refusal reason)"),
          Map.entry(
              "timed_transactions_finalized",
              "transactions in finalized blocks (the reward transaction not counted)"),
          Map.entry(
              "timed_web_body_bytes",
              "bytes of request bodies the web port holds (read, their calls not yet over)"),
          Map.entry("timed_web_connections", "open connections to the web port"),
          Map.entry(
              "timed_web_refused",
              "requests and connections the web port refused, by reason (connections, too_large, body_timeout, overloaded, malformed, ...)"),
          Map.entry(
              "timed_unknown_fields_refused",
              "requests refused for carrying fields this node does not know, by port and method"));

  /** The help text of a meter name, or null when the list has none. */
  public static String help(String name) {
    return HELP.get(
        name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name);
  }

  /** Fills in the description of a meter registered without one. */
  static final MeterFilter DESCRIBE =
      new MeterFilter() {
        @Override
        public Meter.Id map(Meter.Id id) {
          String help =
              id.getDescription() == null || id.getDescription().isEmpty()
                  ? help(id.getName())
                  : null;
          return help == null
              ? id
              : new Meter.Id(
                  id.getName(),
                  Tags.of(id.getTagsAsIterable()),
                  id.getBaseUnit(),
                  help,
                  id.getType());
        }
      };

  /**
   * A registry with the HELP texts, the JVM and process metrics and the build info; close it with
   * the node.
   */
  public static PrometheusMeterRegistry registry() {
    JvmGcMetrics gc = new JvmGcMetrics();
    PrometheusMeterRegistry r =
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) {
          @Override
          public void close() {
            gc.close(); // it listens to the JVM's GC notifications: stop, or the listener keeps
            // this registry alive
            super.close();
          }
        };
    r.config().meterFilter(DESCRIBE);
    new JvmMemoryMetrics().bindTo(r);
    gc.bindTo(r);
    new JvmThreadMetrics().bindTo(r);
    new ClassLoaderMetrics().bindTo(r);
    new ProcessorMetrics().bindTo(r);
    new UptimeMetrics().bindTo(r);
    new FileDescriptorMetrics().bindTo(r);
    // an info metric, not a gauge: the Prometheus client would strip a gauge's "_info" suffix
    io.prometheus.metrics.core.metrics.Info.builder()
        .name("timed_build_info")
        .help(HELP.get("timed_build_info"))
        .labelNames("version")
        .register(r.getPrometheusRegistry())
        .addLabelValues(BuildInfo.version());
    return r;
  }
}
