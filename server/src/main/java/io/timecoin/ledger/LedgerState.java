package io.timecoin.ledger;

import com.google.protobuf.ByteString;
import io.timecoin.protocol.ValidatorSet;

/**
 * The state after the block at {@code height} (hash {@code blockHash}): its outputs, its registry,
 * the set that finalized it ({@code set}, null for block 0) and the set of the next height.
 */
public record LedgerState(
    long height,
    ByteString blockHash,
    UtxoView utxos,
    Registry registry,
    ValidatorSet set,
    ValidatorSet nextSet) {}
