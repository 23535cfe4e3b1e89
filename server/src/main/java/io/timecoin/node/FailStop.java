package io.timecoin.node;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Fail-stop: an Error (OutOfMemoryError, StackOverflowError...), an unexpected exception on a node
 * thread, or a failed write of a finalized block ends the process, loudly and at once. A node that
 * carried on would look healthy (its ports answer) while no longer voting, or its engine would run
 * ahead of its store; a restart from the store is always safe, a half-dead validator is not.
 */
public final class FailStop {
  /** The exit status of a node stopped by an internal failure (EX_SOFTWARE). */
  public static final int EXIT_STATUS = 70;

  private static final Logger LOG = Logger.getLogger(FailStop.class.getName());

  private FailStop() {}

  /** What to do on an unrecoverable failure: production halts the process; tests record it. */
  @FunctionalInterface
  public interface Fatal {
    void fatal(String what, Throwable cause);
  }

  /**
   * Logs one SEVERE line (with the stack trace), flushes the log, and halts with {@link
   * #EXIT_STATUS}. halt, not exit: shutdown hooks would wait for the very threads that failed
   * (closing the node joins the consensus thread), and the store and signer record are safe to
   * reopen after a crash.
   */
  public static final Fatal HALT =
      (what, cause) -> {
        try {
          LOG.log(
              Level.SEVERE,
              "fatal: " + what + "; the node stops (exit " + EXIT_STATUS + ")",
              cause);
          flushLogs();
        } catch (Throwable ignored) { // out of memory even to log: stop all the same
          System.err.println("fatal: " + what);
        } finally {
          Runtime.getRuntime().halt(EXIT_STATUS);
        }
      };

  /**
   * Makes every thread without a handler of its own (the node's pools, gRPC's, Netty's) fail-stop.
   */
  public static void installDefault() {
    Thread.setDefaultUncaughtExceptionHandler(
        (thread, e) ->
            HALT.fatal(
                "uncaught " + e.getClass().getSimpleName() + " on thread " + thread.getName(), e));
  }

  /**
   * A periodic or scheduled task whose failure reaches {@code fatal}: a scheduled executor keeps a
   * task's exception in its future, where nobody looks, and silently stops repeating it.
   */
  static Runnable guarded(String what, Runnable task, Fatal fatal) {
    return () -> {
      try {
        task.run();
      } catch (Throwable t) {
        fatal.fatal(what + " failed", t);
      }
    };
  }

  private static void flushLogs() {
    for (java.util.logging.Handler h : Logger.getLogger("").getHandlers()) {
      h.flush();
    }
    System.err.flush();
    System.out.flush();
  }
}
