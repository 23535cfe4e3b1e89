package io.timecoin.protocol;

/** The version numbers this code speaks. */
public final class ProtocolVersion {
  /** The peer protocol version carried in Hello. */
  public static final int PEER = 1;
  /** The version of blocks (BlockHeader.version). */
  public static final int BLOCK = 1;
  /** The version of transactions (Transaction.version). */
  public static final int TRANSACTION = 1;

  private ProtocolVersion() {}
}
