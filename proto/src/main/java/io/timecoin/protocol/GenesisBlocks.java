package io.timecoin.protocol;

import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.canonical.MerkleRoot;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import java.util.List;

/**
 * The form of a block 0 (docs/protocol.md 3), for whoever receives or loads one: a node reading its
 * store, a client taking a genesis as its trust root. What it cannot check alone (that
 * next_validator_set_hash is the set the masternodes give) is the caller's, with its registry.
 */
public final class GenesisBlocks {
  private GenesisBlocks() {}

  /**
   * Refuses a block that is not a version 2 block 0 of one GENESIS transaction carrying its chain
   * parameters, with its roots over that transaction, zeros where block 0 has nothing, the time of
   * its parameters, and the same set hash as validator_set_hash and next_validator_set_hash.
   *
   * @throws MalformedException naming the first rule it breaks
   */
  public static void check(Block block) {
    BlockHeader h = block.getHeader();
    require(
        h.getVersion() == ProtocolVersion.BLOCK,
        "block 0 of version "
            + Integer.toUnsignedString(h.getVersion())
            + ", not "
            + ProtocolVersion.BLOCK);
    require(h.getHeight() == 0, "block 0 at height " + Long.toUnsignedString(h.getHeight()));
    List<Transaction> txs = block.getBody().getTransactionsList();
    require(
        txs.size() == 1 && txs.get(0).getKind() == TransactionKind.TRANSACTION_KIND_GENESIS,
        "block 0 holds exactly one GENESIS transaction");
    Transaction tx = txs.get(0);
    require(
        tx.getVersion() == ProtocolVersion.TRANSACTION,
        "GENESIS transaction of version " + Integer.toUnsignedString(tx.getVersion()));
    require(
        tx.hasGenesis() && tx.getGenesis().hasParams(),
        "the GENESIS payload carries the chain parameters");
    require(
        tx.getInputsCount() == 0 && tx.getKindWitnessesCount() == 0,
        "a GENESIS transaction has no inputs or witnesses");
    require(
        tx.getGenesis().getChainId().equals(h.getChainId()),
        "the GENESIS payload is for chain '"
            + tx.getGenesis().getChainId()
            + "', the header for '"
            + h.getChainId()
            + "'");
    require(
        h.getTimestampMs() == tx.getGenesis().getParams().getGenesisTimeMs(),
        "block 0's timestamp is not genesis_time_ms");
    require(
        !block.getBody().hasLastCertificate()
            && h.getPrevHash().equals(Hashes.NIL)
            && h.getLastCertificateHash().equals(Hashes.NIL)
            && h.getProposer().equals(Hashes.NIL),
        "block 0 has no parent, certificate or proposer (zeros)");
    require(
        MerkleRoot.txRoot(txs).equals(h.getTxRoot()),
        "block 0's tx_root does not match its transaction");
    require(
        MerkleRoot.witnessRoot(txs).equals(h.getWitnessRoot()),
        "block 0's witness_root does not match its transaction");
    require(
        h.getValidatorSetHash().equals(h.getNextValidatorSetHash()),
        "block 0's validator_set_hash and next_validator_set_hash both name the set of height 1");
  }

  private static void require(boolean ok, String problem) {
    if (!ok) {
      throw new MalformedException(problem);
    }
  }
}
