package io.timecoin.crypto;

/** Bytes that are not a usable key: wrong length, not a curve point, or a small-order point. */
public final class InvalidKeyException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidKeyException(String message) {
    super(message);
  }
}
