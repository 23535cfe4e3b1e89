package io.timecoin.consensus.types;

import io.timecoin.proto.v1.Block;

/** Makes the block this validator proposes (the ledger fills it from its mempool). */
public interface BlockSource {
  Block propose(BlockTemplate template);
}
