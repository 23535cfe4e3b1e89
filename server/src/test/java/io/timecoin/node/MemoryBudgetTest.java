package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.node.config.Genesis;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
  private static final long MIB = 1L << 20;
  private final MemoryBudget defaults =
      new MemoryBudget(
          Genesis.DEFAULT_MAX_BLOCK_BYTES,
          Genesis.DEFAULT_MAX_TX_BYTES,
          8 * MIB,
          32 * MIB,
          io.timecoin.node.peer.PeerLimits.DEFAULT_SYNC_STREAMS);

  @Test
  void theDefaultLimitsNeedTheSumOfTheirBuffers() {
    assertEquals(16 * MIB, defaults.feedCacheBytes());
    assertEquals(16 * MIB, defaults.syncWindowBytes());
    assertEquals(16 * MIB, defaults.consensusQueueBytes());
    assertEquals(16 * MIB, defaults.pendingTransactionBytes());
    assertEquals(4 * MIB, defaults.blocksInHandBytes());
    assertEquals(16 * MIB, defaults.peerSendBytes());
    assertEquals(16 * MIB, defaults.futureHeightBytes());
    assertEquals(32 * MIB, MemoryBudget.HELD_BLOCK_BYTES);
    assertEquals(4 * 8 * MIB, defaults.syncServeBytes());
    assertEquals(
        (48 + 16 + 16 + 16 + 16 + 32 + 4 + 32 + 16 + 16 + 32) * MIB, defaults.requiredHeapBytes());
    assertTrue(
        defaults.lines().contains("heap needed (-Xmx at least): 244 MiB"),
        defaults.lines().toString());
    assertEquals(32 * MIB, defaults.subscriberSendBytes());
  }

  @Test
  void theDefaultLimitsFitTheHeapBinTimedGivesAndLessIsRefused() {
    assertTrue(
        io.timecoin.cli.StartCommand.JVM_OPTIONS.contains("-Xmx256m"),
        io.timecoin.cli.StartCommand.JVM_OPTIONS.toString());
    // with -Xmx256m and the serial collector, Runtime.maxMemory() is 256 MiB less one survivor
    // space: about 247 MiB
    assertDoesNotThrow(() -> defaults.check(247 * MIB));
    assertThrows(MemoryBudget.HeapTooSmallException.class, () -> defaults.check(243 * MIB));
  }

  @Test
  void largerGenesisLimitsNeedMoreAndASmallHeapIsRefusedWithTheNumbers() {
    MemoryBudget big = new MemoryBudget(64 * MIB, 1 * MIB, 72 * MIB, 64 * MIB, 4);
    assertEquals(128 * MIB, big.feedCacheBytes());
    assertEquals(144 * MIB, big.consensusQueueBytes());
    assertEquals(144 * MIB, big.peerSendBytes());
    MemoryBudget.HeapTooSmallException e =
        assertThrows(MemoryBudget.HeapTooSmallException.class, () -> big.check(247 * MIB));
    assertTrue(e.getMessage().startsWith("genesis max_block_bytes 67108864"), e.getMessage());
    assertTrue(
        e.getMessage()
            .contains(
                "needs a heap of at least "
                    + big.requiredHeapBytes() / MIB
                    + " MiB; this JVM has 247 MiB (-Xmx)"),
        e.getMessage());
    assertThrows(
        MemoryBudget.HeapTooSmallException.class,
        () -> defaults.check(900 * MIB, 4),
        "four nodes in one JVM");
  }
}
