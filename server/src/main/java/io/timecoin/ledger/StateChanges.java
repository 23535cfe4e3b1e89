package io.timecoin.ledger;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.RewardBreakdown;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.ValidatorSet;
import java.util.List;

/**
 * What executing one block changes in the stored state, written in the same atomic batch as the
 * block: the outputs it created, the outputs it spent (created ones first: an output may be created
 * and spent in one block), its transactions' places, the masternode records it changed, and the
 * validator set of the next height when it differs from this height's ({@code nextSet}, else null),
 * and how the block's reward was made and paid ({@code reward}; null for block 0), and the
 * masternodes whose registration the block changed (registered, deregistered, collateral spent:
 * {@code registrations}, kept as the registry's history, so the registry of any past height can be
 * listed), and the masternodes that left the working registry ({@code departed}: no longer active,
 * their last reward paid; docs/protocol.md 4.1).
 */
public record StateChanges(
    long height,
    List<Created> created,
    List<Spent> spent,
    List<ByteString> txids,
    List<MasternodeRecord> masternodes,
    ValidatorSet nextSet,
    RewardBreakdown reward,
    List<MasternodeRecord> registrations,
    List<ByteString> departed) {
  /** An output created at {@code outpoint}. */
  public record Created(OutPoint outpoint, TxOutput output) {}

  /**
   * The output at {@code outpoint} (which was {@code output}), spent by transaction {@code
   * spender}.
   */
  public record Spent(OutPoint outpoint, TxOutput output, ByteString spender) {}

  /** Changes that pay no reward (block 0). */
  public StateChanges(
      long height,
      List<Created> created,
      List<Spent> spent,
      List<ByteString> txids,
      List<MasternodeRecord> masternodes,
      ValidatorSet nextSet) {
    this(height, created, spent, txids, masternodes, nextSet, null, masternodes, List.of());
  }

  public StateChanges {
    created = List.copyOf(created);
    spent = List.copyOf(spent);
    txids = List.copyOf(txids);
    masternodes = List.copyOf(masternodes);
    registrations = List.copyOf(registrations);
    departed = List.copyOf(departed);
  }
}
