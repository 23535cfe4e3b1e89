package io.timecoin.node;

import io.timecoin.consensus.statemachine.ConsensusEngine;
import io.timecoin.consensus.statemachine.Effect;
import io.timecoin.consensus.statemachine.Event;
import io.timecoin.consensus.statemachine.Outcome;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The one thread that runs consensus (docs/protocol.md 6, the rule 5): everything reaches
 * the engine through a bounded queue (messages, timer expiries, synced blocks), so gRPC and Netty
 * threads never run consensus logic and the engine needs no locks. Timers only post events.
 */
public final class ConsensusLoop implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ConsensusLoop.class.getName());

  /** What the loop does with each event's outcome, on the consensus thread. */
  public interface Host {
    void handled(Input input, Outcome outcome);
  }

  /**
   * An event and where it came from (the peer connection, or null for the node itself); or, with no
   * event, a task that must run on the consensus thread (the ledger and its mempool are that
   * thread's). {@code bytes}: what the event holds of the queue's byte budget.
   */
  public record Input(Event event, Object source, Runnable task, long bytes) {
    Input(Event event, Object source) {
      this(event, source, null, 0);
    }
  }

  private final ConsensusEngine engine;
  private final Host host;
  private final BlockingQueue<Input> queue; // consensus events: messages, timers, synced blocks
  private final ByteBudget queuedBytes; // serialized sizes of the events in queue
  private final FailStop.Fatal fatal;
  private final BlockingQueue<Input>
      tasks; // transaction admissions and queries: served when no event waits
  private final Semaphore waiting = new Semaphore(0); // items in both
  private final ScheduledThreadPoolExecutor timers = timerPool();

  /** Timers of the current height (consensus thread only): cancelled when the engine moves on. */
  private final ArrayDeque<ScheduledFuture<?>> pending = new ArrayDeque<>();

  private long pendingHeight = -1;

  /**
   * Timers of the current height not handed to the timer thread yet (consensus thread only): they
   * are armed when the queue runs dry or shortly before they are due, so catching up, which moves
   * on a height every fraction of a millisecond, arms and cancels none.
   */
  private final ArrayList<Deferred> deferred = new ArrayList<>();

  private long earliestDue = Long.MAX_VALUE;
  private static final long ARM_AHEAD_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private record Deferred(Effect.ScheduleTimeout timeout, long dueNanos) {}

  private final Thread thread;
  private static final int EVENTS_PER_TASK = 16;
  private int eventsInARow; // consensus thread only
  private volatile boolean running = true;

  /**
   * {@code capacity}: the most events (and, apart, tasks) waiting; {@code maxQueuedBytes}: the most
   * bytes of messages and blocks waiting (a count alone would let 50,000 proposals of 8 MiB queue).
   * {@code fatal}: told when the thread fails (an Error, a bug, a block the store could not write);
   * the loop then takes no further event, as the engine may have moved on without the store.
   */
  public ConsensusLoop(
      ConsensusEngine engine, Host host, int capacity, long maxQueuedBytes, FailStop.Fatal fatal) {
    this.engine = engine;
    this.host = host;
    this.queuedBytes = new ByteBudget(maxQueuedBytes);
    this.fatal = fatal;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.tasks = new ArrayBlockingQueue<>(capacity);
    this.thread = new Thread(this::run, "consensus");
  }

  public void start() {
    queue.add(new Input(new Event.Start(), null));
    waiting.release();
    thread.start();
  }

  /**
   * Queues an event from the network; false when the queue is full, in events or in bytes (the
   * caller counts it).
   */
  public boolean submit(Event event, Object source) {
    if (!running) {
      return false;
    }
    long bytes = sizeOf(event);
    if (!queuedBytes.tryTake(bytes)) {
      return false;
    }
    if (queue.offer(new Input(event, source, null, bytes))) {
      waiting.release();
      return true;
    }
    queuedBytes.give(bytes);
    return false;
  }

  /**
   * The serialized size of what a peer's message carries (protobuf caches it: parsing computed it
   * already). Synced blocks count 0 here: the sync window bounds their bytes already, and they must
   * not be refused for room that peers' proposals have taken.
   */
  static long sizeOf(Event event) {
    if (event instanceof Event.ProposalReceived p) {
      return p.proposal().getSerializedSize();
    } else if (event instanceof Event.VoteReceived v) {
      return v.vote().getSerializedSize();
    }
    return 0; // synced blocks (see above), timers, the start
  }

  /** Bytes of events waiting. */
  public long queuedBytes() {
    return queuedBytes.used();
  }

  /**
   * Queues a task for the consensus thread; false when its queue is full (the caller counts it).
   * Tasks run when no consensus event waits, or after 16 events in a row: a flood of transactions
   * cannot delay a vote by more than one task, and a stream of events cannot starve admissions.
   */
  public boolean execute(Runnable task) {
    if (running && tasks.offer(new Input(null, null, task, 0))) {
      waiting.release();
      return true;
    }
    return false;
  }

  public int depth() {
    return queue.size() + tasks.size();
  }

  private void run() {
    while (running) {
      Input input;
      try {
        if (!waiting.tryAcquire()) {
          armTimers(true);
          waiting.acquire();
        }
      } catch (InterruptedException e) {
        return;
      }
      // Events first, so a flood of transactions cannot delay a vote; but a task at least every
      // EVENTS_PER_TASK events, so a node busy with events still admits transactions and answers
      // its clients (it did not, for seconds, on the saturated bench).
      input = eventsInARow >= EVENTS_PER_TASK ? tasks.poll() : null;
      if (input == null) {
        input = queue.poll();
        if (input != null) {
          queuedBytes.give(input.bytes());
        }
      }
      if (input == null) {
        input = tasks.poll();
      }
      if (input == null) {
        continue; // cannot happen: each item released one permit
      }
      eventsInARow = input.task() == null ? eventsInARow + 1 : 0;
      if (input.task() != null) {
        try {
          input.task().run();
        } catch (Throwable e) {
          failed("a task on the consensus thread failed", e);
          return;
        }
        armTimers(false); // a stream of tasks must not keep a timer from being armed
        continue;
      }
      try {
        Outcome outcome = engine.handle(input.event());
        for (Effect e : outcome.effects()) {
          if (e instanceof Effect.ScheduleTimeout t) {
            if (t.timeout().height()
                > pendingHeight) { // the engine moved on: the old height's timers are moot
              pending.forEach(f -> f.cancel(false));
              pending.clear();
              deferred.clear();
              earliestDue = Long.MAX_VALUE;
              pendingHeight = t.timeout().height();
            }
            long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(t.delayMs());
            deferred.add(new Deferred(t, due));
            earliestDue = Math.min(earliestDue, due);
          }
        }
        host.handled(input, outcome);
        armTimers(false);
      } catch (Throwable e) {
        // A bug, an Error or a block the store could not write: carrying on would leave a validator
        // that answers but does not vote, or an engine ahead of its store. Stop.
        failed("consensus failed on " + input.event().getClass().getSimpleName(), e);
        return;
      }
    }
  }

  private void failed(String what, Throwable e) {
    running = false;
    timers.shutdownNow();
    fatal.fatal(what, e);
  }

  /** False once the loop has stopped, closed or failed. */
  public boolean running() {
    return running;
  }

  /**
   * Hands the deferred timers to the timer thread: when {@code idle}, or when one is nearly due.
   */
  private void armTimers(boolean idle) {
    if (deferred.isEmpty()
        || !running
        || (!idle && System.nanoTime() < earliestDue - ARM_AHEAD_NANOS)) {
      return;
    }
    try {
      for (Deferred d : deferred) {
        long delay = Math.max(0, d.dueNanos() - System.nanoTime());
        pending.add(
            timers.schedule(
                FailStop.guarded(
                    "a consensus timer",
                    () -> postTimer(new Event.TimeoutFired(d.timeout().timeout())),
                    fatal),
                delay,
                TimeUnit.NANOSECONDS));
      }
    } catch (RejectedExecutionException stopping) {
      // close() shut the timers down meanwhile: nothing left to time
    }
    deferred.clear();
    earliestDue = Long.MAX_VALUE;
  }

  /**
   * One timer thread; a cancelled timer leaves its queue at once (catching up cancels one per
   * block).
   */
  private static ScheduledThreadPoolExecutor timerPool() {
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(1, DaemonThreads.named("consensus-timers"));
    pool.setRemoveOnCancelPolicy(true);
    return pool;
  }

  /** A timer must not be lost to a full queue: liveness rests on it. Wait for room. */
  private void postTimer(Event event) {
    try {
      while (running && !queue.offer(new Input(event, null), 1, TimeUnit.SECONDS)) {
        LOG.warning("consensus queue full; a timer waits");
      }
      waiting.release();
    } catch (InterruptedException ignored) {
      Thread.currentThread().interrupt();
    }
  }

  /** The engine, for reading its state from the consensus thread only (or stale, for status). */
  ConsensusEngine engine() {
    return engine;
  }

  @Override
  public void close() {
    running = false;
    timers.shutdownNow();
    // a wake-up task rather than an interrupt first: an interrupt inside the signer record's write
    // would close its file channel under it
    if (tasks.offer(new Input(null, null, () -> {}, 0))) {
      waiting.release();
    } else {
      thread.interrupt();
    }
    try {
      thread.join(5_000);
      if (thread.isAlive()) {
        thread.interrupt();
        thread.join(1_000);
      }
    } catch (InterruptedException ignored) {
      Thread.currentThread().interrupt();
    }
  }
}
