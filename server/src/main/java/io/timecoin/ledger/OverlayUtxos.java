package io.timecoin.ledger;

import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.TxOutput;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Outputs created and spent on top of another view: a block being executed, over the state before
 * it.
 */
final class OverlayUtxos implements UtxoView {
  private final UtxoView base;
  private final Map<OutPoint, TxOutput> created = new HashMap<>();
  private final Set<OutPoint> spent = new HashSet<>();

  OverlayUtxos(UtxoView base) {
    this.base = base;
  }

  @Override
  public TxOutput unspent(OutPoint outpoint) {
    if (spent.contains(outpoint)) {
      return null;
    }
    TxOutput mine = created.get(outpoint);
    return mine != null ? mine : base.unspent(outpoint);
  }

  @Override
  public boolean created(OutPoint outpoint) {
    return created.containsKey(outpoint) || spent.contains(outpoint) || base.created(outpoint);
  }

  void create(OutPoint outpoint, TxOutput output) {
    created.put(outpoint, output);
  }

  void spend(OutPoint outpoint) {
    spent.add(outpoint);
  }
}
