package io.timecoin.ledger;

import io.timecoin.protocol.Fees;

/**
 * The chain parameters the ledger applies (docs/protocol.md 3 and 4.3): the chain id (in every
 * TXSIG), the fee rules (a floor, a price per byte, a registration's floor), the least output, the
 * size limits of a transaction and a block, and how many validators a set holds. A block's size is
 * the sum of its transactions' protobuf sizes.
 */
public record LedgerParams(
    String chainId,
    long minTxFee,
    long minFeePerByte,
    long minOutput,
    long registrationFee,
    int maxTxBytes,
    int maxBlockTxs,
    long maxBlockBytes,
    int maxValidators) {
  /** The fee and dust rule these parameters make. */
  public Fees fees() {
    return new Fees(minTxFee, minFeePerByte, minOutput, registrationFee);
  }
}
