package io.timecoin.node;

import java.util.logging.ConsoleHandler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** One line per event, time first: what an operator reads (JUL, so no logging library is needed). */
public final class Logs {
  private Logs() {}

  /** INFO for timed, WARNING for libraries; FINE for timed with {@code verbose}. */
  public static void configure(boolean verbose) {
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT.%1$tL %4$-7s %5$s%6$s%n");
    LogManager.getLogManager().reset();
    ConsoleHandler handler = new ConsoleHandler();
    handler.setFormatter(new SimpleFormatter());
    handler.setLevel(Level.ALL);
    Logger root = Logger.getLogger("");
    root.addHandler(handler);
    root.setLevel(Level.WARNING);
    Logger.getLogger("io.timecoin").setLevel(verbose ? Level.FINE : Level.INFO);
  }
}
