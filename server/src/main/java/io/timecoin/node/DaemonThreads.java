package io.timecoin.node;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** The node's pool threads: daemons, so none of the node's pools may keep the JVM alive. */
final class DaemonThreads {
  private DaemonThreads() {}

  /** Daemon threads named name-1, name-2, ... */
  static ThreadFactory named(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
