package io.timecoin.protocol;

/**
 * The block subsidy: subsidy(h) = floor(100 TIME x (1 + ln h)) for h >= 1 (docs/protocol.md 4.4).
 *
 * <p>Computed in IEEE doubles as {@code floor(1e10 * (1.0 + StrictMath.log(h)))}: StrictMath is
 * fdlibm bit for bit on every JVM, and an SDK in another language reproduces the same value with a
 * correctly rounded log (the test vectors pin it).
 */
public final class Subsidy {
  /** 100 TIME in base units. */
  private static final double BASE = 100.0 * Units.UNITS_PER_TIME;

  private Subsidy() {}

  /** subsidy(h) in base units. */
  public static long at(long height) {
    if (height < 1) {
      throw new IllegalArgumentException("the subsidy starts at height 1, got " + height);
    }
    return (long) Math.floor(BASE * (1.0 + StrictMath.log((double) height)));
  }
}
