package io.timecoin.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.proto.v1.Hello;
import org.junit.jupiter.api.Test;

class AttackHandshakeTest {
  private final Ed25519KeyPair key = Ed25519KeyPair.generate();
  private final AttackHandshake hs =
      new AttackHandshake("timecoin-devnet", ByteString.copyFrom(new byte[32]), key);

  /** The answer to a nonce carries it, and the signature covers the hello as the node parses it. */
  @Test
  void aHelloAnsweringANonceCarriesItAndVerifies() throws Exception {
    ByteString theirs = AttackHandshake.nonce();
    Hello h = hs.hello(7, AttackHandshake.nonce(), theirs);
    assertEquals(theirs, h.getPeerNonce());
    Hello asReceived = Hello.parseFrom(h.toByteArray());
    assertTrue(
        Ed25519PublicKey.of(key.publicKey().bytes())
            .verify(CanonicalBytes.hello(asReceived), h.getSignature().toByteArray()));
  }

  @Test
  void aFirstHelloHasNoPeerNonce() {
    Hello h = hs.dialer(0).first();
    assertEquals(ByteString.EMPTY, h.getPeerNonce());
    assertEquals(16, h.getNonce().size());
  }
}
