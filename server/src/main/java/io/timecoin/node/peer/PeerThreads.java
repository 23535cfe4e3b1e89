package io.timecoin.node.peer;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The network's own threads (daemons, so they never keep the process alive), stopped together when
 * it closes.
 */
final class PeerThreads {
  /** Redials and deadlines. */
  final ScheduledExecutorService timers =
      Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "peer-timers"));

  /**
   * The sync stream's callbacks wait while the node applies what it has (flow control): never on a
   * network thread.
   */
  final ExecutorService syncCallbacks =
      new ThreadPoolExecutor(
          1,
          1,
          0,
          TimeUnit.MILLISECONDS,
          new LinkedBlockingQueue<>(),
          r -> daemon(r, "peer-sync"),
          new ThreadPoolExecutor
              .DiscardPolicy()); // after close: a sync stream's last callbacks are moot

  /** Set first when the network closes: nothing new is scheduled after. */
  private volatile boolean stopped;

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  boolean stopped() {
    return stopped;
  }

  void shutdown() {
    stopped = true;
    timers.shutdownNow();
    syncCallbacks.shutdownNow();
  }
}
