package io.timecoin.consensus.validation;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.canonical.MerkleRoot;
import io.timecoin.consensus.types.ChainTip;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.protocol.FinalityCertificates;
import io.timecoin.protocol.ProtocolVersion;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The header rules every validator checks the same way, whatever its clock: the block extends the
 * tip, commits to the right validator set, carries a valid certificate of its parent, and its
 * tx_root and witness_root match its body (docs/protocol.md 4.3; next_validator_set_hash is the
 * ledger's to check, by executing the block). (Whether the timestamp is too far ahead depends on
 * the validator's clock: the engine checks that apart, and it affects only the prepare.)
 */
public final class BlockRules {
  private BlockRules() {}

  /** Null when the block may follow {@code tip} at tip.height + 1 under {@code set}. */
  public static Refusal check(
      Block block,
      ChainTip tip,
      ValidatorSet set,
      String chainId,
      long blockIntervalMs,
      SignatureVerifier verifier) {
    Refusal header = checkHeader(block.getHeader(), tip, set, chainId, blockIntervalMs);
    return header != null ? header : checkBody(block, tip, chainId, verifier);
  }

  /**
   * The rules on the header's own fields. A refusal here holds for every block with this header's
   * hash, since the hash covers exactly these fields.
   */
  public static Refusal checkHeader(
      BlockHeader h, ChainTip tip, ValidatorSet set, String chainId, long blockIntervalMs) {
    long height = tip.height() + 1;
    if (h.getVersion()
        != ProtocolVersion.BLOCK) { // docs/protocol.md 9: another version has no layout here
      return new Refusal(
          ErrorReason.ERROR_REASON_MALFORMED,
          "block version "
              + Integer.toUnsignedString(h.getVersion())
              + ", this node speaks "
              + ProtocolVersion.BLOCK);
    }
    if (!h.getChainId().equals(chainId)) {
      return new Refusal(
          ErrorReason.ERROR_REASON_WRONG_CHAIN, "block for chain '" + h.getChainId() + "'");
    }
    if (h.getHeight() != height) {
      return invalid("block height " + h.getHeight() + " at height " + height);
    }
    if (!h.getPrevHash().equals(tip.blockHash())) {
      return invalid("block does not extend the finalized block of height " + tip.height());
    }
    if (!h.getValidatorSetHash().equals(set.hash())) {
      return invalid("block commits to another validator set");
    }
    if (set.member(h.getProposer()) == null) {
      return invalid("block proposer is not in the validator set");
    }
    long earliest = tip.timestampMs() + blockIntervalMs;
    if (Long.compareUnsigned(h.getTimestampMs(), earliest) < 0) {
      return invalid("timestamp " + h.getTimestampMs() + " before the slot opens at " + earliest);
    }
    return null;
  }

  /**
   * The rules that tie the body to the header (tx_root, witness_root, the parent's certificate). A
   * refusal here holds for this body only: anyone who relays a block can change its body, not its
   * hash.
   */
  public static Refusal checkBody(
      Block block, ChainTip tip, String chainId, SignatureVerifier verifier) {
    BlockHeader h = block.getHeader();
    List<ByteString> ids = new ArrayList<>(block.getBody().getTransactionsCount());
    try {
      for (Transaction tx : block.getBody().getTransactionsList()) {
        ids.add(Hashes.transaction(tx));
      }
    } catch (MalformedException e) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, "transaction: " + e.getMessage());
    }
    if (!MerkleRoot.of(ids).equals(h.getTxRoot())) {
      return invalid("tx_root does not match the transactions");
    }
    ByteString witnessRoot;
    try {
      witnessRoot = MerkleRoot.witnessRoot(ids, block.getBody().getTransactionsList());
    } catch (MalformedException e) {
      return new Refusal(
          ErrorReason.ERROR_REASON_MALFORMED, "transaction witness: " + e.getMessage());
    }
    if (!witnessRoot.equals(
        h.getWitnessRoot())) { // a relay that altered a witness altered the body, not the hash
      return invalid("witness_root does not match the transactions' witnesses");
    }
    if (tip.certificate() == null) {
      if (block.getBody().hasLastCertificate() || !h.getLastCertificateHash().equals(Hashes.NIL)) {
        return invalid("the first block after genesis carries no certificate");
      }
      return null;
    }
    if (!block.getBody().hasLastCertificate()) {
      return invalid("block lacks the certificate of its parent");
    }
    var cert = block.getBody().getLastCertificate();
    if (cert.getHeight() != tip.height() || !cert.getBlockHash().equals(tip.blockHash())) {
      return invalid("last_certificate is not for the parent block");
    }
    try {
      if (!Hashes.certificate(cert).equals(h.getLastCertificateHash())) {
        return invalid("last_certificate_hash does not match last_certificate");
      }
      if (!cert.equals(
          tip.certificate())) { // the tip's own certificate was verified when the tip was finalized
        FinalityCertificates.verify(cert, chainId, tip.certificateSet(), verifier);
      }
    } catch (MalformedException e) {
      return new Refusal(ErrorReason.ERROR_REASON_MALFORMED, "last_certificate: " + e.getMessage());
    } catch (FinalityCertificates.InvalidCertificateException e) {
      return new Refusal(e.reason(), "last_certificate: " + e.getMessage());
    }
    return null;
  }

  private static Refusal invalid(String detail) {
    return new Refusal(ErrorReason.ERROR_REASON_INVALID_BLOCK, detail);
  }
}
