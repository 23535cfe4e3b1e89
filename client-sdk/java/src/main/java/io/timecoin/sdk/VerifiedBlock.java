package io.timecoin.sdk;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.FinalizedBlock;

/**
 * A finalized block whose certificate the SDK has checked against the validator set of its height
 * (docs/protocol.md 5.7), and whose header commits to its body (tx_root, last_certificate_hash).
 *
 * @param finalized the block, its certificate and its reward breakdown, as the node sent them
 * @param height the block's height
 * @param hash the block hash: SHA-256 of the header's canonical bytes
 */
public record VerifiedBlock(FinalizedBlock finalized, long height, ByteString hash) {
  /** The block. */
  public Block block() {
    return finalized.getBlock();
  }

  /** Its finality certificate. */
  public FinalityCertificate certificate() {
    return finalized.getCertificate();
  }
}
