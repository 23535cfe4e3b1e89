package io.timecoin.consensus.types;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MerkleRoot;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockBody;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.protocol.ProtocolVersion;
import java.util.List;

/**
 * What consensus fixes about the next block before the ledger fills it: everything in the header
 * but what the body and its execution decide (the roots, the next set's hash). {@code
 * lastCertificate} is null at height 1.
 */
public record BlockTemplate(
    String chainId,
    long height,
    long timestampMs,
    ByteString prevHash,
    FinalityCertificate lastCertificate,
    ByteString validatorSetHash,
    ByteString proposer) {

  /**
   * The block with these transactions, its header completed: tx_root, witness_root,
   * last_certificate_hash, and {@code nextValidatorSetHash}, the VALSET hash of the set executing
   * these transactions leaves for height + 1 (docs/protocol.md 4.3).
   */
  public Block assemble(List<Transaction> transactions, ByteString nextValidatorSetHash) {
    return assemble(
        transactions.stream().map(Hashes::transaction).toList(),
        transactions,
        nextValidatorSetHash);
  }

  /**
   * The same, for a block that leaves the validator set as it is: height + 1 has this height's set.
   */
  public Block assemble(List<Transaction> transactions) {
    return assemble(transactions, validatorSetHash);
  }

  private Block assemble(
      List<ByteString> txids, List<Transaction> transactions, ByteString nextValidatorSetHash) {
    BlockHeader header =
        BlockHeader.newBuilder()
            .setVersion(ProtocolVersion.BLOCK)
            .setChainId(chainId)
            .setHeight(height)
            .setTimestampMs(timestampMs)
            .setPrevHash(prevHash)
            .setTxRoot(MerkleRoot.of(txids))
            .setWitnessRoot(MerkleRoot.witnessRoot(txids, transactions))
            .setLastCertificateHash(
                lastCertificate == null ? Hashes.NIL : Hashes.certificate(lastCertificate))
            .setValidatorSetHash(validatorSetHash)
            .setNextValidatorSetHash(nextValidatorSetHash)
            .setProposer(proposer)
            .build();
    BlockBody.Builder body = BlockBody.newBuilder().addAllTransactions(transactions);
    if (lastCertificate != null) {
      body.setLastCertificate(lastCertificate);
    }
    return Block.newBuilder().setHeader(header).setBody(body).build();
  }
}
