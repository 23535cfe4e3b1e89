package io.timecoin.node;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.EquivocationEvidence;
import io.timecoin.storage.ChainStore;
import io.timecoin.storage.StorageException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Equivocation evidence the engine reports: kept in the chain store (it survives a restart, one
 * record per validator, height, round and kind, bounded per validator and in all, so one
 * equivocator cannot evict another's), and logged at most once a minute per validator, with the
 * count of lines held back, so an equivocator cannot flood the log either. Reported on the
 * consensus thread.
 */
final class EvidenceKeeper {
  private static final Logger LOG = Logger.getLogger(EvidenceKeeper.class.getName());
  static final long LOG_EVERY_MS = 60_000;

  /**
   * Validators whose last log line is remembered; beyond it the memory is cleared (a line more, not
   * a leak).
   */
  private static final int REMEMBERED = 4_096;

  private final String name;
  private final ChainStore chain;
  private final LongSupplier clockMs;
  private final Map<ByteString, LogState> logged = new HashMap<>(); // consensus thread only
  private final AtomicLong stored =
      new AtomicLong(); // counted on the consensus thread, read by gauges
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();

  private static final class LogState {
    long lastMs;
    long held; // lines not logged since
  }

  EvidenceKeeper(String name, ChainStore chain, LongSupplier clockMs) {
    this.name = name;
    this.chain = chain;
    this.clockMs = clockMs;
  }

  /**
   * Keeps the evidence and says so (rate-limited); a store that cannot write it is fatal, as for a
   * block.
   */
  void report(EquivocationEvidence e) {
    ChainStore.EvidenceOutcome outcome;
    try {
      outcome = chain.putEvidence(e);
    } catch (StorageException ex) {
      throw new java.io.UncheckedIOException(ex);
    }
    switch (outcome) {
      case STORED -> stored.incrementAndGet();
      case DUPLICATE -> duplicates.incrementAndGet();
      case VALIDATOR_FULL -> dropped.incrementAndGet();
    }
    long now = clockMs.getAsLong();
    LogState state = logged.get(e.getValidator());
    if (state == null) {
      if (logged.size() >= REMEMBERED) {
        logged.clear();
      }
      state = new LogState();
      state.lastMs = now - LOG_EVERY_MS;
      logged.put(e.getValidator(), state);
    }
    if (now - state.lastMs < LOG_EVERY_MS) {
      state.held++;
      return;
    }
    long held = state.held;
    state.held = 0;
    state.lastMs = now;
    LOG.warning(
        name
            + " equivocation by "
            + Logs.shortKey(e.getValidator())
            + " at height "
            + Long.toUnsignedString(e.getHeight())
            + " round "
            + Integer.toUnsignedString(e.getRound())
            + (e.hasVotes() ? " (votes)" : " (proposals)")
            + (held == 0 ? "" : "; " + held + " more reports by it in the last minute not logged")
            + (outcome == ChainStore.EvidenceOutcome.VALIDATOR_FULL
                ? "; its evidence is full, this one is not kept"
                : ""));
  }

  /** A page of the stored evidence (ListEvidence). */
  List<EquivocationEvidence> page(long fromHeight, int skip, int limit) {
    try {
      return chain.evidence(fromHeight, skip, limit);
    } catch (StorageException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  long stored() {
    return stored.get();
  }

  long duplicates() {
    return duplicates.get();
  }

  long dropped() {
    return dropped.get();
  }
}
