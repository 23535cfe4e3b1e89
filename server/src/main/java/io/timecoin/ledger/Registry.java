package io.timecoin.ledger;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Validator;
import io.timecoin.protocol.ValidatorSet;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The masternode registry after some block (PROTOCOL.md 4.1): every masternode ever registered,
 * active or not, by consensus key (a deregistered one is kept: the rewards of the block after its
 * last signature still go to its reward address). Immutable; {@link #edit()} makes a changed copy.
 */
public final class Registry implements RegistryView {
  private static final Comparator<ByteString> KEY_ORDER = ByteString.unsignedLexicographicalComparator();

  private final Map<ByteString, MasternodeRecord> byKey;
  private final Map<OutPoint, ByteString> activeByCollateral;
  private final int activeCount;

  private Registry(Map<ByteString, MasternodeRecord> byKey) {
    this.byKey = byKey;
    this.activeByCollateral = new HashMap<>();
    int active = 0;
    for (MasternodeRecord m : byKey.values()) {
      if (m.active()) {
        activeByCollateral.put(m.collateral(), m.consensusKey());
        active++;
      }
    }
    this.activeCount = active;
  }

  public static Registry of(Collection<MasternodeRecord> records) {
    Map<ByteString, MasternodeRecord> map = new TreeMap<>(KEY_ORDER);
    records.forEach(r -> map.put(r.consensusKey(), r));
    return new Registry(map);
  }

  @Override
  public MasternodeRecord get(ByteString consensusKey) {
    return byKey.get(consensusKey);
  }

  @Override
  public MasternodeRecord activeByCollateral(OutPoint outpoint) {
    ByteString key = activeByCollateral.get(outpoint);
    return key == null ? null : byKey.get(key);
  }

  /** Every masternode ever registered, ordered by consensus key. */
  public Collection<MasternodeRecord> all() {
    return Collections.unmodifiableCollection(byKey.values());
  }

  @Override
  public int activeCount() {
    return activeCount;
  }

  /**
   * The validator set this registry gives {@code height}: the active masternodes, the
   * {@code maxValidators} heaviest, equal weights by key; null when none is active.
   */
  public ValidatorSet validatorSet(long height, int maxValidators) {
    return validatorSet(height, maxValidators, null);
  }

  /**
   * The same, reusing {@code previous} (at the new height) when it has the very same members: a new
   * set decodes and checks every key, which is worth avoiding on every block.
   */
  public ValidatorSet validatorSet(long height, int maxValidators, ValidatorSet previous) {
    List<Validator> chosen = select(byKey.values().stream().filter(MasternodeRecord::active)
        .map(m -> Validator.newBuilder().setKey(m.consensusKey()).setWeight(m.weight()).build()).toList(), maxValidators);
    if (chosen.isEmpty()) {
      return null;
    }
    if (previous != null && previous.size() == chosen.size() && chosen.stream().allMatch(v -> {
      ValidatorSet.Member m = previous.member(v.getKey());
      return m != null && m.weight() == v.getWeight();
    })) {
      return previous.atHeight(height);
    }
    return ValidatorSet.of(height, chosen);
  }

  /** The {@code max} heaviest of these candidates; among equal weights the lower key (unsigned bytes) is kept. */
  public static List<Validator> select(List<Validator> candidates, int max) {
    return candidates.stream().filter(v -> v.getWeight() > 0)
        .sorted(Comparator.comparingLong(Validator::getWeight).reversed().thenComparing(Validator::getKey, KEY_ORDER))
        .limit(max)
        .toList();
  }

  /** A changed copy in the making; the records it changed are what a block writes. */
  public Editor edit() {
    return new Editor();
  }

  /** Changes to a copy of the registry; {@link #build()} freezes it. */
  public final class Editor implements RegistryView {
    private final Map<ByteString, MasternodeRecord> changed = new LinkedHashMap<>();

    @Override
    public MasternodeRecord get(ByteString key) {
      MasternodeRecord m = changed.get(key);
      return m != null ? m : byKey.get(key);
    }

    @Override
    public MasternodeRecord activeByCollateral(OutPoint outpoint) {
      for (MasternodeRecord m : changed.values()) {
        if (m.active() && m.collateral().equals(outpoint)) {
          return m;
        }
      }
      MasternodeRecord before = Registry.this.activeByCollateral(outpoint);
      if (before == null) {
        return null;
      }
      // its key may have left and come back in this block, backed by another output
      MasternodeRecord now = get(before.consensusKey());
      return now.active() && now.collateral().equals(outpoint) ? now : null;
    }

    @Override
    public int activeCount() {
      int n = activeCount;
      for (MasternodeRecord m : changed.values()) {
        MasternodeRecord before = byKey.get(m.consensusKey());
        n += (m.active() ? 1 : 0) - (before != null && before.active() ? 1 : 0);
      }
      return n;
    }

    public void put(MasternodeRecord record) {
      changed.put(record.consensusKey(), record);
    }

    /** The records changed, in the order first changed. */
    public List<MasternodeRecord> changes() {
      return List.copyOf(changed.values());
    }

    public Registry build() {
      if (changed.isEmpty()) {
        return Registry.this;
      }
      Map<ByteString, MasternodeRecord> map = new TreeMap<>(KEY_ORDER);
      map.putAll(byKey);
      map.putAll(changed);
      return new Registry(map);
    }
  }
}
