package io.timecoin.ledger;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Validator;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The working masternode registry after some block (docs/protocol.md 4.1): the active masternodes
 * by consensus key, and those that stopped being active (deregistered, collateral spent) until the
 * block that pays their last certificate is executed: a masternode of the set of height h that
 * leaves in block h signed the certificate of h, which block h + 1's REWARD pays to its reward
 * address. The rest of their story is the store's history (ListMasternodes at past heights).
 *
 * <p>Two forms, so that no block copies the registry:
 *
 * <ul>
 *   <li>the <em>working registry</em> ({@link #of}): the records of the last stored block, changed
 *       in place by {@link #apply} when the ledger stores a block. The consensus thread changes it;
 *       its maps are concurrent, so other threads (the client API) may read it meanwhile.
 *   <li>an <em>overlay</em> ({@link Editor#build()}): one executed block's changes over its
 *       parent's registry, frozen. A block executed but not stored yet (judged, proposed, or final
 *       and waiting for its write) sees its parent through it; it lives as long as that execution.
 * </ul>
 */
public final class Registry implements RegistryView {
  private static final Comparator<ByteString> KEY_ORDER =
      ByteString.unsignedLexicographicalComparator();

  private final Registry parent; // null for the working registry

  /** The working registry's records; an overlay's changed records. */
  private final NavigableMap<ByteString, MasternodeRecord> records;

  /** An overlay's keys that left the registry in its block; empty for the working registry. */
  private final Set<ByteString> departed;

  /** Collateral of the active records of {@link #records}. */
  private final Map<OutPoint, ByteString> activeByCollateral;

  private final AtomicInteger activeCount; // read by gauges on other threads

  private Registry(
      Registry parent,
      NavigableMap<ByteString, MasternodeRecord> records,
      Set<ByteString> departed,
      Map<OutPoint, ByteString> activeByCollateral,
      int activeCount) {
    this.parent = parent;
    this.records = records;
    this.departed = departed;
    this.activeByCollateral = activeByCollateral;
    this.activeCount = new AtomicInteger(activeCount);
  }

  /** A working registry holding these records. */
  public static Registry of(Collection<MasternodeRecord> records) {
    Registry r =
        new Registry(
            null, new ConcurrentSkipListMap<>(KEY_ORDER), Set.of(), new ConcurrentHashMap<>(), 0);
    records.forEach(r::putInPlace);
    return r;
  }

  @Override
  public MasternodeRecord get(ByteString consensusKey) {
    MasternodeRecord m = records.get(consensusKey);
    if (m != null || parent == null || departed.contains(consensusKey)) {
      return m;
    }
    return parent.get(consensusKey);
  }

  @Override
  public MasternodeRecord activeByCollateral(OutPoint outpoint) {
    ByteString key = activeByCollateral.get(outpoint);
    if (key != null) {
      return records.get(key);
    }
    if (parent == null) {
      return null;
    }
    MasternodeRecord before = parent.activeByCollateral(outpoint);
    // changed here, and not active on this output any more (else the index above had it)
    return before == null
            || records.containsKey(before.consensusKey())
            || departed.contains(before.consensusKey())
        ? null
        : before;
  }

  /**
   * The masternodes of the working registry, ordered by consensus key: the active ones and those
   * leaving.
   */
  public Collection<MasternodeRecord> all() {
    if (parent == null) {
      return Collections.unmodifiableCollection(records.values());
    }
    List<MasternodeRecord> out = new ArrayList<>();
    for (MasternodeRecord m : parent.all()) {
      if (!records.containsKey(m.consensusKey()) && !departed.contains(m.consensusKey())) {
        out.add(m);
      }
    }
    out.addAll(records.values());
    out.sort(Comparator.comparing(MasternodeRecord::consensusKey, KEY_ORDER));
    return Collections.unmodifiableList(out);
  }

  /** How many records the registry holds (active or leaving). */
  public int size() {
    return all().size();
  }

  @Override
  public int activeCount() {
    return activeCount.get();
  }

  /**
   * The validator set this registry gives {@code height}: the active masternodes, the {@code
   * maxValidators} heaviest, equal weights by key; null when none is active.
   */
  public ValidatorSet validatorSet(long height, int maxValidators) {
    return validatorSet(height, maxValidators, null);
  }

  /**
   * The same, reusing {@code previous} (at the new height) when it has the very same members: a new
   * set decodes and checks every key, which is worth avoiding on every block.
   */
  public ValidatorSet validatorSet(long height, int maxValidators, ValidatorSet previous) {
    List<Validator> chosen =
        select(
            all().stream()
                .filter(MasternodeRecord::active)
                .map(
                    m ->
                        Validator.newBuilder()
                            .setKey(m.consensusKey())
                            .setWeight(m.weight())
                            .build())
                .toList(),
            maxValidators);
    if (chosen.isEmpty()) {
      return null;
    }
    if (previous != null
        && previous.size() == chosen.size()
        && chosen.stream()
            .allMatch(
                v -> {
                  ValidatorSet.Member m = previous.member(v.getKey());
                  return m != null && m.weight() == v.getWeight();
                })) {
      return previous.atHeight(height);
    }
    return ValidatorSet.of(
        height, chosen, TransactionRules.KEYS::get); // each key decoded when it registered
  }

  /**
   * The {@code max} heaviest of these candidates; among equal weights the lower key (unsigned
   * bytes) is kept.
   */
  public static List<Validator> select(List<Validator> candidates, int max) {
    return candidates.stream()
        .filter(v -> v.getWeight() > 0)
        .sorted(
            Comparator.comparingLong(Validator::getWeight)
                .reversed()
                .thenComparing(Validator::getKey, KEY_ORDER))
        .limit(max)
        .toList();
  }

  /**
   * A block's changes in the making, over this registry; the records it changed are what the block
   * writes.
   */
  public Editor edit() {
    return new Editor();
  }

  /**
   * Applies {@code overlay}'s own changes (one block's) to this working registry, in place: the
   * ledger does it when it stores that block, whose parent's changes it applied before. Applying
   * the same changes twice changes nothing.
   */
  public void apply(Registry overlay) {
    if (parent != null) {
      throw new IllegalStateException("only the working registry changes in place");
    }
    if (overlay == this) {
      return;
    }
    Registry root = overlay;
    while (root.parent != null) {
      root = root.parent;
    }
    if (root != this) {
      throw new IllegalArgumentException("the overlay is not over this working registry");
    }
    overlay.departed.forEach(this::removeInPlace);
    overlay.records.values().forEach(this::putInPlace);
  }

  private void putInPlace(MasternodeRecord m) {
    MasternodeRecord old = records.put(m.consensusKey(), m);
    unindex(old);
    if (m.active()) {
      activeByCollateral.put(m.collateral(), m.consensusKey());
      activeCount.incrementAndGet();
    }
  }

  private void removeInPlace(ByteString key) {
    unindex(records.remove(key));
  }

  private void unindex(MasternodeRecord old) {
    if (old != null && old.active()) {
      activeByCollateral.remove(old.collateral(), old.consensusKey());
      activeCount.decrementAndGet();
    }
  }

  /** Changes over the registry; {@link #build()} freezes them into an overlay. */
  public final class Editor implements RegistryView {
    /** Changed records by key, in the order first changed; null for a key that left. */
    private final Map<ByteString, MasternodeRecord> changed = new LinkedHashMap<>();

    @Override
    public MasternodeRecord get(ByteString key) {
      return changed.containsKey(key) ? changed.get(key) : Registry.this.get(key);
    }

    @Override
    public MasternodeRecord activeByCollateral(OutPoint outpoint) {
      for (MasternodeRecord m : changed.values()) {
        if (m != null && m.active() && m.collateral().equals(outpoint)) {
          return m;
        }
      }
      MasternodeRecord before = Registry.this.activeByCollateral(outpoint);
      if (before == null) {
        return null;
      }
      // its key may have left and come back in this block, backed by another output
      MasternodeRecord now = get(before.consensusKey());
      return now != null && now.active() && now.collateral().equals(outpoint) ? now : null;
    }

    @Override
    public int activeCount() {
      int n = activeCount.get();
      for (Map.Entry<ByteString, MasternodeRecord> e : changed.entrySet()) {
        MasternodeRecord before = Registry.this.get(e.getKey());
        n +=
            (e.getValue() != null && e.getValue().active() ? 1 : 0)
                - (before != null && before.active() ? 1 : 0);
      }
      return n;
    }

    public void put(MasternodeRecord record) {
      changed.put(record.consensusKey(), record);
    }

    /** The masternode leaves the working registry (its history stays in the store). */
    public void remove(ByteString key) {
      if (Registry.this.get(key) == null) {
        changed.remove(key); // never there before this block: nothing to undo
      } else {
        changed.put(key, null);
      }
    }

    /** The records changed (and still in the registry), in the order first changed. */
    public List<MasternodeRecord> changes() {
      return changed.values().stream().filter(java.util.Objects::nonNull).toList();
    }

    /** The keys that left the registry. */
    public List<ByteString> departed() {
      List<ByteString> out = new ArrayList<>();
      changed.forEach(
          (k, m) -> {
            if (m == null) {
              out.add(k);
            }
          });
      return out;
    }

    /**
     * The registry after these changes: an overlay over this registry (no copy), or this registry
     * when nothing changed.
     */
    public Registry build() {
      if (changed.isEmpty()) {
        return Registry.this;
      }
      NavigableMap<ByteString, MasternodeRecord> records = new TreeMap<>(KEY_ORDER);
      Set<ByteString> departed = new HashSet<>();
      Map<OutPoint, ByteString> index = new HashMap<>();
      changed.forEach(
          (k, m) -> {
            if (m == null) {
              departed.add(k);
            } else {
              records.put(k, m);
              if (m.active()) {
                index.put(m.collateral(), k);
              }
            }
          });
      return new Registry(Registry.this, records, departed, index, activeCount());
    }
  }
}
