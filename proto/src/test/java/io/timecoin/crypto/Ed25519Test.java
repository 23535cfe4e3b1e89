package io.timecoin.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Ed25519Test {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] ORDER_LE =
      HEX.parseHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

  /** RFC 8032 section 7.1, TEST 1 to 3: secret key, public key, message, signature. */
  @ParameterizedTest(name = "RFC 8032 7.1 vector {index}")
  @CsvSource({
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60,"
        + "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a,,"
        + "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb,"
        + "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c,72,"
        + "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7,"
        + "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025,af82,"
        + "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
  })
  void rfc8032Vectors(String secret, String pub, String message, String signature) {
    byte[] msg = message == null ? new byte[0] : HEX.parseHex(message);
    Ed25519KeyPair key = Ed25519KeyPair.fromSeed(HEX.parseHex(secret));
    assertEquals(pub, key.publicKey().toHex());
    assertEquals(signature, HEX.formatHex(key.sign(msg)));
    assertTrue(Ed25519PublicKey.of(HEX.parseHex(pub)).verify(msg, HEX.parseHex(signature)));
  }

  @Test
  void aFlippedBitAnywhereInTheSignatureFails() {
    Ed25519KeyPair key = Ed25519KeyPair.generate();
    byte[] msg = "vote".getBytes(StandardCharsets.UTF_8);
    byte[] sig = key.sign(msg);
    for (int bit = 0; bit < sig.length * 8; bit++) {
      byte[] bad = sig.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      assertFalse(key.publicKey().verify(msg, bad), "bit " + bit);
    }
  }

  @Test
  void aFlippedBitAnywhereInTheMessageFails() {
    Ed25519KeyPair key = Ed25519KeyPair.generate();
    byte[] msg = "TIMECOIN/v1/VOTE precommit".getBytes(StandardCharsets.UTF_8);
    byte[] sig = key.sign(msg);
    for (int bit = 0; bit < msg.length * 8; bit++) {
      byte[] bad = msg.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      assertFalse(key.publicKey().verify(bad, sig), "bit " + bit);
    }
  }

  @Test
  void aFlippedBitAnywhereInThePublicKeyFails() {
    Ed25519KeyPair key = Ed25519KeyPair.generate();
    byte[] msg = "proposal".getBytes(StandardCharsets.UTF_8);
    byte[] sig = key.sign(msg);
    byte[] pub = key.publicKey().bytes();
    for (int bit = 0; bit < pub.length * 8; bit++) {
      byte[] bad = pub.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      boolean verified;
      try {
        verified = Ed25519PublicKey.of(bad).verify(msg, sig);
      } catch (InvalidKeyException notAPoint) {
        verified = false;
      }
      assertFalse(verified, "bit " + bit);
    }
  }

  @Test
  void aNonCanonicalSIsRefused() {
    Ed25519KeyPair key = Ed25519KeyPair.generate();
    byte[] msg = "same equation, S + L".getBytes(StandardCharsets.UTF_8);
    byte[] sig = key.sign(msg);
    assertTrue(key.publicKey().verify(msg, sig));
    // S + L satisfies [S]B = R + [k]A just as S does: only the range check refuses it.
    assertFalse(key.publicKey().verify(msg, addOrder(sig)));
    // S = L exactly, and S all ones, are out of range too.
    byte[] sIsOrder = sig.clone();
    System.arraycopy(ORDER_LE, 0, sIsOrder, 32, 32);
    assertFalse(key.publicKey().verify(msg, sIsOrder));
    byte[] sMax = sig.clone();
    java.util.Arrays.fill(sMax, 32, 64, (byte) 0xff);
    assertFalse(key.publicKey().verify(msg, sMax));
  }

  @Test
  void wrongSizedSignaturesFail() {
    Ed25519KeyPair key = Ed25519KeyPair.generate();
    byte[] msg = {1, 2, 3};
    byte[] sig = key.sign(msg);
    assertFalse(key.publicKey().verify(msg, java.util.Arrays.copyOf(sig, 63)));
    assertFalse(key.publicKey().verify(msg, java.util.Arrays.copyOf(sig, 65)));
    assertFalse(key.publicKey().verify(msg, null));
  }

  @Test
  void malformedAndSmallOrderKeysAreRefused() {
    // the identity point (y = 1): small order, it would verify one signature for many messages
    assertThrows(
        InvalidKeyException.class,
        () ->
            Ed25519PublicKey.of(
                HEX.parseHex("0100000000000000000000000000000000000000000000000000000000000000")));
    // a point of order 2 (y = -1)
    assertThrows(
        InvalidKeyException.class,
        () ->
            Ed25519PublicKey.of(
                HEX.parseHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")));
    // y = p: not a canonical encoding
    assertThrows(
        InvalidKeyException.class,
        () ->
            Ed25519PublicKey.of(
                HEX.parseHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")));
    assertThrows(InvalidKeyException.class, () -> Ed25519PublicKey.of(new byte[31]));
    assertThrows(InvalidKeyException.class, () -> Ed25519KeyPair.fromSeed(new byte[31]));
  }

  @Test
  void keysCompareByUnsignedBytes() {
    Ed25519PublicKey a = Ed25519KeyPair.fromSeed(new byte[32]).publicKey();
    Ed25519PublicKey b = Ed25519PublicKey.of(a.bytes());
    assertEquals(a, b);
    assertEquals(0, a.compareTo(b));
    assertArrayEquals(a.bytes(), b.bytes());
  }

  private static byte[] addOrder(byte[] sig) {
    byte[] out = sig.clone();
    int carry = 0;
    for (int i = 0; i < 32; i++) {
      int sum = (sig[32 + i] & 0xff) + (ORDER_LE[i] & 0xff) + carry;
      out[32 + i] = (byte) sum;
      carry = sum >>> 8;
    }
    return out;
  }
}
