package io.timecoin.storage;

import io.timecoin.ledger.Ledger;
import io.timecoin.node.config.Genesis;
import io.timecoin.proto.v1.Block;
import java.nio.file.Path;

/**
 * Chain stores as protocol v1 left them: a chain and no protocol marker (for tests of an old home).
 */
public final class V1Stores {
  private V1Stores() {}

  /** Makes the store in {@code dir} hold {@code genesis}'s block 0 without the protocol marker. */
  public static void make(Path dir, Genesis genesis) throws StorageException {
    try (ChainStore store = ChainStore.open(dir)) {
      Block block = genesis.block();
      store.putGenesis(
          block,
          Ledger.genesisChanges(block, genesis.masternodeRecords(), genesis.maxValidators()));
      store.dropProtocolMarker();
    }
  }
}
