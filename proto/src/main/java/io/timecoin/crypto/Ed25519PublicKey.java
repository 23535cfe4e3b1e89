package io.timecoin.crypto;

import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * A validated Ed25519 public key that verifies signatures by the one exact rule (docs/protocol.md
 * 1.1).
 *
 * <p>The rule: the signature is 64 bytes; S < L; the key A is a canonical encoding (y < p) of a
 * point in the prime-order subgroup (small-order and mixed-order keys are refused when the key is
 * made); R is a canonical encoding (y < p, and x = 0 never has the sign bit) of a point not of
 * small order; and encode([S]B - [k]A) == R's bytes, k = SHA-512(R || A || M) mod L (cofactorless).
 * The key is checked once, here, and its multiples [2^64]A, [2^128]A, [2^192]A are computed once,
 * at its first verification, so verifying many votes of one validator pays for neither again.
 */
public final class Ed25519PublicKey implements Comparable<Ed25519PublicKey> {
  /** A public key is 32 bytes. */
  public static final int SIZE = Ed25519.PUBLIC_KEY_SIZE;

  /** A signature is 64 bytes: R (32) then S (32, little-endian). */
  public static final int SIGNATURE_SIZE = Ed25519.SIGNATURE_SIZE;

  /** The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
  private static final byte[] ORDER_LE =
      HexFormat.of().parseHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

  /** p = 2^255 - 19, little-endian: a canonical y is below it. */
  private static final byte[] FIELD_PRIME_LE =
      HexFormat.of().parseHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");

  /**
   * The canonical encodings of the 8 points of small order (every other encoding is not canonical).
   */
  private static final byte[][] SMALL_ORDER = {
    HexFormat.of().parseHex("0100000000000000000000000000000000000000000000000000000000000000"),
    HexFormat.of().parseHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    HexFormat.of().parseHex("0000000000000000000000000000000000000000000000000000000000000000"),
    HexFormat.of().parseHex("0000000000000000000000000000000000000000000000000000000000000080"),
    HexFormat.of().parseHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    HexFormat.of().parseHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
    HexFormat.of().parseHex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    HexFormat.of().parseHex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
  };

  private final byte[] encoded;

  /**
   * The key's part of the equation ({@link CofactorlessEquation#keyPowers}), made at the first
   * verification: that one costs about what a verification without it would, every later one about
   * half. Racing threads compute the same value; the array is complete before it is published.
   */
  private volatile int[] powers;

  private Ed25519PublicKey(byte[] encoded) {
    this.encoded = encoded;
  }

  /**
   * The key with these 32 bytes.
   *
   * @throws InvalidKeyException when the bytes are not 32, not a canonical point encoding, not on
   *     the curve, or not in the prime-order subgroup
   */
  public static Ed25519PublicKey of(byte[] encoded) {
    if (encoded == null || encoded.length != SIZE) {
      throw new InvalidKeyException(
          "an Ed25519 public key is "
              + SIZE
              + " bytes, got "
              + (encoded == null ? "none" : encoded.length));
    }
    Ed25519.PublicPoint point = Ed25519.validatePublicKeyFullExport(encoded, 0);
    if (point == null) {
      throw new InvalidKeyException(
          "not a valid Ed25519 public key: " + HexFormat.of().formatHex(encoded));
    }
    return new Ed25519PublicKey(encoded.clone());
  }

  /** True when {@code signature} is this key's valid signature of {@code message}. */
  public boolean verify(byte[] message, byte[] signature) {
    if (signature == null
        || signature.length != SIGNATURE_SIZE
        || !hasCanonicalS(signature)
        || !isCanonical(signature)
        || isSmallOrder(signature)) {
      return false;
    }
    int[] p = powers;
    if (p == null) {
      p = CofactorlessEquation.keyPowers(encoded);
      powers = p;
    }
    return CofactorlessEquation.holds(p, encoded, message, signature);
  }

  /**
   * R's y (its first 32 bytes without the sign bit) is below p, and R is not x = 0 with the sign
   * bit set (y = 1 or y = p - 1 with the top bit).
   */
  private static boolean isCanonical(byte[] signature) {
    for (int i = SIZE - 1; i >= 0; i--) {
      int r = (signature[i] & 0xff) & (i == SIZE - 1 ? 0x7f : 0xff);
      int p = FIELD_PRIME_LE[i] & 0xff;
      if (r != p) {
        if (r > p) {
          return false;
        }
        break;
      }
      if (i == 0) {
        return false; // y == p
      }
    }
    if ((signature[SIZE - 1] & 0x80) == 0) {
      return true;
    }
    byte[] r = Arrays.copyOf(signature, SIZE);
    r[SIZE - 1] &= 0x7f;
    return !Arrays.equals(r, SMALL_ORDER[0]) && !Arrays.equals(r, SMALL_ORDER[1]);
  }

  /** R is one of the 8 points of small order (it is canonical already). */
  private static boolean isSmallOrder(byte[] signature) {
    for (byte[] point : SMALL_ORDER) {
      if (Arrays.equals(signature, 0, SIZE, point, 0, SIZE)) {
        return true;
      }
    }
    return false;
  }

  /** S, the signature's second half read little-endian, must be below L (RFC 8032 5.1.7). */
  private static boolean hasCanonicalS(byte[] signature) {
    for (int i = SIZE - 1; i >= 0; i--) {
      int s = signature[SIZE + i] & 0xff;
      int l = ORDER_LE[i] & 0xff;
      if (s != l) {
        return s < l;
      }
    }
    return false; // S == L
  }

  /** The 32 encoded bytes (a copy). */
  public byte[] bytes() {
    return encoded.clone();
  }

  /** The key in lowercase hex. */
  public String toHex() {
    return HexFormat.of().formatHex(encoded);
  }

  /** Orders keys by their bytes, unsigned: the order of validator sets and certificates. */
  @Override
  public int compareTo(Ed25519PublicKey other) {
    return Arrays.compareUnsigned(encoded, other.encoded);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Ed25519PublicKey k && Arrays.equals(encoded, k.encoded);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(encoded);
  }

  @Override
  public String toString() {
    return toHex();
  }
}
