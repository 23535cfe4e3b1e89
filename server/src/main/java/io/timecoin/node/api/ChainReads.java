package io.timecoin.node.api;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.storage.ChainStore;
import io.timecoin.storage.StorageException;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the chain area ({@link ChainApi}) reads of the chain store: finalized blocks, certificates,
 * validator set changes.
 */
public interface ChainReads {
  long tipHeight();

  Optional<Block> blockAt(long height) throws StorageException;

  Optional<FinalityCertificate> certificateAt(long height) throws StorageException;

  OptionalLong heightOf(ByteString blockHash) throws StorageException;

  ChainStore.SetChanges validatorSetChanges(long fromHeight, int limit) throws StorageException;
}
