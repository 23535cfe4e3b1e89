package io.timecoin.crypto;

import com.google.protobuf.ByteString;

/** Checks an Ed25519 signature. The node verifies directly; the simulator may memoize results. */
@FunctionalInterface
public interface SignatureVerifier {
  boolean verify(Ed25519PublicKey key, byte[] message, ByteString signature);

  /** Strict Ed25519 verification, every time. */
  SignatureVerifier ED25519 =
      (key, message, signature) -> key.verify(message, signature.toByteArray());
}
