package io.timecoin.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.timecoin.consensus.statemachine.ConsensusConfig;
import io.timecoin.node.MemoryBudget;
import io.timecoin.node.peer.PeerLimits;
import io.timecoin.node.web.WebPort;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The engine, the peer network, the web port and the memory budget take each value from the one
 * table.
 */
class NodeLimitsTest {
  private static final long MIB = 1L << 20;

  /** Every setting off its default, so a value read from the wrong setting or a constant shows. */
  private static final NodeLimits CHANGED = changed();

  private static NodeLimits changed() {
    NodeLimits l =
        NodeLimits.DEFAULTS
            .with(NodeLimits.MAX_HELD_BLOCK_BYTES, 96 * MIB)
            .with(NodeLimits.PEER_QUEUE_BYTES, 48 * MIB)
            .with(NodeLimits.MAX_MESSAGE_BYTES, 12 * MIB);
    for (Setting s : NodeLimits.ALL) {
      if (l.get(s) == s.defaultValue()) {
        l =
            l.with(
                s, s.defaultValue() + 1 <= s.max() ? s.defaultValue() + 1 : s.defaultValue() - 1);
      }
    }
    return l;
  }

  @Test
  void theEnginesDefaultsAreTheNodes() {
    ConsensusConfig c = ConsensusConfig.defaults("c", 0);
    assertEquals(8 * MIB, c.maxMessageBytes(), "docs/protocol.md 5.4 and 6: 8 MiB in the node");
    assertEquals(32 * MIB, c.maxHeldBlockBytes(), "the node's, counted by the heap check");
    assertEquals(NodeLimits.DEFAULTS.consensusConfig("c", 0, ConsensusConfig.Timeouts.DEFAULTS), c);
  }

  @Test
  void theEngineTakesEachValue() {
    ConsensusConfig c = CHANGED.consensusConfig("c", 7, ConsensusConfig.Timeouts.DEFAULTS);
    assertEquals(CHANGED.get(NodeLimits.MAX_CLOCK_AHEAD_MS), c.maxClockAheadMs());
    assertEquals(CHANGED.get(NodeLimits.MAX_MESSAGE_BYTES), c.maxMessageBytes());
    assertEquals(CHANGED.get(NodeLimits.BUFFERED_HEIGHTS), c.bufferedHeights());
    assertEquals(CHANGED.get(NodeLimits.MAX_BUFFERED_PER_HEIGHT), c.maxBufferedPerHeight());
    assertEquals(CHANGED.get(NodeLimits.MAX_BUFFERED_BYTES), c.maxBufferedBytes());
    assertEquals(CHANGED.get(NodeLimits.MAX_ROUNDS_AHEAD), c.maxRoundsAhead());
    assertEquals(CHANGED.get(NodeLimits.REBROADCAST_MS), c.rebroadcastMs());
    assertEquals(CHANGED.get(NodeLimits.MAX_HELD_BLOCK_BYTES), c.maxHeldBlockBytes());
  }

  @Test
  void thePeerNetworkAndTheWebPortTakeEachValue() {
    PeerLimits p = PeerLimits.of(CHANGED, 5, 6);
    assertEquals(
        new PeerLimits(
            CHANGED.get(NodeLimits.PEER_QUEUE_BYTES),
            5,
            CHANGED.intValue(NodeLimits.MAX_MESSAGE_BYTES),
            Duration.ofMillis(CHANGED.get(NodeLimits.PEER_HANDSHAKE_MS)),
            Duration.ofMillis(CHANGED.get(NodeLimits.SYNC_PROGRESS_MS)),
            Duration.ofMillis(CHANGED.get(NodeLimits.SYNC_SERVE_STALL_MS)),
            CHANGED.intValue(NodeLimits.SYNC_STREAMS),
            6,
            Duration.ofMillis(CHANGED.get(NodeLimits.PEER_HINT_LIFE_MS)),
            CHANGED.intValue(NodeLimits.MAX_NON_VALIDATOR_PEERS)),
        p);
    assertEquals(PeerLimits.of(NodeLimits.DEFAULTS, 5, 6), PeerLimits.defaults(8 << 20, 5, 6));
    WebPort.Limits w = WebPort.Limits.of(CHANGED);
    assertEquals(
        new WebPort.Limits(
            CHANGED.intValue(NodeLimits.CLIENT_MAX_MESSAGE_BYTES),
            CHANGED.intValue(NodeLimits.WEB_MAX_CONNECTIONS),
            CHANGED.get(NodeLimits.WEB_BODY_BUDGET_BYTES),
            CHANGED.get(NodeLimits.WEB_BODY_TIMEOUT_MS),
            CHANGED.intValue(NodeLimits.WEB_IDLE_TIMEOUT_S)),
        w);
    assertEquals(WebPort.Limits.of(NodeLimits.DEFAULTS), WebPort.Limits.defaults(1 << 20));
  }

  @Test
  void theHeapCheckCountsTheSameValues() {
    MemoryBudget m = MemoryBudget.of(4 * MIB, 64 << 10, CHANGED);
    assertEquals(
        new MemoryBudget(
            4 * MIB,
            64 << 10,
            CHANGED.get(NodeLimits.MAX_MESSAGE_BYTES),
            CHANGED.get(NodeLimits.MEMPOOL_MAX_BYTES),
            CHANGED.intValue(NodeLimits.SYNC_STREAMS),
            CHANGED.get(NodeLimits.MAX_HELD_BLOCK_BYTES),
            CHANGED.get(NodeLimits.MAX_BUFFERED_BYTES)),
        m);
    assertEquals(
        new MemoryBudget(4 * MIB, 64 << 10, 8 * MIB, 32 * MIB, 4),
        MemoryBudget.of(4 * MIB, 64 << 10, NodeLimits.DEFAULTS));
  }
}
