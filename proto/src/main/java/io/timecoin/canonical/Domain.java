package io.timecoin.canonical;

/**
 * The domain tags that begin every hashed or signed structure, so that a signature made for one
 * purpose can never be replayed as another (docs/protocol.md 2).
 */
public enum Domain {
  VOTE,
  PROPOSAL,
  HEADER,
  TX,
  TXW,
  TXSIG,
  VALSET,
  CERT,
  HELLO,
  PROPOSER,
  PARAMS;

  /** The tag, for example {@code "TIMECOIN/v2/VOTE"}. */
  public String tag() {
    return "TIMECOIN/v2/" + name();
  }
}
