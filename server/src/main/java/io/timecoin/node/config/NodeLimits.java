package io.timecoin.node.config;

import static io.timecoin.node.config.Setting.Unit.BYTES;
import static io.timecoin.node.config.Setting.Unit.COUNT;
import static io.timecoin.node.config.Setting.Unit.MILLISECONDS;
import static io.timecoin.node.config.Setting.Unit.SECONDS;

import com.fasterxml.jackson.core.JsonGenerator;
import io.timecoin.consensus.statemachine.ConsensusConfig;
import io.timecoin.node.config.StrictJson.Fields;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every limit and tunable of a node, in one table (the model is Ratis' RaftServerConfigKeys): each
 * {@link Setting} has its config.json name, unit, default, range and meaning, and the engine
 * ({@code ConsensusConfig}), the peer network, the client and web ports, the finalized feed, the
 * mempool and the memory budget take their values from here, so no two of them can disagree.
 *
 * <p>A node's values are config.json's optional {@code limits} object ({@link NodeConfig#limits});
 * a setting it leaves out has its default. docs/configuration.md lists the table.
 *
 * @param values every setting's value, by key
 */
public record NodeLimits(Map<String, Long> values) {
  private static final long KIB = 1L << 10;
  private static final long MIB = 1L << 20;
  private static final long GIB = 1L << 30;
  private static final long HOUR_MS = 3_600_000;

  // The consensus engine (ConsensusConfig; docs/protocol.md 5.4).

  // Their defaults are the engine's own (ConsensusConfig.DEFAULT_*), so the two cannot drift.

  /**
   * The largest peer message, a proposal included (why 8 MiB:
   * ConsensusConfig.DEFAULT_MAX_MESSAGE_BYTES).
   */
  public static final Setting MAX_MESSAGE_BYTES =
      new Setting(
          "max_message_bytes",
          BYTES,
          ConsensusConfig.DEFAULT_MAX_MESSAGE_BYTES,
          64 * KIB,
          GIB,
          "the largest peer message (proposal, vote, sync response) this node accepts or sends; a larger proposal is TOO_LARGE");

  public static final Setting MAX_CLOCK_AHEAD_MS =
      new Setting(
          "max_clock_ahead_ms",
          MILLISECONDS,
          ConsensusConfig.DEFAULT_MAX_CLOCK_AHEAD_MS,
          0,
          HOUR_MS,
          "a block timestamped further ahead of this node's clock gets a nil prepare");
  public static final Setting BUFFERED_HEIGHTS =
      new Setting(
          "buffered_heights",
          COUNT,
          ConsensusConfig.DEFAULT_BUFFERED_HEIGHTS,
          0,
          16,
          "messages this many heights ahead are kept for later, further ones refused (HEIGHT_OUT_OF_RANGE)");
  public static final Setting MAX_BUFFERED_PER_HEIGHT =
      new Setting(
          "max_buffered_per_height",
          COUNT,
          ConsensusConfig.DEFAULT_MAX_BUFFERED_PER_HEIGHT,
          0,
          1_000_000,
          "messages kept for each future height, at most");
  public static final Setting MAX_BUFFERED_BYTES =
      new Setting(
          "max_buffered_bytes",
          BYTES,
          ConsensusConfig.DEFAULT_MAX_BUFFERED_BYTES,
          0,
          16 * GIB,
          "the messages kept for future heights, all together (serialized)");
  public static final Setting MAX_ROUNDS_AHEAD =
      new Setting(
          "max_rounds_ahead",
          COUNT,
          ConsensusConfig.DEFAULT_MAX_ROUNDS_AHEAD,
          1,
          1_000_000,
          "votes for rounds further ahead of the current one are refused (proposals: more than one ahead)");
  public static final Setting REBROADCAST_MS =
      new Setting(
          "rebroadcast_ms",
          MILLISECONDS,
          ConsensusConfig.DEFAULT_REBROADCAST_MS,
          100,
          HOUR_MS,
          "while a height is undecided, this node's own messages of the round are sent again this often");
  public static final Setting MAX_HELD_BLOCK_BYTES =
      new Setting(
          "max_held_block_bytes",
          BYTES,
          ConsensusConfig.DEFAULT_MAX_HELD_BLOCK_BYTES,
          64 * KIB,
          16 * GIB,
          "the blocks the engine holds for the height it decides (serialized); at least max_message_bytes");
  public static final Setting CONSENSUS_QUEUE_EVENTS =
      new Setting(
          "consensus_queue_events",
          COUNT,
          50_000,
          1,
          10_000_000,
          "events (peers' messages, synced blocks, timeouts) waiting for the consensus thread, at most");

  // Transactions.

  public static final Setting MEMPOOL_MAX_TXS =
      new Setting(
          "mempool_max_txs",
          COUNT,
          50_000,
          1,
          10_000_000,
          "transactions in the mempool, at most (a full pool takes one only for a higher fee per byte)");
  public static final Setting MEMPOOL_MAX_BYTES =
      new Setting(
          "mempool_max_bytes",
          BYTES,
          32 * MIB,
          64 * KIB,
          16 * GIB,
          "the mempool's transactions, all together (their protobuf sizes)");
  public static final Setting MAX_PENDING_TXS =
      new Setting(
          "max_pending_txs",
          COUNT,
          16_384,
          1,
          10_000_000,
          "transactions waiting for signature checks or admission, at most; beyond, OVERLOADED");

  // The client API (gRPC port) and its subscriptions.

  public static final Setting CLIENT_MAX_MESSAGE_BYTES =
      new Setting(
          "client_max_message_bytes",
          BYTES,
          MIB,
          64 * KIB,
          GIB,
          "the largest request on the client and web ports");
  public static final Setting CLIENT_MAX_CALLS_PER_CONNECTION =
      new Setting(
          "client_max_calls_per_connection",
          COUNT,
          1_000,
          1,
          1_000_000,
          "concurrent calls on one client connection");
  public static final Setting MAX_SUBSCRIBERS =
      new Setting(
          "max_subscribers",
          COUNT,
          20_000,
          1,
          10_000_000,
          "SubscribeFinalized streams at once; beyond, TOO_MANY_STREAMS");
  public static final Setting SUBSCRIBER_MAX_LAG =
      new Setting(
          "subscriber_max_lag",
          COUNT,
          1_024,
          1,
          10_000_000,
          "blocks a caught-up subscriber may fall behind before it is closed (SLOW_SUBSCRIBER)");
  public static final Setting SUBSCRIBER_KEEP_ALIVE_MS =
      new Setting(
          "subscriber_keep_alive_ms",
          MILLISECONDS,
          5_000,
          100,
          HOUR_MS,
          "an idle subscription gets a KeepAlive this often");
  public static final Setting SUBSCRIBER_STALL_MS =
      new Setting(
          "subscriber_stall_ms",
          MILLISECONDS,
          30_000,
          100,
          HOUR_MS,
          "a subscription that leaves a block unread this long is closed (SLOW_SUBSCRIBER)");

  // The peer network (PeerLimits).

  public static final Setting PEER_QUEUE_BYTES =
      new Setting(
          "peer_queue_bytes",
          BYTES,
          16 * MIB,
          64 * KIB,
          16 * GIB,
          "the bytes waiting to be sent to one peer; beyond, the peer is dropped; at least max_message_bytes");
  public static final Setting PEER_HANDSHAKE_MS =
      new Setting(
          "peer_handshake_ms",
          MILLISECONDS,
          5_000,
          100,
          HOUR_MS,
          "the time a peer stream has to complete the hello exchange");
  public static final Setting SYNC_PROGRESS_MS =
      new Setting(
          "sync_progress_ms",
          MILLISECONDS,
          10_000,
          100,
          HOUR_MS,
          "a sync source that sends no block for this long is penalized and the next peer asked");
  public static final Setting SYNC_SERVE_STALL_MS =
      new Setting(
          "sync_serve_stall_ms",
          MILLISECONDS,
          30_000,
          100,
          HOUR_MS,
          "a syncing peer that reads nothing for this long is cut off");
  public static final Setting SYNC_STREAMS =
      new Setting(
          "sync_streams",
          COUNT,
          4,
          1,
          1_024,
          "SyncBlocks streams served at once (one per peer); each holds one message in the heap");
  public static final Setting PEER_HINT_LIFE_MS =
      new Setting(
          "peer_hint_life_ms",
          MILLISECONDS,
          30_000,
          0,
          HOUR_MS,
          "how long a peer's unverified hello height counts (for health) after it is admitted");
  public static final Setting MAX_NON_VALIDATOR_PEERS =
      new Setting(
          "max_non_validator_peers",
          COUNT,
          16,
          0,
          10_000,
          "admitted peers that are not validators of the current set; beyond, their handshake is refused");

  // The web port (WebPort.Limits).

  public static final Setting WEB_MAX_CONNECTIONS =
      new Setting(
          "web_max_connections",
          COUNT,
          512,
          1,
          1_000_000,
          "connections to the web port; those beyond are closed at once");
  public static final Setting WEB_BODY_BUDGET_BYTES =
      new Setting(
          "web_body_budget_bytes",
          BYTES,
          16 * MIB,
          64 * KIB,
          16 * GIB,
          "request bodies in flight on the web port, all together");
  public static final Setting WEB_BODY_TIMEOUT_MS =
      new Setting(
          "web_body_timeout_ms",
          MILLISECONDS,
          10_000,
          100,
          HOUR_MS,
          "a request body must arrive whole within this");
  public static final Setting WEB_IDLE_TIMEOUT_S =
      new Setting(
          "web_idle_timeout_s",
          SECONDS,
          60,
          1,
          86_400,
          "a web connection idle this long is closed");

  /** The table, in the order of docs/configuration.md and of config.json's writer. */
  public static final List<Setting> ALL =
      List.of(
          MAX_MESSAGE_BYTES,
          MAX_CLOCK_AHEAD_MS,
          BUFFERED_HEIGHTS,
          MAX_BUFFERED_PER_HEIGHT,
          MAX_BUFFERED_BYTES,
          MAX_ROUNDS_AHEAD,
          REBROADCAST_MS,
          MAX_HELD_BLOCK_BYTES,
          CONSENSUS_QUEUE_EVENTS,
          MEMPOOL_MAX_TXS,
          MEMPOOL_MAX_BYTES,
          MAX_PENDING_TXS,
          CLIENT_MAX_MESSAGE_BYTES,
          CLIENT_MAX_CALLS_PER_CONNECTION,
          MAX_SUBSCRIBERS,
          SUBSCRIBER_MAX_LAG,
          SUBSCRIBER_KEEP_ALIVE_MS,
          SUBSCRIBER_STALL_MS,
          PEER_QUEUE_BYTES,
          PEER_HANDSHAKE_MS,
          SYNC_PROGRESS_MS,
          SYNC_SERVE_STALL_MS,
          SYNC_STREAMS,
          PEER_HINT_LIFE_MS,
          MAX_NON_VALIDATOR_PEERS,
          WEB_MAX_CONNECTIONS,
          WEB_BODY_BUDGET_BYTES,
          WEB_BODY_TIMEOUT_MS,
          WEB_IDLE_TIMEOUT_S);

  /** Every setting at its default. */
  public static final NodeLimits DEFAULTS = new NodeLimits(defaultValues());

  /** The name of the object in config.json. */
  static final String FIELD = "limits";

  /**
   * Checks that every setting has a value in its range, and the relations between them, naming the
   * key at fault.
   */
  public NodeLimits {
    values = Map.copyOf(values);
    for (Setting s : ALL) {
      Long v = values.get(s.key());
      if (v == null) {
        throw new ConfigException(path(s), "missing");
      }
      if (v < s.min() || v > s.max()) {
        throw new ConfigException(
            path(s),
            "must be from " + s.min() + " to " + s.max() + " " + s.unit().symbol() + ", got " + v);
      }
    }
    if (values.size() != ALL.size()) {
      throw new ConfigException(FIELD, "holds a key that is not a setting: " + values.keySet());
    }
    atLeastOneMessage(values, MAX_HELD_BLOCK_BYTES);
    atLeastOneMessage(values, PEER_QUEUE_BYTES);
  }

  /** The engine's configuration: a chain's parameters (from its genesis) with these bounds. */
  public ConsensusConfig consensusConfig(
      String chainId, long blockIntervalMs, ConsensusConfig.Timeouts timeouts) {
    return new ConsensusConfig(
        chainId,
        blockIntervalMs,
        timeouts,
        get(MAX_CLOCK_AHEAD_MS),
        intValue(MAX_MESSAGE_BYTES),
        intValue(BUFFERED_HEIGHTS),
        intValue(MAX_BUFFERED_PER_HEIGHT),
        get(MAX_BUFFERED_BYTES),
        intValue(MAX_ROUNDS_AHEAD),
        get(REBROADCAST_MS),
        get(MAX_HELD_BLOCK_BYTES));
  }

  /** The value of {@code s}. */
  public long get(Setting s) {
    return values.get(s.key());
  }

  /** The value of {@code s}, for a setting whose range fits an int. */
  public int intValue(Setting s) {
    return Math.toIntExact(get(s));
  }

  /** These limits with {@code s} set to {@code value} (checked as config.json's would be). */
  public NodeLimits with(Setting s, long value) {
    Map<String, Long> changed = new HashMap<>(values);
    changed.put(s.key(), value);
    return new NodeLimits(changed);
  }

  /** Whether every setting has its default (config.json then has no {@code limits} object). */
  public boolean isDefault() {
    return equals(DEFAULTS);
  }

  /** The limits of config.json's {@code limits} object; an absent one gives the defaults. */
  static NodeLimits read(Fields root) {
    Fields limits = root.object(FIELD).allow(ALL.stream().map(Setting::key).toArray(String[]::new));
    Map<String, Long> values = new HashMap<>();
    for (Setting s : ALL) {
      values.put(s.key(), limits.integer(s.key(), s.defaultValue(), s.min(), s.max()));
    }
    return new NodeLimits(values);
  }

  /**
   * Writes the settings that differ from their defaults as the {@code limits} object; nothing when
   * none do.
   */
  void write(JsonGenerator out) throws IOException {
    if (isDefault()) {
      return;
    }
    out.writeObjectFieldStart(FIELD);
    for (Setting s : ALL) {
      if (get(s) != s.defaultValue()) {
        out.writeNumberField(s.key(), get(s));
      }
    }
    out.writeEndObject();
  }

  private static void atLeastOneMessage(Map<String, Long> values, Setting s) {
    long message = values.get(MAX_MESSAGE_BYTES.key());
    if (values.get(s.key()) < message) {
      throw new ConfigException(
          path(s),
          "must be at least max_message_bytes ("
              + message
              + "), so that one message fits; got "
              + values.get(s.key()));
    }
  }

  private static String path(Setting s) {
    return FIELD + "." + s.key();
  }

  private static Map<String, Long> defaultValues() {
    Map<String, Long> values = new HashMap<>();
    for (Setting s : ALL) {
      values.put(s.key(), s.defaultValue());
    }
    return values;
  }
}
