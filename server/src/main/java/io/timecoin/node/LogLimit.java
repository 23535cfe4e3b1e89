package io.timecoin.node;

import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * At most a few lines per window for what peers and clients can cause at will (refused hellos,
 * connections that come and go, refused messages): enough to see what happens, not a way for a
 * stranger to fill the disk. The lines left out are counted on the next one.
 */
public final class LogLimit {
  private final int lines;
  private final long windowNanos;
  private long windowStart = System.nanoTime();
  private int inWindow;
  private int suppressed;

  /** At most {@code lines} lines every {@code windowMs}. */
  public LogLimit(int lines, long windowMs) {
    this.lines = lines;
    this.windowNanos = windowMs * 1_000_000L;
  }

  public void log(Logger log, Level level, Supplier<String> line) {
    if (!log.isLoggable(level)) {
      return;
    }
    int skipped;
    synchronized (this) {
      long now = System.nanoTime();
      if (now - windowStart >= windowNanos) {
        windowStart = now;
        inWindow = 0;
      }
      if (++inWindow > lines) {
        suppressed++;
        return;
      }
      skipped = suppressed;
      suppressed = 0;
    }
    log.log(
        level, () -> line.get() + (skipped > 0 ? " (" + skipped + " lines like it left out)" : ""));
  }
}
