package io.timecoin.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SubsidyTest {
  /**
   * docs/protocol.md 4.4's heights; the values were computed apart from this code (Python's
   * math.log).
   */
  @Test
  void subsidyAtThePublishedHeights() {
    assertEquals(10_000_000_000L, Subsidy.at(1)); // ln 1 = 0: exactly 100 TIME
    assertEquals(16_931_471_805L, Subsidy.at(2));
    assertEquals(56_051_701_859L, Subsidy.at(100));
    assertEquals(148_155_105_579L, Subsidy.at(1_000_000));
    assertEquals(287_258_872_223L, Subsidy.at(1L << 40));
  }

  @Test
  void thereIsNoSubsidyAtGenesis() {
    assertThrows(IllegalArgumentException.class, () -> Subsidy.at(0));
  }

  @Test
  void amountsNeverWrap() {
    assertEquals(-1L, Units.addExact(-2L, 1L)); // 2^64 - 1 is the largest amount
    assertThrows(ArithmeticException.class, () -> Units.addExact(-1L, 1L));
    assertEquals("1.50000000", Units.format(150_000_000L));
    assertEquals("184467440737.09551615", Units.format(-1L));
  }
}
