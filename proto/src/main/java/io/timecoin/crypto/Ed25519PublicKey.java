package io.timecoin.crypto;

import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * A validated Ed25519 public key that verifies signatures strictly (PROTOCOL.md 1).
 *
 * <p>Strict means: the key is a canonical encoding of a point on the curve in the prime-order
 * subgroup (so small-order keys, which would verify one signature for many messages, are refused
 * when the key is made); a signature's S is below the group order L; its R is a canonical point
 * encoding; and the cofactorless equation [S]B = R + [k]A holds. The key is decoded once, here, so
 * verifying many votes of one validator does not pay for decoding it again.
 */
public final class Ed25519PublicKey implements Comparable<Ed25519PublicKey> {
  /** A public key is 32 bytes. */
  public static final int SIZE = Ed25519.PUBLIC_KEY_SIZE;
  /** A signature is 64 bytes: R (32) then S (32, little-endian). */
  public static final int SIGNATURE_SIZE = Ed25519.SIGNATURE_SIZE;

  /** The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
  private static final byte[] ORDER_LE = HexFormat.of().parseHex(
      "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

  private final byte[] encoded;
  private final Ed25519.PublicPoint point;

  private Ed25519PublicKey(byte[] encoded, Ed25519.PublicPoint point) {
    this.encoded = encoded;
    this.point = point;
  }

  /**
   * The key with these 32 bytes.
   *
   * @throws InvalidKeyException when the bytes are not 32, not a canonical point encoding, not on
   *     the curve, or not in the prime-order subgroup
   */
  public static Ed25519PublicKey of(byte[] encoded) {
    if (encoded == null || encoded.length != SIZE) {
      throw new InvalidKeyException("an Ed25519 public key is " + SIZE + " bytes, got "
          + (encoded == null ? "none" : encoded.length));
    }
    Ed25519.PublicPoint point = Ed25519.validatePublicKeyFullExport(encoded, 0);
    if (point == null) {
      throw new InvalidKeyException("not a valid Ed25519 public key: "
          + HexFormat.of().formatHex(encoded));
    }
    return new Ed25519PublicKey(encoded.clone(), point);
  }

  /** True when {@code signature} is this key's valid signature of {@code message}. */
  public boolean verify(byte[] message, byte[] signature) {
    if (signature == null || signature.length != SIGNATURE_SIZE || !hasCanonicalS(signature)) {
      return false;
    }
    return Ed25519.verify(signature, 0, point, message, 0, message.length);
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
