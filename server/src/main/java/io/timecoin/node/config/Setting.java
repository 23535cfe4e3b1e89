package io.timecoin.node.config;

/**
 * One of a node's limits or tunables: its name in {@code config.json} (under {@code limits}), its
 * unit, its default, the range a value must be in, and what it bounds. {@link NodeLimits} holds
 * them all, and docs/configuration.md lists them (NodeLimitsDocTest keeps the two the same).
 *
 * @param key the field in config.json's {@code limits} object, e.g. {@code max_message_bytes}
 * @param unit what the number counts
 * @param defaultValue the value when config.json does not give one
 * @param min the least value accepted
 * @param max the greatest value accepted
 * @param meaning what it bounds, for people (docs/configuration.md)
 */
public record Setting(
    String key, Unit unit, long defaultValue, long min, long max, String meaning) {
  /** What a setting's number counts. */
  public enum Unit {
    BYTES("bytes"),
    COUNT("count"),
    MILLISECONDS("ms"),
    SECONDS("s");

    private final String symbol;

    Unit(String symbol) {
      this.symbol = symbol;
    }

    /** As written in docs/configuration.md and in error messages. */
    public String symbol() {
      return symbol;
    }
  }

  public Setting {
    if (!key.matches("[a-z][a-z0-9_]*")
        || min > defaultValue
        || defaultValue > max
        || meaning.isBlank()) {
      throw new IllegalArgumentException(
          "setting " + key + ": a bad table entry"); // a programming error
    }
  }

  /** The default as an int; for settings whose range fits one. */
  public int intDefault() {
    return Math.toIntExact(defaultValue);
  }
}
