package io.timecoin.node;

import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.consensus.types.ChainTip;
import io.timecoin.ledger.Ledger;
import io.timecoin.node.config.Genesis;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.protocol.GenesisBlocks;
import io.timecoin.protocol.ProtocolVersion;
import io.timecoin.storage.ChainStore;
import io.timecoin.storage.OldProtocolException;
import io.timecoin.storage.StorageException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A node's home on opening: its chain store, checked to hold this genesis of this protocol
 * (docs/protocol.md 3).
 */
final class NodeHome {
  private NodeHome() {}

  /**
   * Opens the chain store of {@code data}, storing the genesis block in a new one; a store of an
   * earlier protocol or of another genesis is closed again and refused.
   */
  static ChainStore openChain(Path home, Path data, Genesis genesis) throws IOException {
    ChainStore chain = ChainStore.open(data.resolve("chain"));
    Block genesisBlock = genesis.block();
    try {
      chain.putGenesis(
          genesisBlock,
          Ledger.genesisChanges(
              genesisBlock, genesis.masternodeRecords(), genesis.maxValidators()));
      checkGenesis(chain.blockAt(0).orElseThrow(), data.resolve("chain"));
    } catch (OldProtocolException e) {
      chain.close();
      throw new OldProtocolException(oldHomeMessage(home, e.storedVersion()), e.storedVersion());
    } catch (IOException | RuntimeException e) {
      chain.close();
      throw e;
    }
    return chain;
  }

  /**
   * Where the engine starts: the stored tip {@code block}, its certificate and the validator sets
   * around it.
   */
  static ChainTip tip(ChainStore chain, Block block, Ledger ledger) throws IOException {
    long h = block.getHeader().getHeight();
    FinalityCertificate cert = h == 0 ? null : chain.certificateAt(h).orElseThrow();
    return new ChainTip(
        h,
        Hashes.block(block.getHeader()),
        block.getHeader().getTimestampMs(),
        cert,
        h == 0 ? null : ledger.validatorSetAt(h),
        ledger.validatorSetAt(h + 1));
  }

  /**
   * The stored block 0 is a genesis block of this protocol, its parameters present
   * (docs/protocol.md 3).
   */
  private static void checkGenesis(Block stored, Path dir) throws StorageException {
    try {
      GenesisBlocks.check(stored);
    } catch (MalformedException e) {
      throw new StorageException(
          "corrupt chain store in "
              + dir
              + ": its block 0 is not a genesis block: "
              + e.getMessage());
    }
  }

  /** The one line that tells an operator a home of an earlier protocol must be recreated. */
  static String oldHomeMessage(Path home, int storedVersion) {
    return "this home ("
        + home
        + ") holds a protocol v"
        + storedVersion
        + " chain (blocks before protocol v"
        + ProtocolVersion.BLOCK
        + "); recreate it: delete "
        + home
        + " or use another --home";
  }
}
