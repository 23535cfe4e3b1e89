package io.timecoin.node;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;

/**
 * One line per event, time first: what an operator reads (JUL, so no logging library is needed).
 */
public final class Logs {
  private Logs() {}

  private static final String FORMAT = "%1$tT.%1$tL %4$-7s %5$s%6$s%n";

  /** A key as logs name it: its first 4 bytes in hex. */
  static String shortKey(com.google.protobuf.ByteString k) {
    return java.util.HexFormat.of().formatHex(k.toByteArray(), 0, Math.min(4, k.size()));
  }

  /** INFO for timed, WARNING for libraries; FINE for timed with {@code verbose}. */
  public static void configure(boolean verbose) {
    reset(verbose);
    Logger.getLogger("").addHandler(console(Level.ALL));
  }

  /**
   * Several nodes in one process (a devnet): the console shows warnings only (the caller prints its
   * own summary); {@code all} gets every line; each node's file the lines that name it (they begin
   * with "NAME "). Files are appended to, so a resumed devnet keeps its history.
   */
  public static void configureFiles(boolean verbose, Path all, Map<String, Path> perNode)
      throws IOException {
    reset(verbose);
    Logger root = Logger.getLogger("");
    root.addHandler(console(Level.WARNING));
    root.addHandler(file(all, null));
    for (Map.Entry<String, Path> e : perNode.entrySet()) {
      root.addHandler(file(e.getValue(), e.getKey() + " "));
    }
  }

  /**
   * A client command: warnings only (the SDK's "no trust root given" among them), each on one line
   * of standard error, so they do not break up the command's answer.
   */
  public static void configureClient() {
    reset(false);
    Logger.getLogger("io.timecoin").setLevel(Level.WARNING);
    Logger.getLogger("").addHandler(console(Level.WARNING));
  }

  private static void reset(boolean verbose) {
    System.setProperty("java.util.logging.SimpleFormatter.format", FORMAT);
    LogManager.getLogManager().reset();
    Logger.getLogger("").setLevel(Level.WARNING);
    Logger.getLogger("io.timecoin").setLevel(verbose ? Level.FINE : Level.INFO);
  }

  private static Handler console(Level level) {
    ConsoleHandler handler = new ConsoleHandler();
    handler.setFormatter(new SimpleFormatter());
    handler.setLevel(level);
    return handler;
  }

  /**
   * A file handler that writes each line at once (a user tails it), only those that begin with
   * {@code prefix} if given.
   */
  private static Handler file(Path path, String prefix) throws IOException {
    Files.createDirectories(path.toAbsolutePath().getParent());
    OutputStream stream =
        Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    StreamHandler handler =
        new StreamHandler(stream, new SimpleFormatter()) {
          @Override
          public synchronized void publish(LogRecord record) {
            super.publish(record);
            flush();
          }
        };
    handler.setLevel(Level.ALL);
    if (prefix != null) {
      handler.setFilter(
          r -> {
            String m = r.getMessage();
            return m != null && m.startsWith(prefix);
          });
    }
    return handler;
  }
}
