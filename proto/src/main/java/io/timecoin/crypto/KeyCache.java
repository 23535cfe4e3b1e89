package io.timecoin.crypto;

import com.google.protobuf.ByteString;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decoded public keys by their 32 bytes. Decoding a key strictly (point decompression and the
 * prime-order check) costs about as much as verifying a signature, and wallets sign many
 * transactions with one key: each distinct key is decoded once. Bounded: when full it starts over,
 * which costs only re-decoding. Thread-safe.
 */
public final class KeyCache {
  private final int capacity;
  private final ConcurrentHashMap<ByteString, Ed25519PublicKey> keys = new ConcurrentHashMap<>();

  public KeyCache(int capacity) {
    this.capacity = capacity;
  }

  /**
   * The decoded key.
   *
   * @throws InvalidKeyException for bytes that are not a valid key (never cached)
   */
  public Ed25519PublicKey get(ByteString encoded) {
    Ed25519PublicKey key = keys.get(encoded);
    if (key == null) {
      key = Ed25519PublicKey.of(encoded.toByteArray());
      if (keys.size() >= capacity) {
        keys.clear();
      }
      keys.put(encoded, key);
    }
    return key;
  }
}
