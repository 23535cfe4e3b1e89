package io.timecoin.node.peer;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.timecoin.node.ApiErrors;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.PeerInfo;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Who is connected: one admitted connection per key, every validator of the current set and a few
 * peers that are not, and what is known of each (its height).
 */
final class PeerRegistry {
  private static final Logger LOG = Logger.getLogger(PeerRegistry.class.getName());

  private final ByteString ownKey;

  /**
   * Whether a key is a validator of the current set (validators are kept first, and are not counted
   * against maxNonValidators).
   */
  private final Predicate<ByteString> isValidator;

  private final PeerLimits limits;
  private final LogName logName;
  private final Map<ByteString, PeerConnection> peers = new ConcurrentHashMap<>();

  /**
   * Which node answered at each dialed address: no need to dial it while it is connected anyway.
   */
  private final Map<String, ByteString> keyAt = new ConcurrentHashMap<>();

  /** Admitting a non-validator: the count and the admission, together. */
  private final Object nonValidatorAdmission = new Object();

  PeerRegistry(
      ByteString ownKey, Predicate<ByteString> isValidator, PeerLimits limits, LogName logName) {
    this.ownKey = ownKey;
    this.isValidator = isValidator;
    this.limits = limits;
    this.logName = logName;
  }

  /**
   * A peer whose handshake is done ({@code remoteKey} and {@code height.hello} set). A
   * non-validator beyond maxNonValidators is refused; when both sides dial, the stream dialed by
   * the lower key stays.
   */
  void admit(PeerConnection conn) {
    if (conn.direction == PeerConnection.Direction.OUTBOUND) {
      keyAt.put(conn.address, conn.remoteKey);
    }
    if (isValidator.test(conn.remoteKey)) {
      admitOne(conn);
      return;
    }
    synchronized (nonValidatorAdmission) {
      long others =
          peers.values().stream()
              .filter(
                  p ->
                      p.admitted()
                          && !p.remoteKey.equals(conn.remoteKey)
                          && !isValidator.test(p.remoteKey))
              .count();
      if (others >= limits.maxNonValidators()) {
        LogName.PEER_LOG.log(
            LOG,
            Level.INFO,
            () ->
                logName
                    + "refused peer "
                    + conn
                    + ": not a validator, and "
                    + others
                    + " non-validators are connected");
        conn.close(
            "too_many_peers",
            ApiErrors.of(
                Status.Code.RESOURCE_EXHAUSTED,
                ErrorReason.ERROR_REASON_TOO_MANY_STREAMS,
                "this node keeps "
                    + limits.maxNonValidators()
                    + " peers that are not validators at most"),
            false);
        return;
      }
      admitOne(conn);
    }
  }

  private void admitOne(PeerConnection conn) {
    conn.markAdmitted();
    PeerConnection kept =
        peers.merge(
            conn.remoteKey,
            conn,
            (old, fresh) -> {
              if (old.isClosed()) {
                return fresh;
              }
              boolean freshDialedByLower =
                  fresh.direction == PeerConnection.Direction.OUTBOUND
                      ? ByteString.unsignedLexicographicalComparator()
                              .compare(ownKey, fresh.remoteKey)
                          < 0
                      : ByteString.unsignedLexicographicalComparator()
                              .compare(fresh.remoteKey, ownKey)
                          < 0;
              return freshDialedByLower ? fresh : old;
            });
    if (kept != conn) {
      conn.close(
          "duplicate",
          Status.CANCELLED.withDescription("duplicate connection").asRuntimeException(),
          false);
      return;
    }
    if (conn
        .isClosed()) { // closed while being admitted: its onClosed may have run before the merge
      peers.remove(conn.remoteKey, conn);
      return;
    }
    LogName.PEER_LOG.log(
        LOG,
        Level.INFO,
        () ->
            logName
                + "peer connected: "
                + conn
                + " ("
                + conn.direction.name().toLowerCase()
                + ", height "
                + conn.height.hello
                + ")");
  }

  /**
   * A connection ended ({@code label}: why): true if it was its key's admitted one, now forgotten.
   */
  boolean remove(PeerConnection conn, String label) {
    if (conn.remoteKey == null || !peers.remove(conn.remoteKey, conn)) {
      return false;
    }
    LogName.PEER_LOG.log(
        LOG, Level.INFO, () -> logName + "peer disconnected: " + conn + " (" + label + ")");
    return true;
  }

  /** The peers' connections (each admitted when it was added; one may have closed since). */
  Collection<PeerConnection> all() {
    return peers.values();
  }

  /** The admitted peer of this key, or null. */
  PeerConnection peerOf(ByteString key) {
    PeerConnection p = peers.get(key);
    return p != null && p.admitted() ? p : null;
  }

  /** The admitted inbound peer whose Connect stream comes from this socket, or null. */
  PeerConnection admittedInboundAt(SocketAddress remote) {
    for (PeerConnection p : peers.values()) {
      if (p.direction == PeerConnection.Direction.INBOUND
          && p.admitted()
          && remote.equals(p.remote)) {
        return p;
      }
    }
    return null;
  }

  /**
   * Whether the node that answered at this dialed address before is connected now (through either
   * side's stream).
   */
  boolean connectedAt(String address) {
    ByteString known = keyAt.get(address);
    PeerConnection live = known == null ? null : peers.get(known);
    return live != null && !live.isClosed();
  }

  /**
   * Whom to drop when a message for {@code sender} does not fit the shared send budget: of the
   * peers with bytes waiting, a non-validator before a validator, and the one holding the most
   * first; the sender itself if no one else holds anything.
   */
  PeerConnection overBudget(PeerConnection sender) {
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
      if (worst == null
          || (worstIsValidator && !validator)
          || (validator == worstIsValidator && bytes > worstBytes)) {
        worst = p;
        worstIsValidator = validator;
        worstBytes = bytes;
      }
    }
    return worst == null ? sender : worst;
  }

  /**
   * The highest finalized height this node has reason to believe a peer has ({@code tip}: its own;
   * see {@link PeerHeight}).
   */
  long bestKnownHeight(long tip) {
    long now = System.nanoTime();
    long best = 0;
    for (PeerConnection p : peers.values()) {
      if (!p.admitted()) {
        continue;
      }
      best = Math.max(best, p.height.believed(tip, now, limits));
    }
    return best;
  }

  /**
   * The admitted peers, for GetStatus ({@code tip}: this node's, which bounds their unverified
   * heights).
   */
  List<PeerInfo> infos(long tip) {
    List<PeerInfo> out = new ArrayList<>();
    for (PeerConnection p : peers.values()) {
      if (p.admitted()) {
        out.add(
            PeerInfo.newBuilder()
                .setNodeKey(p.remoteKey)
                .setAddress(p.address)
                .setHeight(p.height.shown(tip, limits))
                .build());
      }
    }
    return out;
  }

  int count() {
    return (int) peers.values().stream().filter(PeerConnection::admitted).count();
  }
}
