package io.timecoin.node.peer;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.PeerMessage;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A peer connection on no socket: what is sent to it is recorded, and how it closed. For tests of
 * gossip and the registry.
 */
final class FakePeer {
  private static final AtomicInteger PORTS = new AtomicInteger(7000);

  final ByteString key;
  final PeerConnection conn;

  /** What the node sent it, in order (nothing while it does not read). */
  final List<PeerMessage> sent = new CopyOnWriteArrayList<>();

  /** The label it was closed with, or null while open. */
  volatile String closedAs;

  /**
   * A peer of {@code key} that reads all it is sent; when it closes, {@code registry} (if any) is
   * told.
   */
  FakePeer(PeerConnection.Direction direction, ByteString key, PeerRegistry registry) {
    this(direction, key, registry, true);
  }

  FakePeer(
      PeerConnection.Direction direction, ByteString key, PeerRegistry registry, boolean reads) {
    this.key = key;
    this.conn =
        new PeerConnection(
            direction,
            "127.0.0.1:" + PORTS.incrementAndGet(),
            null,
            1 << 20,
            new SendBudget(1 << 20),
            sender -> sender,
            (c, label) -> {
              closedAs = label;
              if (registry != null) {
                registry.remove(c, label);
              }
            });
    conn.bind(sent::add, () -> reads, status -> {});
    conn.remoteKey = key;
  }

  /**
   * A 32-byte key whose first byte is {@code first}: its order among keys is chosen by the test.
   */
  static ByteString key(int first, int second) {
    byte[] k = new byte[32];
    k[0] = (byte) first;
    k[1] = (byte) second;
    return ByteString.copyFrom(k);
  }

  /** How many of the messages sent to it are {@code m}. */
  long got(PeerMessage m) {
    return sent.stream().filter(m::equals).count();
  }
}
