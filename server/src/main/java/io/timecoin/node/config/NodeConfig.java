package io.timecoin.node.config;

import io.timecoin.node.config.StrictJson.Fields;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's own settings, the file {@code config.json} in its home directory (the format is in
 * {@link io.timecoin.node.config the package documentation}). The chain's parameters are not here
 * but in {@code genesis.json}, which every node of a chain shares.
 *
 * @param moniker a name for people (logs, status)
 * @param peerListen host:port where other validators connect (PeerService)
 * @param clientListen host:port where wallets and explorers connect (NodeService)
 * @param metricsListen host:port where Prometheus scrapes
 * @param peers the host:port addresses of the peers this node dials
 * @param dataDir the chain data directory, relative to the home directory unless absolute
 * @param keyFile the consensus key file, relative to the home directory unless absolute
 * @param tlsDir empty: plaintext; otherwise the folder (relative to the home directory unless
 *     absolute) with {@code node.crt.pem}, {@code node.key.pem} and {@code ca.pem}: both ports then
 *     speak TLS, and peers must present a certificate the CA signed
 * @param webListen empty: no web port; otherwise host:port of the web port (gRPC-Web, JSON, the
 *     explorer, /metrics, /healthz; docs/protocol.md 7)
 * @param limits the node's limits and tunables ({@link NodeLimits}, docs/configuration.md): the
 *     optional object {@code limits}, every setting it leaves out at its default
 */
