package io.timecoin.canonical;

import com.google.protobuf.ByteString;
import io.timecoin.crypto.Sha256;
import io.timecoin.proto.v1.Transaction;
import java.util.ArrayList;
import java.util.List;

/**
 * The RFC 6962 Merkle tree hash over ids in block order: leaf = SHA-256(0x00 || id), node =
 * SHA-256(0x01 || left || right), split at the largest power of two below n; the root of no leaves
 * is 32 zero bytes (docs/protocol.md 2.1; RFC 6962 would hash the empty string instead). A header's
 * tx_root is this tree over the txids, its witness_root the same tree over the wtxids.
 */
public final class MerkleRoot {
  private static final byte[] LEAF = {0x00};
  private static final byte[] NODE = {0x01};

  private MerkleRoot() {}

  /** tx_root: the tree over the transactions' ids. */
  public static ByteString txRoot(List<Transaction> transactions) {
    return of(transactions.stream().map(Hashes::transaction).toList());
  }

  /** witness_root: the tree over the transactions' wtxids. */
  public static ByteString witnessRoot(List<Transaction> transactions) {
    return of(transactions.stream().map(Hashes::wtxid).toList());
  }

  /**
   * witness_root of transactions whose ids the caller has computed ({@code txids.get(i)} is
   * transaction i's).
   */
  public static ByteString witnessRoot(List<ByteString> txids, List<Transaction> transactions) {
    if (txids.size() != transactions.size()) {
      throw new IllegalArgumentException(
          txids.size() + " ids for " + transactions.size() + " transactions");
    }
    List<ByteString> wtxids = new ArrayList<>(transactions.size());
    for (int i = 0; i < transactions.size(); i++) {
      wtxids.add(Hashes.wtxid(txids.get(i), transactions.get(i)));
    }
    return of(wtxids);
  }

  /** The root over {@code leaves} (ids), in their order. */
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
