package io.timecoin.canonical;

import com.google.protobuf.ByteString;
import io.timecoin.crypto.Sha256;
import java.util.List;

/**
 * The RFC 6962 Merkle tree hash over transaction ids in block order: leaf = SHA-256(0x00 || id),
 * node = SHA-256(0x01 || left || right), split at the largest power of two below n; the root of no
 * leaves is 32 zero bytes (PROTOCOL.md 2; RFC 6962 would hash the empty string instead).
 */
public final class MerkleRoot {
  private static final byte[] LEAF = {0x00};
  private static final byte[] NODE = {0x01};

  private MerkleRoot() {}

  public static ByteString of(List<ByteString> leaves) {
    if (leaves.isEmpty()) {
      return Hashes.NIL;
    }
    return ByteString.copyFrom(subtree(leaves, 0, leaves.size()));
  }

  private static byte[] subtree(List<ByteString> leaves, int from, int n) {
    if (n == 1) {
      return Sha256.hash(LEAF, leaves.get(from).toByteArray());
    }
    int k = Integer.highestOneBit(n - 1); // the largest power of two below n
    return Sha256.hash(NODE, subtree(leaves, from, k), subtree(leaves, from + k, n - k));
  }
}
