package io.timecoin.cli;

import io.timecoin.proto.v1.UnspentOutput;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The fee the CLI pays for a transfer when none is given: 10 units a byte of a generous estimate of
 * the transaction's size, at least 1,000 (docs/protocol.md 4.3: required(tx) = max(min_tx_fee,
 * min_fee_per_byte x size(tx)), defaults 1,000 and 10). The estimate over-counts each part, so the
 * fee stays above the required one.
 */
final class TransferFee {
  // An upper estimate before the coins are chosen: the SDK's Wallet raises it to Fees.required of
  // the
  // signed transaction when that is more, so the estimate only ever errs on the generous side.
  static final long MIN_FEE = 1_000;
  static final long PER_BYTE = 10;

  /** A transfer's fixed part: version, kind, counts, and the witness set's framing. */
  static final int BASE_BYTES = 64;

  /** Per input: a 36-byte outpoint, a 32-byte key and a 64-byte signature, with their framing. */
  static final int INPUT_BYTES = 160;

  /** Per output: an 8-byte amount and a 20-byte address, with their framing. */
  static final int OUTPUT_BYTES = 48;

  /** The least amount of an output (docs/protocol.md 4.3, DUST: min_output 10,000 by default). */
  static final long MIN_OUTPUT = io.timecoin.protocol.Fees.DEFAULTS.minOutput();

  private TransferFee() {}

  /** The fee of a transfer with these many inputs and outputs. */
  static long of(int inputs, int outputs) {
    long size = BASE_BYTES + (long) INPUT_BYTES * inputs + (long) OUTPUT_BYTES * outputs;
    return Math.max(MIN_FEE, PER_BYTE * size);
  }

  /**
   * The fee of paying {@code amount} from these coins as the SDK's wallet picks them (largest
   * first, a change output unless it comes out exact): the fee decides how many coins are needed,
   * and those decide the fee, so it grows until both agree. With too little money, the fee of
   * spending them all (the wallet then says how much is missing).
   */
  static long forPayment(List<UnspentOutput> coins, long amount) {
    List<Long> amounts = new ArrayList<>();
    coins.forEach(c -> amounts.add(c.getOutput().getAmount()));
    amounts.sort(Comparator.comparing((Long a) -> a, Long::compareUnsigned).reversed());
    long fee = of(1, 2);
    for (int pass = 0; pass < 8; pass++) {
      long required = amount + fee;
      int inputs = 0;
      long selected = 0;
      for (long a : amounts) {
        if (Long.compareUnsigned(selected, required) >= 0) {
          break;
        }
        inputs++;
        selected += a;
      }
      long next = of(Math.max(inputs, 1), 2);
      if (next <= fee) {
        return fee;
      }
      fee = next;
    }
    return fee;
  }
}
