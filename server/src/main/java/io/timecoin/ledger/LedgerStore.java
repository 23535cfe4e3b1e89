package io.timecoin.ledger;

import io.timecoin.protocol.ValidatorSet;
import java.util.List;

/**
 * The ledger state of the last finalized block, as stored: its unspent outputs (and which outputs
 * were ever created), its registry, and the validator set of every height. The node's is RocksDB
 * ({@link io.timecoin.storage.ChainStore}); it writes a block's {@link StateChanges} with the
 * block.
 */
public interface LedgerStore extends UtxoView {
  /**
   * The working registry of the last stored block (docs/protocol.md 4.1): active masternodes, and
   * those leaving.
   */
  List<MasternodeRecord> masternodes();

  /** The validator set of {@code height} (from 1 to the stored tip + 1), or null beyond. */
  ValidatorSet validatorSetAt(long height);
}
