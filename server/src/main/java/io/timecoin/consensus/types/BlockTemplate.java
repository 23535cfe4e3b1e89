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
 * but the transactions' root. {@code lastCertificate} is null at height 1.
 */
public record BlockTemplate(String chainId, long height, long timestampMs, ByteString prevHash,
    FinalityCertificate lastCertificate, ByteString validatorSetHash, ByteString proposer) {

  /** The block with these transactions, its header completed (tx_root, last_certificate_hash). */
  public Block assemble(List<Transaction> transactions) {
    BlockHeader header = BlockHeader.newBuilder()
        .setVersion(ProtocolVersion.BLOCK)
        .setChainId(chainId)
        .setHeight(height)
        .setTimestampMs(timestampMs)
        .setPrevHash(prevHash)
        .setTxRoot(MerkleRoot.of(transactions.stream().map(Hashes::transaction).toList()))
        .setLastCertificateHash(lastCertificate == null ? Hashes.NIL : Hashes.certificate(lastCertificate))
        .setValidatorSetHash(validatorSetHash)
        .setProposer(proposer)
        .build();
    BlockBody.Builder body = BlockBody.newBuilder().addAllTransactions(transactions);
    if (lastCertificate != null) {
      body.setLastCertificate(lastCertificate);
    }
    return Block.newBuilder().setHeader(header).setBody(body).build();
  }
}
