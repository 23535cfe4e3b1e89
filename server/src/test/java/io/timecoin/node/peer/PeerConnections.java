package io.timecoin.node.peer;

/** A peer connection without a stream, for tests that check what a node counts against a peer. */
public final class PeerConnections {
  private PeerConnections() {}

  /**
   * An inbound connection from {@code address}, bound to no stream (what is sent to it is dropped).
   */
  public static PeerConnection unbound(String address) {
    PeerConnection conn =
        new PeerConnection(
            PeerConnection.Direction.INBOUND,
            address,
            null,
            1 << 20,
            new SendBudget(1 << 20),
            sender -> sender,
            (c, why) -> {});
    conn.bind(m -> {}, () -> true, reason -> {});
    return conn;
  }

  /** How many refused messages were counted against {@code conn}. */
  public static int penalties(PeerConnection conn) {
    return conn.invalid.get();
  }
}
