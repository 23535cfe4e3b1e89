package io.timecoin.consensus.signer;

import java.io.IOException;

/**
 * Where the signer record lives. {@link #save} returns only once the record would survive a crash.
 */
public interface SignerRecordStore {
  SignerRecord load() throws IOException;

  void save(SignerRecord record) throws IOException;
}
