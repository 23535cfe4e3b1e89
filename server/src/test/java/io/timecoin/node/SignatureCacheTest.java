package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.crypto.Ed25519KeyPair;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SignatureCacheTest {
  private final Ed25519KeyPair alice = Ed25519KeyPair.generate();
  private final Ed25519KeyPair bob = Ed25519KeyPair.generate();
  private final byte[] message = "precommit h=7".getBytes(StandardCharsets.UTF_8);
  private final ByteString signature = ByteString.copyFrom(alice.sign(message));

  @Test
  void aSignatureIsVerifiedOnceThenFoundAgain() {
    SignatureCache cache = new SignatureCache(16);
    assertTrue(cache.verify(alice.publicKey(), message, signature));
    assertTrue(cache.verify(alice.publicKey(), message.clone(), signature));
    assertEquals(1, cache.verifications());
    assertEquals(1, cache.hits());
  }

  @Test
  void aRememberedSignatureDoesNotPassForAnotherKeyOrMessage() {
    SignatureCache cache = new SignatureCache(16);
    assertTrue(cache.verify(alice.publicKey(), message, signature));
    assertFalse(cache.verify(bob.publicKey(), message, signature));
    assertFalse(
        cache.verify(
            alice.publicKey(), "precommit h=8".getBytes(StandardCharsets.UTF_8), signature));
    assertEquals(0, cache.hits());
  }

  @Test
  void anInvalidSignatureIsNeverRemembered() {
    SignatureCache cache = new SignatureCache(16);
    byte[] bad = signature.toByteArray();
    bad[3] ^= 1;
    ByteString badSignature = ByteString.copyFrom(bad);
    assertFalse(cache.verify(alice.publicKey(), message, badSignature));
    assertFalse(cache.verify(alice.publicKey(), message, badSignature));
    assertEquals(2, cache.verifications());
  }

  @Test
  void theOldestEntriesGoFirst() {
    SignatureCache cache = new SignatureCache(2);
    byte[][] messages = new byte[3][];
    ByteString[] signatures = new ByteString[3];
    for (int i = 0; i < 3; i++) {
      messages[i] = ("m" + i).getBytes(StandardCharsets.UTF_8);
      signatures[i] = ByteString.copyFrom(alice.sign(messages[i]));
      assertTrue(cache.verify(alice.publicKey(), messages[i], signatures[i]));
    }
    assertTrue(cache.verify(alice.publicKey(), messages[2], signatures[2]));
    assertEquals(1, cache.hits());
    assertTrue(
        cache.verify(alice.publicKey(), messages[0], signatures[0])); // evicted: verified again
    assertEquals(1, cache.hits());
    assertEquals(4, cache.verifications());
  }
}
