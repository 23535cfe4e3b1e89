package io.timecoin.protocol;

/** Amounts are unsigned 64-bit counts of base units. */
public final class Units {
  /** 1 TIME = 100,000,000 units. */
  public static final long UNITS_PER_TIME = 100_000_000L;

  private Units() {}

  /** {@code a + b}, refused when it overflows an unsigned 64-bit amount. */
  public static long addExact(long a, long b) {
    long sum = a + b;
    if (Long.compareUnsigned(sum, a) < 0) {
      throw new ArithmeticException("amount overflows 64 bits");
    }
    return sum;
  }

  /** An amount as TIME with 8 decimals, for people: 150000000 is "1.50000000". */
  public static String format(long units) {
    String whole = Long.toUnsignedString(Long.divideUnsigned(units, UNITS_PER_TIME));
    long fraction = Long.remainderUnsigned(units, UNITS_PER_TIME);
    return whole + "." + String.format("%08d", fraction);
  }
}
