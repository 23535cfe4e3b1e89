package io.timecoin.protocol;

import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.proto.v1.ChainParams;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import java.nio.charset.StandardCharsets;

/**
 * The fee and dust rule of a chain (docs/protocol.md 4.3), shared by the node and the SDKs: a
 * transaction's fee must be at least {@code max(min_tx_fee, min_fee_per_byte x size)}, and at least
 * {@code registration_fee} for a REGISTER_MASTERNODE; size = its TX bytes plus its TXW bytes. An
 * output of a TRANSFER, REGISTER_MASTERNODE or DEREGISTER_MASTERNODE below {@code min_output} (and
 * above zero: zero is ZERO_OUTPUT) is dust. Every amount is an unsigned 64-bit number of base
 * units.
 */
public record Fees(long minTxFee, long minFeePerByte, long minOutput, long registrationFee) {
  /** The defaults of a genesis that names none: 1,000; 10 per byte; 10,000; 1 TIME. */
  public static final Fees DEFAULTS = new Fees(1_000, 10, 10_000, Units.UNITS_PER_TIME);

  /**
   * The TXW tag's length, counted apart from {@link io.timecoin.canonical.Domain} so that this
   * length is the v2 one (docs/protocol.md 2) whichever tags the canonical writer knows.
   */
  private static final int TXW_TAG_BYTES =
      "TIMECOIN/v2/TXW".getBytes(StandardCharsets.UTF_8).length;

  /** One witness in TXW: key 32, sig 64. */
  private static final int WITNESS_BYTES = 32 + 64;

  /** The fee rule of a chain's genesis parameters. */
  public static Fees of(ChainParams params) {
    return new Fees(
        params.getMinTxFee(),
        params.getMinFeePerByte(),
        params.getMinOutput(),
        params.getRegistrationFee());
  }

  /**
   * The least fee {@code tx} must pay. Its witnesses need not be there yet: the size counts the
   * witnesses its inputs and kind take once signed, so a wallet prices an unsigned transaction.
   *
   * @throws ArithmeticException when {@code min_fee_per_byte x size} passes 2^64: no fee pays it
   *     (the node refuses it FEE_TOO_LOW)
   */
  public long required(Transaction tx) {
    long size = size(tx);
    if (Math.multiplyHigh(minFeePerByte, size) + ((minFeePerByte >> 63) & size)
        != 0) { // unsigned high word
      throw new ArithmeticException(
          Long.toUnsignedString(minFeePerByte)
              + " units per byte x "
              + size
              + " bytes passes 2^64");
    }
    long required = max(minTxFee, minFeePerByte * size);
    return tx.getKind() == io.timecoin.proto.v1.TransactionKind.TRANSACTION_KIND_REGISTER_MASTERNODE
        ? max(required, registrationFee)
        : required;
  }

  /**
   * Whether {@code amount} is dust: above zero and below {@code min_output}. Applies to the user
   * kinds only.
   */
  public boolean dust(long amount) {
    return amount != 0 && Long.compareUnsigned(amount, minOutput) < 0;
  }

  /**
   * The first dust output of a TRANSFER, REGISTER_MASTERNODE or DEREGISTER_MASTERNODE, or -1
   * (REWARD and GENESIS are exempt).
   */
  public int firstDust(Transaction tx) {
    switch (tx.getKind()) {
      case TRANSACTION_KIND_TRANSFER,
          TRANSACTION_KIND_REGISTER_MASTERNODE,
          TRANSACTION_KIND_DEREGISTER_MASTERNODE -> {}
      default -> {
        return -1;
      }
    }
    for (int i = 0; i < tx.getOutputsCount(); i++) {
      TxOutput o = tx.getOutputs(i);
      if (dust(o.getAmount())) {
        return i;
      }
    }
    return -1;
  }

  /** The size the fee is priced on: TX bytes plus TXW bytes. */
  public static long size(Transaction tx) {
    return (long) CanonicalBytes.transaction(tx).length + witnessBytesLength(tx);
  }

  /**
   * The length of {@code tx}'s TXW bytes (docs/protocol.md 2): the tag "TIMECOIN/v2/TXW" as a
   * string (u32 length + 15 bytes), txid 32, the input witnesses (u32 count + 96 each, one per
   * input), the kind witnesses (u32 count + 96 each). Computed from the layout rather than encoded,
   * so that it needs no signature: the kind witnesses are the count the kind takes (2 for a
   * registration, 1 for a deregistration, none for a transfer), whatever the unsigned builder
   * holds.
   */
  public static long witnessBytesLength(Transaction tx) {
    long kindWitnesses =
        switch (tx.getKind()) {
          case TRANSACTION_KIND_TRANSFER -> 0;
          case TRANSACTION_KIND_REGISTER_MASTERNODE -> 2;
          case TRANSACTION_KIND_DEREGISTER_MASTERNODE -> 1;
          default -> tx.getKindWitnessesCount();
        };
    return Integer.BYTES
        + TXW_TAG_BYTES
        + 32
        + Integer.BYTES
        + (long) WITNESS_BYTES * tx.getInputsCount()
        + Integer.BYTES
        + WITNESS_BYTES * kindWitnesses;
  }

  private static long max(long a, long b) {
    return Long.compareUnsigned(a, b) >= 0 ? a : b;
  }
}
