package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.node.config.Genesis;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
  private static final long MIB = 1L << 20;
  private final MemoryBudget defaults = new MemoryBudget(Genesis.DEFAULT_MAX_BLOCK_BYTES, Genesis.DEFAULT_MAX_TX_BYTES, 8 * MIB, 64 * MIB);

  @Test
  void theDefaultLimitsNeedTheSumOfTheirBuffers() {
    assertEquals(32 * MIB, defaults.feedCacheBytes());
    assertEquals(32 * MIB, defaults.syncWindowBytes());
    assertEquals(32 * MIB, defaults.consensusQueueBytes());
    assertEquals(16 * MIB, defaults.pendingTransactionBytes());
    assertEquals(8 * MIB, defaults.blocksInHandBytes());
    assertEquals((48 + 32 + 32 + 32 + 16 + 64 + 8) * MIB, defaults.requiredHeapBytes());
    assertTrue(defaults.lines().contains("heap needed (-Xmx at least): 232 MiB"), defaults.lines().toString());
    assertEquals(32 * MIB, defaults.subscriberSendBytes());
    assertDoesNotThrow(() -> defaults.check(240 * MIB));
  }

  @Test
  void largerGenesisLimitsNeedMoreAndASmallHeapIsRefusedWithTheNumbers() {
    MemoryBudget big = new MemoryBudget(64 * MIB, 1 * MIB, 72 * MIB, 64 * MIB);
    assertEquals(128 * MIB, big.feedCacheBytes());
    assertEquals(288 * MIB, big.consensusQueueBytes());
    MemoryBudget.HeapTooSmallException e = assertThrows(MemoryBudget.HeapTooSmallException.class, () -> big.check(247 * MIB));
    assertTrue(e.getMessage().startsWith("genesis max_block_bytes 67108864"), e.getMessage());
    assertTrue(e.getMessage().contains("needs a heap of at least " + big.requiredHeapBytes() / MIB + " MiB; this JVM has 247 MiB (-Xmx)"),
        e.getMessage());
    assertThrows(MemoryBudget.HeapTooSmallException.class, () -> defaults.check(900 * MIB, 4), "four nodes in one JVM");
  }
}
