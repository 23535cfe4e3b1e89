package io.timecoin.ledger;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Block;
import java.util.List;

/**
 * A block executed against the state after its parent: the state after it, what to store, and what
 * it paid (the fees of its transactions and each reward payment, for the operator's log and the
 * client API).
 */
public record BlockExecution(
    Block block,
    ByteString blockHash,
    LedgerState after,
    StateChanges changes,
    long fees,
    List<Rewards.Payment> payments) {
  public long height() {
    return block.getHeader().getHeight();
  }

  /** reward(h): the subsidy plus the fees, every unit of it paid. */
  public long reward() {
    return payments.stream().mapToLong(Rewards.Payment::amount).sum();
  }
}
