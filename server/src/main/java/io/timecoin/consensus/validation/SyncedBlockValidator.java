package io.timecoin.consensus.validation;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.protocol.FinalityCertificates;
import io.timecoin.protocol.ValidatorSet;

/**
 * A block from a peer's sync stream, before the engine finalizes it: its certificate is for this
 * very block and valid for the set of its height (docs/protocol.md 5.7). The block itself is judged
 * by the same rules as a proposed one, where blocks are held.
 */
public final class SyncedBlockValidator {
  private final String chainId;
  private final SignatureVerifier verifier;

  public SyncedBlockValidator(String chainId, SignatureVerifier verifier) {
    this.chainId = chainId;
    this.verifier = verifier;
  }

  /**
   * Null when {@code cert} certifies {@code block}; the certificate's block hash is then the
   * block's.
   */
  public Refusal validate(Block block, FinalityCertificate cert, ValidatorSet set) {
    ByteString hash;
    try {
      hash = Hashes.block(block.getHeader());
    } catch (MalformedException e) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, e.getMessage());
    }
    if (cert.getHeight() != block.getHeader().getHeight() || !cert.getBlockHash().equals(hash)) {
      return new Refusal(
          ErrorReason.ERROR_REASON_INVALID_BLOCK, "certificate is not for this block");
    }
    try {
      FinalityCertificates.verify(cert, chainId, set, verifier);
    } catch (FinalityCertificates.InvalidCertificateException e) {
      return new Refusal(e.reason(), e.getMessage());
    }
    return null;
  }
}
