package io.timecoin.ledger;

/**
 * The chain parameters the ledger applies (PROTOCOL.md 3): the chain id (in every TXSIG), the
 * minimum fee, the size limits of a transaction and a block, and how many validators a set holds.
 * A block's size is the sum of its transactions' protobuf sizes.
 */
public record LedgerParams(String chainId, long minTxFee, int maxTxBytes, int maxBlockTxs, long maxBlockBytes,
    int maxValidators) {}
