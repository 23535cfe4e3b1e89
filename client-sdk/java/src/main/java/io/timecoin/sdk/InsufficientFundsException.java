package io.timecoin.sdk;

import io.timecoin.protocol.Units;

/** A payment the wallet's finalized unspent outputs cannot cover (amount plus fee). */
public final class InsufficientFundsException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final long available;
  private final long required;

  public InsufficientFundsException(String address, long available, long required) {
    super(
        "insufficient funds: "
            + address
            + " holds "
            + Units.format(available)
            + " TIME, the payment needs "
            + Units.format(required)
            + " TIME (amount plus fee)");
    this.available = available;
    this.required = required;
  }

  /** The wallet's finalized balance, in base units. */
  public long available() {
    return available;
  }

  /** The amount plus the fee, in base units. */
  public long required() {
    return required;
  }
}
