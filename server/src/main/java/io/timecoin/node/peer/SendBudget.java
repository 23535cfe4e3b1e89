package io.timecoin.node.peer;

import io.timecoin.proto.v1.PeerMessage;
import java.util.IdentityHashMap;

/**
 * The heap that messages waiting in any peer's send queue hold, bounded in bytes for all peers
 * together. A message broadcast to every peer is one object in every queue, so it is counted once
 * however many queues hold it (counting it per queue would refuse this node's own proposal to a
 * large validator set), and given back when the last queue lets go of it.
 */
final class SendBudget {
  private final long max;

  /** Per message waiting: how many queues hold it. */
  private final IdentityHashMap<PeerMessage, int[]> holders = new IdentityHashMap<>();

  private long used;

  SendBudget(long max) {
    this.max = max;
  }

  /** Counts {@code m} ({@code size} bytes) as held by one more queue; false if it does not fit. */
  synchronized boolean take(PeerMessage m, int size) {
    int[] n = holders.get(m);
    if (n != null) {
      n[0]++;
      return true;
    }
    if (used + size > max) {
      return false;
    }
    holders.put(m, new int[] {1});
    used += size;
    return true;
  }

  /** A queue let go of {@code m} (sent it, or was dropped). */
  synchronized void giveBack(PeerMessage m, int size) {
    int[] n = holders.get(m);
    if (n != null && --n[0] == 0) {
      holders.remove(m);
      used -= size;
    }
  }

  synchronized long used() {
    return used;
  }

  long max() {
    return max;
  }
}
