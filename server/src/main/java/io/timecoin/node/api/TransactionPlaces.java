package io.timecoin.node.api;

import com.google.protobuf.ByteString;
import io.timecoin.storage.ChainStore;
import io.timecoin.storage.StorageException;
import java.util.Optional;

/**
 * Where a finalized transaction is: what {@link SubmissionsApi} reads of the chain store (a
 * resubmission of one is refused).
 */
public interface TransactionPlaces {
  Optional<ChainStore.Place> placeOf(ByteString txid) throws StorageException;
}
