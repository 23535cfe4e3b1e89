package io.timecoin.crypto;

import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/** An Ed25519 signing key (its 32-byte seed, RFC 8032's private key) and its public key. */
public final class Ed25519KeyPair {
  /** A seed is 32 bytes. */
  public static final int SEED_SIZE = Ed25519.SECRET_KEY_SIZE;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] seed;
  private final byte[] publicKeyBytes;
  private final Ed25519PublicKey publicKey;

  private Ed25519KeyPair(byte[] seed) {
    this.seed = seed;
    this.publicKeyBytes = new byte[Ed25519PublicKey.SIZE];
    Ed25519.generatePublicKey(seed, 0, publicKeyBytes, 0);
    this.publicKey = Ed25519PublicKey.of(publicKeyBytes);
  }

  /** The key pair of this seed (RFC 8032 5.1.5). */
  public static Ed25519KeyPair fromSeed(byte[] seed) {
    if (seed == null || seed.length != SEED_SIZE) {
      throw new InvalidKeyException("an Ed25519 seed is " + SEED_SIZE + " bytes");
    }
    return new Ed25519KeyPair(seed.clone());
  }

  /** A new key pair from the system's secure random source. */
  public static Ed25519KeyPair generate() {
    byte[] seed = new byte[SEED_SIZE];
    RANDOM.nextBytes(seed);
    return new Ed25519KeyPair(seed);
  }

  /** The deterministic Ed25519 signature (64 bytes) of {@code message}. */
  public byte[] sign(byte[] message) {
    byte[] signature = new byte[Ed25519PublicKey.SIGNATURE_SIZE];
    Ed25519.sign(seed, 0, publicKeyBytes, 0, message, 0, message.length, signature, 0);
    return signature;
  }

  public Ed25519PublicKey publicKey() {
    return publicKey;
  }

  /** The secret seed (a copy); only key files should need it. */
  public byte[] seed() {
    return seed.clone();
  }

  /** Overwrites the seed in memory, for a key that is no longer needed. */
  public void destroy() {
    Arrays.fill(seed, (byte) 0);
  }

  @Override
  public String toString() {
    return "Ed25519KeyPair(" + publicKey.toHex() + ")"; // never the seed
  }
}
