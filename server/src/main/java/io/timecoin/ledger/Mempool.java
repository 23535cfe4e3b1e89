package io.timecoin.ledger;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxInput;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Valid transactions waiting for a block (docs/protocol.md 4.3): bounded by count and by bytes,
 * ordered by fee per byte, never two that spend the same output. When full, a transaction that pays
 * more per byte than the cheapest ones displaces them; otherwise it is refused (MEMPOOL_FULL). Not
 * thread-safe: the node's consensus thread owns it.
 */
public final class Mempool {
  /** A transaction with what admission learned of it. */
  public record Entry(ByteString txid, Transaction tx, long fee, int bytes, long sequence) {
    /** Fee per byte, compared exactly: fee_a * bytes_b vs fee_b * bytes_a. */
    int compareRate(Entry o) {
      return Math.multiplyHigh(fee, o.bytes) != Math.multiplyHigh(o.fee, bytes)
          ? Long.compareUnsigned(Math.multiplyHigh(fee, o.bytes), Math.multiplyHigh(o.fee, bytes))
          : Long.compareUnsigned(fee * o.bytes, o.fee * bytes);
    }
  }

  /** Best first: higher fee per byte, then earlier arrival. */
  private static final Comparator<Entry> PRIORITY =
      ((Comparator<Entry>) (a, b) -> b.compareRate(a)).thenComparingLong(Entry::sequence);

  private final int maxCount;
  private final long maxBytes;
  private final Map<ByteString, Entry> byId = new HashMap<>();
  private final Map<OutPoint, ByteString> spenders = new HashMap<>();
  private final TreeSet<Entry> ordered = new TreeSet<>(PRIORITY);
  private long bytes;
  private long sequence;

  public Mempool(int maxCount, long maxBytes) {
    this.maxCount = maxCount;
    this.maxBytes = maxBytes;
  }

  /**
   * Admits a transaction that TransactionRules found valid (its txid and fee come from that
   * verdict).
   *
   * @return null when admitted; otherwise why not (MEMPOOL_CONFLICT, MEMPOOL_FULL), or UNSPECIFIED
   *     for a transaction already held (not an error: drop it, do not relay it again)
   */
  public ErrorReason add(Transaction tx, ByteString txid, long fee) {
    if (byId.containsKey(txid)) {
      return ErrorReason.ERROR_REASON_UNSPECIFIED;
    }
    for (TxInput in : tx.getInputsList()) {
      if (spenders.containsKey(in.getOutpoint())) {
        return ErrorReason.ERROR_REASON_MEMPOOL_CONFLICT;
      }
    }
    Entry entry = new Entry(txid, tx, fee, tx.getSerializedSize(), sequence++);
    if (entry.bytes() > maxBytes) {
      return ErrorReason.ERROR_REASON_MEMPOOL_FULL;
    }
    // make room from the cheapest end, but only for a transaction that pays more per byte than they
    // do
    List<Entry> displaced = new ArrayList<>();
    long freed = 0;
    int count = byId.size();
    var cheapest = ordered.descendingIterator();
    while (count - displaced.size() >= maxCount || bytes - freed + entry.bytes() > maxBytes) {
      if (!cheapest.hasNext()) {
        return ErrorReason.ERROR_REASON_MEMPOOL_FULL;
      }
      Entry victim = cheapest.next();
      if (victim.compareRate(entry) >= 0) {
        return ErrorReason.ERROR_REASON_MEMPOOL_FULL;
      }
      displaced.add(victim);
      freed += victim.bytes();
    }
    displaced.forEach(this::remove);
    byId.put(txid, entry);
    ordered.add(entry);
    bytes += entry.bytes();
    for (TxInput in : tx.getInputsList()) {
      spenders.put(in.getOutpoint(), txid);
    }
    return null;
  }

  /** Every held transaction, best first (read-only; do not change the pool while iterating). */
  public Iterable<Entry> byPriority() {
    return java.util.Collections.unmodifiableSet(ordered);
  }

  /**
   * A block was finalized: drop what it included, and whatever spends an output it spent (those can
   * never be valid now); then drop what {@code stillValid} refuses against the new state.
   */
  public void blockFinalized(
      Collection<Transaction> included,
      Collection<ByteString> includedIds,
      Predicate<Entry> stillValid) {
    includedIds.forEach(
        id -> {
          Entry e = byId.get(id);
          if (e != null) {
            remove(e);
          }
        });
    for (Transaction tx : included) {
      for (TxInput in : tx.getInputsList()) {
        ByteString conflicting = spenders.get(in.getOutpoint());
        if (conflicting != null) {
          remove(byId.get(conflicting));
        }
      }
    }
    for (Entry e : new ArrayList<>(ordered)) {
      if (!stillValid.test(e)) {
        remove(e);
      }
    }
  }

  /**
   * Whether this very transaction, witnesses and all, was admitted (its signatures checked then): a
   * block carrying it need not check them again. The txid alone would not do: it leaves out the
   * witnesses.
   */
  public boolean holdsExactly(ByteString txid, Transaction tx) {
    Entry e = byId.get(txid);
    return e != null && e.tx().equals(tx);
  }

  /** The held transaction with this id. */
  public java.util.Optional<Transaction> get(ByteString txid) {
    Entry e = byId.get(txid);
    return e == null ? java.util.Optional.empty() : java.util.Optional.of(e.tx());
  }

  public boolean contains(ByteString txid) {
    return byId.containsKey(txid);
  }

  public int size() {
    return byId.size();
  }

  public long bytes() {
    return bytes;
  }

  private void remove(Entry e) {
    if (byId.remove(e.txid()) == null) {
      return;
    }
    ordered.remove(e);
    bytes -= e.bytes();
    for (TxInput in : e.tx().getInputsList()) {
      spenders.remove(in.getOutpoint(), e.txid());
    }
  }
}
