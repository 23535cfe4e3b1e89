package io.timecoin.canonical;

/**
 * The domain tags that begin every hashed or signed structure, so that a signature made for one
 * purpose can never be replayed as another (PROTOCOL.md 2).
 */
public enum Domain {
  VOTE, PROPOSAL, HEADER, TX, TXSIG, VALSET, CERT, HELLO, PROPOSER;

  /** The tag, for example {@code "TIMECOIN/v1/VOTE"}. */
  public String tag() {
    return "TIMECOIN/v1/" + name();
  }
}
