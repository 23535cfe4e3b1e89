package io.timecoin.consensus.signer;

/**
 * A signer record kept in memory, for tests and the simulator: it outlives the signer that uses it,
 * as a file outlives a crashed process, and counts its saves.
 */
public final class MemorySignerRecordStore implements SignerRecordStore {
  private SignerRecord record = SignerRecord.EMPTY;
  private int saves;

  @Override
  public SignerRecord load() {
    return record;
  }

  @Override
  public void save(SignerRecord r) {
    record = r;
    saves++;
  }

  public int saves() {
    return saves;
  }
}
