package io.timecoin.storage;

/**
 * The chain store holds a chain of an earlier protocol version (no protocol marker: version 1),
 * which this node cannot extend: its blocks hash differently. The operator recreates the home.
 */
public final class OldProtocolException extends StorageException {
  private static final long serialVersionUID = 1L;
  private final int storedVersion;

  public OldProtocolException(String message, int storedVersion) {
    super(message);
    this.storedVersion = storedVersion;
  }

  /** The protocol version of the stored chain. */
  public int storedVersion() {
    return storedVersion;
  }
}
