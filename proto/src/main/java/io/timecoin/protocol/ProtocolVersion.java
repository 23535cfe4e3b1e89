package io.timecoin.protocol;

/**
 * The version numbers this code speaks: protocol v2 (docs/protocol.md 9). A header or transaction
 * of another version is MALFORMED; a Hello of another version, PROTOCOL_VERSION_MISMATCH.
 */
public final class ProtocolVersion {
  /** The peer protocol version carried in Hello. */
  public static final int PEER = 2;

  /** The version of blocks (BlockHeader.version). */
  public static final int BLOCK = 2;

  /** The version of transactions (Transaction.version). */
  public static final int TRANSACTION = 2;

  private ProtocolVersion() {}
}
