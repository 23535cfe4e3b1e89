package io.timecoin.node.api;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.storage.ChainStore;
import io.timecoin.storage.StorageException;
import java.util.Optional;

/**
 * What the ledger area ({@link LedgerApi}) reads of the chain store: transactions, balances,
 * unspent outputs, histories.
 */
public interface LedgerReads extends TransactionPlaces {
  Optional<Block> blockAt(long height) throws StorageException;

  ChainStore.Balance balanceOf(ByteString address) throws StorageException;

  ChainStore.UnspentPage unspentOf(ByteString address, OutPoint after, int limit)
      throws StorageException;

  ChainStore.HistoryPage historyOf(
      ByteString address, long beforeHeight, int beforeIndex, int limit) throws StorageException;
}
