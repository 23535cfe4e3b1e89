package io.timecoin.storage;

import java.io.IOException;

/**
 * The node's storage refused something or failed: a corrupt value, a data directory of another
 * chain, a block out of order, or an error of the database itself.
 *
 * <p>Checked (an {@link IOException}), like every other disk failure: a caller must decide what a
 * failed read or write means for the node (stop, refuse a request), and one {@code catch
 * (IOException e)} at startup reports all of them to the operator alike.
 */
public class StorageException extends IOException {
  public StorageException(String message) {
    super(message);
  }

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
