package io.timecoin.node.api;

import com.google.protobuf.ByteString;
import io.timecoin.ledger.MasternodeRecord;
import io.timecoin.storage.StorageException;
import java.util.List;

/**
 * What the registry area ({@link RegistryApi}) reads of the chain store: masternode registrations
 * by height.
 */
public interface RegistryReads {
  List<MasternodeRecord> registrationsAfter(long height) throws StorageException;

  MasternodeRecord registrationAfter(ByteString consensusKey, long height) throws StorageException;
}
