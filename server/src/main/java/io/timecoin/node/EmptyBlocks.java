package io.timecoin.node;

import io.timecoin.consensus.types.BlockSource;
import io.timecoin.consensus.types.BlockTemplate;
import io.timecoin.consensus.types.BlockValidator;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.protocol.ValidatorSet;
import java.util.List;

/**
 * Blocks without transactions, under the genesis validator set, until the ledger (issue 5) fills and
 * judges them: this node proposes empty blocks and refuses any block that carries a transaction,
 * rather than accepting what it cannot yet check.
 */
final class EmptyBlocks implements BlockSource, BlockValidator {
  private final ValidatorSet genesisSet;

  EmptyBlocks(ValidatorSet genesisSet) {
    this.genesisSet = genesisSet;
  }

  @Override
  public Block propose(BlockTemplate template) {
    return template.assemble(List.of());
  }

  @Override
  public Verdict validate(Block block) {
    if (block.getBody().getTransactionsCount() > 0) {
      return Verdict.invalid(ErrorReason.ERROR_REASON_INVALID_BLOCK, "this node cannot yet validate transactions");
    }
    return Verdict.valid(genesisSet.atHeight(block.getHeader().getHeight() + 1));
  }

  /** The set of any height: the genesis set, until the registry can change it. */
  ValidatorSet setAt(long height) {
    return genesisSet.atHeight(height);
  }
}
