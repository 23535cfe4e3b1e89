package io.timecoin.sdk;

import com.google.protobuf.ByteString;
import java.util.HexFormat;
import java.util.Objects;

/**
 * What a {@link TimeClient} trusts without asking any node (docs/protocol.md 8): the genesis hash
 * of its chain, or a checkpoint its user pinned (a height and the hash of the block there). Every
 * validator set, and so every block, is checked from it; a node on another chain is refused.
 *
 * <p>A client built without one trusts the first genesis a node shows it, logs that at WARN, and
 * chains everything after it: fine against a node you run yourself, not against one you do not.
 */
public final class TrustRoot {
  private final long height;
  private final ByteString blockHash; // null: the first genesis seen

  private TrustRoot(long height, ByteString blockHash) {
    this.height = height;
    this.blockHash = blockHash;
  }

  /**
   * The chain whose block 0 has this hash (32 bytes): GetStatus's genesis_hash of a node you trust.
   */
  public static TrustRoot genesis(ByteString genesisHash) {
    return new TrustRoot(0, checkHash(genesisHash));
  }

  /** As {@link #genesis(ByteString)}, from the hash in hex (64 digits). */
  public static TrustRoot genesis(String genesisHashHex) {
    return genesis(ByteString.copyFrom(HexFormat.of().parseHex(genesisHashHex)));
  }

  /**
   * The chain whose block {@code height} has this hash: blocks above {@code height} are then
   * checked from it, and blocks at or below it cannot be (subscribe from {@code height + 1} or
   * later).
   */
  public static TrustRoot checkpoint(long height, ByteString blockHash) {
    if (height < 0) {
      throw new IllegalArgumentException("a checkpoint height is >= 0, got " + height);
    }
    return new TrustRoot(height, checkHash(blockHash));
  }

  /** Trust the first genesis seen (the default without a root; see the class comment). */
  static TrustRoot firstSeen() {
    return new TrustRoot(0, null);
  }

  /** The height of the trusted block: 0 for a genesis root. */
  public long height() {
    return height;
  }

  /** The trusted block hash; null for a client that trusts the first genesis it sees. */
  public ByteString blockHash() {
    return blockHash;
  }

  boolean pinned() {
    return blockHash != null;
  }

  private static ByteString checkHash(ByteString hash) {
    Objects.requireNonNull(hash, "hash");
    if (hash.size() != 32) {
      throw new IllegalArgumentException("a block hash is 32 bytes, not " + hash.size());
    }
    return hash;
  }

  @Override
  public String toString() {
    if (blockHash == null) {
      return "TrustRoot(first genesis seen)";
    }
    String hex = HexFormat.of().formatHex(blockHash.toByteArray());
    return height == 0
        ? "TrustRoot(genesis " + hex + ")"
        : "TrustRoot(block " + height + " " + hex + ")";
  }
}
