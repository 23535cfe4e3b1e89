package io.timecoin.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 through the JDK's MessageDigest, which the JVM accelerates with CPU instructions. */
public final class Sha256 {
  /** A hash is 32 bytes. */
  public static final int SIZE = 32;

  private static final ThreadLocal<MessageDigest> DIGEST =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("every JDK has SHA-256", e);
            }
          });

  private Sha256() {}

  /** SHA-256 of the concatenation of the parts. */
  public static byte[] hash(byte[]... parts) {
    MessageDigest digest = DIGEST.get();
    for (byte[] part : parts) {
      digest.update(part);
    }
    return digest.digest();
  }

  /** SHA-256 of {@code length} bytes of {@code data} from {@code offset}. */
  public static byte[] hash(byte[] data, int offset, int length) {
    MessageDigest digest = DIGEST.get();
    digest.update(data, offset, length);
    return digest.digest();
  }
}
