package io.timecoin.consensus.sim;

import com.google.protobuf.ByteString;
import io.timecoin.ledger.LedgerStore;
import io.timecoin.ledger.MasternodeRecord;
import io.timecoin.ledger.StateChanges;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A {@link LedgerStore} in memory, applying each finalized block's {@link StateChanges} as {@link
 * io.timecoin.storage.ChainStore} writes them: a simulated validator needs the ledger's real rules,
 * not RocksDB (one store per node per run would cost more than the run itself).
 */
final class MemoryLedgerStore implements LedgerStore {
  private final Map<OutPoint, TxOutput> unspent = new HashMap<>();
  private final Set<OutPoint> created = new HashSet<>();
  private final Map<ByteString, MasternodeRecord> masternodes = new HashMap<>();

  /** The validator set from each height at which it changed. */
  private final TreeMap<Long, ValidatorSet> sets = new TreeMap<>();

  private long tip = -1;

  /** Writes block {@code changes.height()}, which must follow the last one (block 0 first). */
  void put(StateChanges changes) {
    if (changes.height() != tip + 1) {
      throw new IllegalStateException("block " + changes.height() + " stored after block " + tip);
    }
    for (StateChanges.Created c : changes.created()) {
      // only what ChainStore reads back: an output's unknown fields are not state
      unspent.put(
          c.outpoint(),
          TxOutput.newBuilder()
              .setAmount(c.output().getAmount())
              .setAddress(c.output().getAddress())
              .build());
      created.add(c.outpoint());
    }
    for (StateChanges.Spent s :
        changes.spent()) { // after the created ones: an output may be both in one block
      unspent.remove(s.outpoint());
    }
    changes.masternodes().forEach(m -> masternodes.put(m.consensusKey(), m));
    if (changes.nextSet() != null) {
      sets.put(changes.height() + 1, changes.nextSet());
    }
    tip = changes.height();
  }

  @Override
  public TxOutput unspent(OutPoint outpoint) {
    return unspent.get(outpoint);
  }

  @Override
  public boolean created(OutPoint outpoint) {
    return created.contains(outpoint);
  }

  @Override
  public List<MasternodeRecord> masternodes() {
    return new ArrayList<>(masternodes.values());
  }

  @Override
  public ValidatorSet validatorSetAt(long height) {
    if (height < 1 || height > tip + 1) {
      return null;
    }
    return sets.floorEntry(height).getValue().atHeight(height);
  }
}