public record NodeConfig(
    String moniker,
    String peerListen,
    String clientListen,
    String metricsListen,
    List<String> peers,
    String dataDir,
    String keyFile,
    String tlsDir,
    String webListen,
    NodeLimits limits) {

  /** The config file's name in a node's home directory. */
  public static final String FILE_NAME = "config.json";

  public static final String DEFAULT_MONIKER = "node";
  public static final String DEFAULT_DATA_DIR = "data";
  public static final String DEFAULT_KEY_FILE = "keys/validator.key";

  /** Where {@code timed init --tls} puts a node's certificate, key and the network's CA. */
  public static final String DEFAULT_TLS_DIR = "tls";

  /** The fields of config.json, in the writer's order (docs/configuration.md lists each). */
  public static final List<String> FIELDS =
      List.of(
          "moniker",
          "peer_listen",
          "client_listen",
          "metrics_listen",
          "peers",
          "data_dir",
          "key_file",
          "tls_dir",
          "web_listen",
          NodeLimits.FIELD);

  /**
   * Checks every field; host:port texts are kept in their normal form ({@link
   * HostPort#toString()}).
   */
  public NodeConfig {
    if (moniker == null
        || moniker.isEmpty()
        || moniker.length() > 64
        || moniker.chars().anyMatch(Character::isISOControl)) {
      throw new ConfigException("moniker", "must be 1 to 64 characters without control characters");
    }
    HostPort peer = hostPort("peer_listen", peerListen);
    HostPort client = hostPort("client_listen", clientListen);
    HostPort metrics = hostPort("metrics_listen", metricsListen);
    // Two services on one address would fail to bind at start; say so now, naming the fields.
    if (client.port() != 0 && client.equals(peer)) {
      throw new ConfigException("client_listen", client + " is also peer_listen");
    }
    if (metrics.port() != 0 && (metrics.equals(peer) || metrics.equals(client))) {
      throw new ConfigException(
          "metrics_listen", metrics + " is also peer_listen or client_listen");
    }
    peerListen = peer.toString();
    clientListen = client.toString();
    metricsListen = metrics.toString();
    List<String> normal = new ArrayList<>();
    for (int i = 0; i < peers.size(); i++) {
      HostPort p = hostPort("peers[" + i + "]", peers.get(i));
      if (p.port() == 0) {
        throw new ConfigException("peers[" + i + "]", "port 0 cannot be dialed");
      }
      if (normal.contains(p.toString())) {
        throw new ConfigException("peers[" + i + "]", p + " is listed twice");
      }
      normal.add(p.toString());
    }
    peers = List.copyOf(normal);
    checkPath("data_dir", dataDir);
    checkPath("key_file", keyFile);
    webListen = webListen == null ? "" : webListen;
    if (!webListen.isEmpty()) {
      HostPort web = hostPort("web_listen", webListen);
      if (web.port() != 0 && (web.equals(peer) || web.equals(client) || web.equals(metrics))) {
        throw new ConfigException(
            "web_listen", web + " is also peer_listen, client_listen or metrics_listen");
      }
      webListen = web.toString();
    }
    tlsDir = tlsDir == null ? "" : tlsDir;
    if (!tlsDir.isEmpty()) {
      checkPath("tls_dir", tlsDir);
    }
    limits = limits == null ? NodeLimits.DEFAULTS : limits;
  }

  /** The chain data directory of the node whose home directory is {@code home}. */
  public Path dataDir(Path home) {
    return home.resolve(dataDir);
  }

  /** The TLS folder, or null when the node speaks plaintext. */
  public Path tlsDir(Path home) {
    return tlsDir.isEmpty() ? null : home.resolve(tlsDir);
  }

  /** The config of a node with the default limits. */
  public NodeConfig(
      String moniker,
      String peerListen,
      String clientListen,
      String metricsListen,
      List<String> peers,
      String dataDir,
      String keyFile,
      String tlsDir,
      String webListen) {
    this(
        moniker,
        peerListen,
        clientListen,
        metricsListen,
        peers,
        dataDir,
        keyFile,
        tlsDir,
        webListen,
        NodeLimits.DEFAULTS);
  }

  /** The config of a node without a web port (webListen empty), with the default limits. */
  public NodeConfig(
      String moniker,
      String peerListen,
      String clientListen,
      String metricsListen,
      List<String> peers,
      String dataDir,
      String keyFile,
      String tlsDir) {
    this(moniker, peerListen, clientListen, metricsListen, peers, dataDir, keyFile, tlsDir, "");
  }

  /** The same config dialing other peers (tests put proxies between nodes). */
  public NodeConfig withPeers(List<String> newPeers) {
    return new NodeConfig(
        moniker,
        peerListen,
        clientListen,
        metricsListen,
        newPeers,
        dataDir,
        keyFile,
        tlsDir,
        webListen,
        limits);
  }

  /** The same config with the web port on {@code address} (host:port), or off (empty). */
  public NodeConfig withWebListen(String address) {
    return new NodeConfig(
        moniker,
        peerListen,
        clientListen,
        metricsListen,
        peers,
        dataDir,
        keyFile,
        tlsDir,
        address,
        limits);
  }

  /** The same config with other limits (tests). */
  public NodeConfig withLimits(NodeLimits newLimits) {
    return new NodeConfig(
        moniker,
        peerListen,
        clientListen,
        metricsListen,
        peers,
        dataDir,
        keyFile,
        tlsDir,
        webListen,
        newLimits);
  }

  /** The consensus key file of the node whose home directory is {@code home}. */
  public Path keyFile(Path home) {
    return home.resolve(keyFile);
  }

  /**
   * Reads and checks a config file.
   *
   * @throws ConfigException naming the file, the field and the problem
   * @throws IOException when the file cannot be read
   */
  public static NodeConfig read(Path path) throws IOException {
    try {
      return parse(Files.readString(path, StandardCharsets.UTF_8));
    } catch (CharacterCodingException e) {
      throw new ConfigException("", "not UTF-8 text").inFile(path);
    } catch (ConfigException e) {
      throw e.inFile(path);
    }
  }

  /**
   * The config of this JSON text.
   *
   * @throws ConfigException naming the field and the problem
   */
  public static NodeConfig parse(String json) {
    Fields root = StrictJson.parse(json, ConfigException::new).allow(FIELDS.toArray(String[]::new));
    return new NodeConfig(
        root.string("moniker", DEFAULT_MONIKER),
        root.string("peer_listen"),
        root.string("client_listen"),
        root.string("metrics_listen"),
        root.strings("peers"),
        root.string("data_dir", DEFAULT_DATA_DIR),
        root.string("key_file", DEFAULT_KEY_FILE),
        root.string("tls_dir", ""),
        root.string("web_listen", ""),
        NodeLimits.read(root));
  }

  /** Writes this config as pretty JSON (through a temporary file and a rename). */
  public void write(Path path) throws IOException {
    StrictJson.writeFile(path, toJson());
  }

  /** The JSON text of this config; {@link #parse} of it gives an equal NodeConfig. */
  public String toJson() {
    return StrictJson.write(
        out -> {
          out.writeStringField("moniker", moniker);
          out.writeStringField("peer_listen", peerListen);
          out.writeStringField("client_listen", clientListen);
          out.writeStringField("metrics_listen", metricsListen);
          out.writeArrayFieldStart("peers");
          for (String peer : peers) {
            out.writeString(peer);
          }
          out.writeEndArray();
          out.writeStringField("data_dir", dataDir);
          out.writeStringField("key_file", keyFile);
          out.writeStringField("tls_dir", tlsDir);
          if (!webListen.isEmpty()) {
            out.writeStringField("web_listen", webListen);
          }
          limits.write(out);
        });
  }

  private static HostPort hostPort(String field, String text) {
    if (text == null) {
      throw new ConfigException(field, "missing (required)");
    }
    try {
      return HostPort.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(field, e.getMessage());
    }
  }

  private static void checkPath(String field, String path) {
    if (path == null || path.isEmpty()) {
      throw new ConfigException(field, "must be a path");
    }
    try {
      var unused = Path.of(path); // parsed only to refuse what is not a path
    } catch (InvalidPathException e) {
      throw new ConfigException(field, "not a usable path: " + e.getReason());
    }
  }
}
