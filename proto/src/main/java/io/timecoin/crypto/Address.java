package io.timecoin.crypto;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * An address: the first 20 bytes of SHA-256 of an Ed25519 public key, written as bech32m with the
 * human-readable part "time" on mainnet and "timet" on every other chain (docs/protocol.md 1). The
 * data part is the 20 bytes regrouped into 5-bit values, with no witness version.
 */
public final class Address {
  /** An address is 20 bytes. */
  public static final int SIZE = 20;

  /** The chain id of the main network: the only chain whose addresses start "time1". */
  public static final String MAINNET_CHAIN_ID = "timecoin-mainnet";

  public static final String MAINNET_HRP = "time";
  public static final String TESTNET_HRP = "timet";

  private final byte[] bytes;

  private Address(byte[] bytes) {
    this.bytes = bytes;
  }

  /** The address of a public key. */
  public static Address of(Ed25519PublicKey key) {
    return new Address(Arrays.copyOf(Sha256.hash(key.bytes()), SIZE));
  }

  /**
   * The address of the 32 bytes of a public key, without decoding the key: what an owner check
   * needs once the key's signature has been verified (which decoded and validated it).
   */
  public static Address ofKeyBytes(byte[] publicKey) {
    if (publicKey == null || publicKey.length != Ed25519PublicKey.SIZE) {
      throw new IllegalArgumentException("a public key is " + Ed25519PublicKey.SIZE + " bytes");
    }
    return new Address(Arrays.copyOf(Sha256.hash(publicKey), SIZE));
  }

  /** The address with these 20 raw bytes. */
  public static Address fromBytes(byte[] bytes) {
    if (bytes == null || bytes.length != SIZE) {
      throw new IllegalArgumentException("an address is " + SIZE + " bytes");
    }
    return new Address(bytes.clone());
  }

  /**
   * Parses a bech32m address of the chain {@code chainId}.
   *
   * @throws IllegalArgumentException naming what is wrong: checksum, prefix, length
   */
  public static Address parse(String text, String chainId) {
    Bech32m.Decoded decoded;
    try {
      decoded = Bech32m.decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "not a bech32m address (" + e.getMessage() + "): " + text, e);
    }
    String expected = hrp(chainId);
    if (!decoded.hrp().equals(expected)) {
      throw new IllegalArgumentException(
          "address prefix '"
              + decoded.hrp()
              + "' is not '"
              + expected
              + "' of chain "
              + chainId
              + ": "
              + text);
    }
    byte[] raw = Bech32m.convertBits(decoded.data(), 5, 8, false);
    if (raw.length != SIZE) {
      throw new IllegalArgumentException(
          "an address holds " + SIZE + " bytes, this one " + raw.length + ": " + text);
    }
    return new Address(raw);
  }

  /** The human-readable part of the addresses of a chain. */
  public static String hrp(String chainId) {
    return MAINNET_CHAIN_ID.equals(chainId) ? MAINNET_HRP : TESTNET_HRP;
  }

  /** The bech32m form on the chain {@code chainId}. */
  public String toBech32m(String chainId) {
    return Bech32m.encode(hrp(chainId), Bech32m.convertBits(bytes, 8, 5, true));
  }

  /** The 20 raw bytes (a copy). */
  public byte[] bytes() {
    return bytes.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Address a && Arrays.equals(bytes, a.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return HexFormat.of().formatHex(bytes);
  }
}
