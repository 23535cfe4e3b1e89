package io.timecoin.node.peer;

/**
 * What a peer's finalized height is known to be: announced in its hello, a hint only (nothing
 * verified it, so it counts for hintLife after admission and at most heightHint beyond this node's
 * tip: an unverified claim must not keep the node "catching up"), or proven by its verified
 * messages.
 */
final class PeerHeight {
  /** The height the peer's hello announced. */
  volatile long hello;

  volatile long admittedAtNanos;
  private volatile long verified;

  /** The height the peer's verified messages prove it has finalized (0: none seen yet). */
  long verified() {
    return verified;
  }

  void verified(long height) {
    if (height > verified) {
      verified = height;
    }
  }

  /**
   * What this node has reason to believe at {@code nowNanos} ({@code tip}: its own): the hint
   * counts while it lasts.
   */
  long believed(long tip, long nowNanos, PeerLimits limits) {
    return nowNanos - admittedAtNanos < limits.hintLife().toNanos() ? shown(tip, limits) : verified;
  }

  /** What GetStatus shows: the verified height, or the bounded hint if higher. */
  long shown(long tip, PeerLimits limits) {
    return Math.max(verified, Math.min(hello, tip + limits.heightHint()));
  }
}
