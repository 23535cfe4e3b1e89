package io.timecoin.ledger;

import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.TxOutput;

/** The outputs a transaction may spend: the state after the block (or transactions) before it. */
public interface UtxoView {
  /** The unspent output at this outpoint, or null. */
  TxOutput unspent(OutPoint outpoint);

  /** Whether this outpoint was ever created: a created output that is not unspent was spent. */
  boolean created(OutPoint outpoint);
}
