package io.timecoin.attack;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.Hello;
import io.timecoin.protocol.ProtocolVersion;
import java.security.SecureRandom;

/**
 * The attacker's side of the peer handshake, as the nodes speak it: the dialer sends D1, the node
 * answers S bound to D1's nonce, the dialer sends D2 bound to S's nonce. The attacker signs its
 * hellos correctly; its attacks are in what it does around them (replaying a captured one, say).
 */
public final class AttackHandshake {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String chainId;
  private final ByteString genesisHash;
  private final Ed25519KeyPair key;

  public AttackHandshake(String chainId, ByteString genesisHash, Ed25519KeyPair key) {
    this.chainId = chainId;
    this.genesisHash = genesisHash;
    this.key = key;
  }

  public ByteString nodeKey() {
    return ByteString.copyFrom(key.publicKey().bytes());
  }

  /** The dialer's side: the hellos it sends, in order, as the node's hello arrives. */
  public final class Dialer {
    private final ByteString nonce = nonce();
    private final long height;
    private boolean done;

    Dialer(long height) {
      this.height = height;
    }

    /** D1: its own nonce, answering none. */
    public Hello first() {
      return hello(height, nonce, ByteString.EMPTY);
    }

    /** The node's hello S arrived: D2, bound to S's nonce; the link counts as admitted. */
    public Hello onHello(Hello fromNode) {
      done = true;
      return hello(height, nonce, fromNode.getNonce());
    }

    public boolean admitted() {
      return done;
    }
  }

  public Dialer dialer(long height) {
    return new Dialer(height);
  }

  /** The answering side (the attacker serving PeerService): S, bound to the dialer's D1. */
  public Hello answer(Hello fromDialer, long height) {
    return hello(height, nonce(), fromDialer.getNonce());
  }

  /** A signed hello of this key, claiming {@code height}. */
  public Hello hello(long height, ByteString nonce, ByteString peerNonce) {
    Hello unsigned =
        Hello.newBuilder()
            .setChainId(chainId)
            .setGenesisHash(genesisHash)
            .setProtocolVersion(ProtocolVersion.PEER)
            .setNodeKey(nodeKey())
            .setHeight(height)
            .setNonce(nonce)
            .setPeerNonce(peerNonce)
            .build();
    return unsigned.toBuilder()
        .setSignature(ByteString.copyFrom(key.sign(CanonicalBytes.hello(unsigned))))
        .build();
  }

  static ByteString nonce() {
    byte[] n = new byte[16];
    RANDOM.nextBytes(n);
    return ByteString.copyFrom(n);
  }
}
