package io.timecoin.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
  private static final String EXAMPLE =
      """
      {"moniker": "node-0", "peer_listen": "127.0.0.1:24100", "client_listen": "127.0.0.1:24101",
       "metrics_listen": "127.0.0.1:24102", "peers": ["127.0.0.1:24110", "127.0.0.1:24120"],
       "data_dir": "data", "key_file": "keys/validator.key"}
      """;

  @TempDir Path tmp;

  private static void assertRefused(String json, String field, String problem) {
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.parse(json));
    assertEquals(field, e.field(), e.getMessage());
    assertTrue(
        e.getMessage().contains(problem), "'" + e.getMessage() + "' should say '" + problem + "'");
  }

  @Test
  void readsTheExampleAndWritesItBack() throws Exception {
    NodeConfig c = NodeConfig.parse(EXAMPLE);
    assertEquals(
        new NodeConfig(
            "node-0",
            "127.0.0.1:24100",
            "127.0.0.1:24101",
            "127.0.0.1:24102",
            List.of("127.0.0.1:24110", "127.0.0.1:24120"),
            "data",
            "keys/validator.key",
            ""),
        c);
    Path file = tmp.resolve(NodeConfig.FILE_NAME);
    c.write(file);
    assertEquals(c, NodeConfig.read(file));
    assertEquals(c.toJson(), Files.readString(file));
  }

  @Test
  void theWebPortIsOffUnlessWebListenNamesItAndNotAnotherPortsAddress() throws Exception {
    assertEquals("", NodeConfig.parse(EXAMPLE).webListen());
    NodeConfig on =
        NodeConfig.parse(
            EXAMPLE.replace("\"data_dir\"", "\"web_listen\": \"127.0.0.1:24103\", \"data_dir\""));
    assertEquals("127.0.0.1:24103", on.webListen());
    Path file = tmp.resolve(NodeConfig.FILE_NAME);
    on.write(file);
    assertEquals(on, NodeConfig.read(file));
    assertTrue(!NodeConfig.parse(EXAMPLE).toJson().contains("web_listen"), "written only when set");
    assertRefused(
        EXAMPLE.replace("\"data_dir\"", "\"web_listen\": \"127.0.0.1:24102\", \"data_dir\""),
        "web_listen",
        "is also");
    assertRefused(
        EXAMPLE.replace("\"data_dir\"", "\"web_listen\": \"nope\", \"data_dir\""),
        "web_listen",
        "");
    assertEquals("", on.withWebListen("").webListen());
  }

  @Test
  void defaultsAndNormalForms() {
    NodeConfig c =
        NodeConfig.parse(
            """
        {"peer_listen": "[::1]:24100", "client_listen": "localhost:1", "metrics_listen": "0.0.0.0:0"}""");
    assertEquals("node", c.moniker());
    assertEquals("[::1]:24100", c.peerListen());
    assertEquals(List.of(), c.peers());
    assertEquals("data", c.dataDir());
    assertEquals("keys/validator.key", c.keyFile());
  }

  @Test
  void pathsAreRelativeToTheHomeUnlessAbsolute() {
    Path home = Path.of("/srv/timed/node-0");
    NodeConfig c = NodeConfig.parse(EXAMPLE);
    assertEquals(Path.of("/srv/timed/node-0/data"), c.dataDir(home));
    assertEquals(Path.of("/srv/timed/node-0/keys/validator.key"), c.keyFile(home));
    NodeConfig absolute = NodeConfig.parse(EXAMPLE.replace("\"data\"", "\"/var/lib/timed\""));
    assertEquals(Path.of("/var/lib/timed"), absolute.dataDir(home));
  }

  @Test
  void refusesWhatIsWrong() {
    assertRefused(EXAMPLE.replace("\"moniker\"", "\"name\""), "name", "unknown field");
    assertRefused(
        EXAMPLE.replace("\"data_dir\": \"data\"", "\"data_dir\": \"data\", \"data_dir\": \"x\""),
        "data_dir",
        "Duplicate field");
    assertRefused(
        EXAMPLE.replace("\"peer_listen\": \"127.0.0.1:24100\", ", ""), "peer_listen", "missing");
    assertRefused(
        EXAMPLE.replace("127.0.0.1:24101", "127.0.0.1"), "client_listen", "not host:port");
    assertRefused(
        EXAMPLE.replace("127.0.0.1:24101", "127.0.0.1:65536"),
        "client_listen",
        "not from 0 to 65535");
    assertRefused(EXAMPLE.replace("127.0.0.1:24101", "::1:24101"), "client_listen", "in brackets");
    assertRefused(
        EXAMPLE.replace("127.0.0.1:24101", "127.0.0.1:024101"),
        "client_listen",
        "the port must be");
    assertRefused(EXAMPLE.replace("127.0.0.1:24120", "bad host:1"), "peers[1]", "not a host name");
    assertRefused(
        EXAMPLE.replace("127.0.0.1:24120", "127.0.0.1:24110"), "peers[1]", "listed twice");
    assertRefused(EXAMPLE.replace("127.0.0.1:24120", "127.0.0.1:0"), "peers[1]", "port 0");
    assertRefused(EXAMPLE.replace("127.0.0.1:24102", "127.0.0.1:24101"), "metrics_listen", "also");
    assertRefused(
        EXAMPLE.replace("[\"127.0.0.1:24110\", \"127.0.0.1:24120\"]", "\"127.0.0.1:24110\""),
        "peers",
        "must be an array");
    assertRefused(EXAMPLE.replace("\"127.0.0.1:24120\"", "24120"), "peers[1]", "must be a string");
    assertRefused(EXAMPLE.replace("\"keys/validator.key\"", "\"\""), "key_file", "must be a path");
  }

  @Test
  void limitsDefaultAndAreNotWrittenUnlessSet() throws Exception {
    NodeConfig c = NodeConfig.parse(EXAMPLE);
    assertEquals(NodeLimits.DEFAULTS, c.limits());
    assertTrue(
        !c.toJson().contains("limits"), "a home made by timed init keeps its file as it was");
    for (Setting s : NodeLimits.ALL) {
      assertEquals(s.defaultValue(), c.limits().get(s), s.key());
    }
  }

  @Test
  void readsAndWritesTheLimitsItIsGiven() throws Exception {
    NodeConfig c =
        NodeConfig.parse(
            EXAMPLE.replace(
                "\"data_dir\"",
                "\"limits\": {\"mempool_max_txs\": 7, \"max_message_bytes\": 16777216}, \"data_dir\""));
    assertEquals(7, c.limits().intValue(NodeLimits.MEMPOOL_MAX_TXS));
    assertEquals(16L << 20, c.limits().get(NodeLimits.MAX_MESSAGE_BYTES));
    assertEquals(
        NodeLimits.MAX_SUBSCRIBERS.defaultValue(), c.limits().get(NodeLimits.MAX_SUBSCRIBERS));
    assertEquals(
        NodeLimits.DEFAULTS
            .with(NodeLimits.MEMPOOL_MAX_TXS, 7)
            .with(NodeLimits.MAX_MESSAGE_BYTES, 16L << 20),
        c.limits());
    Path file = tmp.resolve(NodeConfig.FILE_NAME);
    c.write(file);
    assertEquals(c, NodeConfig.read(file));
    assertTrue(Files.readString(file).contains("\"mempool_max_txs\": 7"), Files.readString(file));
    assertTrue(
        !Files.readString(file).contains("max_subscribers"),
        "only what differs from the defaults is written");
    assertEquals(c.limits(), c.withPeers(List.of()).withWebListen("127.0.0.1:1").limits());
  }

  @Test
  void refusesBadLimitsNamingTheKey() {
    String limits = EXAMPLE.replace("\"data_dir\"", "\"limits\": {L}, \"data_dir\"");
    assertRefused(
        limits.replace("L", "\"max_mesage_bytes\": 1"), "limits.max_mesage_bytes", "unknown field");
    assertRefused(
        limits.replace("L", "\"max_message_bytes\": 10"),
        "limits.max_message_bytes",
        "must be an integer from 65536 to 1073741824, got the number 10");
    assertRefused(
        limits.replace("L", "\"sync_streams\": 0"), "limits.sync_streams", "from 1 to 1024");
    assertRefused(
        limits.replace("L", "\"rebroadcast_ms\": \"2s\""),
        "limits.rebroadcast_ms",
        "must be an integer");
    assertRefused(
        limits.replace("L", "\"subscriber_stall_ms\": 1.5"),
        "limits.subscriber_stall_ms",
        "must be an integer");
    assertRefused(
        limits.replace("L", "\"max_held_block_bytes\": 4194304"),
        "limits.max_held_block_bytes",
        "at least max_message_bytes (8388608)");
    assertRefused(
        limits.replace("L", "\"max_message_bytes\": 67108864"),
        "limits.max_held_block_bytes",
        "at least max_message_bytes (67108864)");
    assertRefused(
        limits.replace("L", "\"peer_queue_bytes\": 65536"),
        "limits.peer_queue_bytes",
        "at least max_message_bytes");
    assertRefused(
        EXAMPLE.replace("\"data_dir\"", "\"limits\": [], \"data_dir\""),
        "limits",
        "must be an object");
    ConfigException e =
        assertThrows(
            ConfigException.class, () -> NodeLimits.DEFAULTS.with(NodeLimits.MAX_SUBSCRIBERS, 0));
    assertEquals("limits.max_subscribers", e.field());
  }

  @Test
  void aFileErrorNamesTheFile() throws Exception {
    Path file = tmp.resolve(NodeConfig.FILE_NAME);
    Files.writeString(file, EXAMPLE.replace("\"moniker\"", "\"monicker\""));
    ConfigException e = assertThrows(ConfigException.class, () -> NodeConfig.read(file));
    assertTrue(e.getMessage().startsWith(file + ": monicker: unknown field"), e.getMessage());
  }
}
