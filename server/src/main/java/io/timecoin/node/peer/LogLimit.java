package io.timecoin.node.peer;

import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * At most a few lines a second for what peers can cause at will (refused hellos, connections
 * that come and go): enough to see what happens, not a way for a stranger to fill the disk. The
 * lines left out are counted on the next one.
 */
final class LogLimit {
  private static final long SECOND = 1_000_000_000L;
  private final int perSecond;
  private long windowStart = System.nanoTime();
  private int inWindow;
  private int suppressed;

  LogLimit(int perSecond) {
    this.perSecond = perSecond;
  }

  void log(Logger log, Level level, Supplier<String> line) {
    if (!log.isLoggable(level)) {
      return;
    }
    int skipped;
    synchronized (this) {
      long now = System.nanoTime();
      if (now - windowStart >= SECOND) {
        windowStart = now;
        inWindow = 0;
      }
      if (++inWindow > perSecond) {
        suppressed++;
        return;
      }
      skipped = suppressed;
      suppressed = 0;
    }
    log.log(level, () -> line.get() + (skipped > 0 ? " (" + skipped + " lines like it left out)" : ""));
  }
}
