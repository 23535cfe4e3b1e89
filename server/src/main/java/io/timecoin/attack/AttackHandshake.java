package io.timecoin.attack;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.Hello;
import io.timecoin.protocol.ProtocolVersion;
import java.io.IOException;
import java.security.SecureRandom;

/**
 * The attacker's side of the peer handshake, both variants behind {@link #dialer} and
 * {@link #answerer}: {@link Variant#HELLO_FIRST} (each side sends one signed hello, unasked) and
 * {@link Variant#NONCE_BOUND} (dialer D1, answer S bound to D1's nonce, dialer D2 bound to S's).
 * {@link #VARIANT} picks the one the nodes speak: switching is that one line.
 *
 * <p>{@code peer_nonce} is field 8 of Hello. It is written as an unknown field and the hello is
 * re-parsed before signing, so the same code signs the right bytes whether or not the generated
 * Hello class knows the field yet.
 */
public final class AttackHandshake {
  public enum Variant { HELLO_FIRST, NONCE_BOUND }

  /** What the nodes under test speak. */
  public static final Variant VARIANT = Variant.HELLO_FIRST;

  static final int PEER_NONCE_FIELD = 8;
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

  /** The dialer's side: the hellos it sends, in order, as the node's hellos arrive. */
  public final class Dialer {
    private final ByteString nonce = nonce();
    private final long height;
    private boolean done;

    Dialer(long height) {
      this.height = height;
    }

    /** The first hello (D1, or the only one). */
    public Hello first() {
      return hello(height, nonce, ByteString.EMPTY);
    }

    /** The node's hello arrived: the answer to send (D2), or null when none is due; sets {@link #admitted}. */
    public Hello onHello(Hello fromNode) {
      done = true;
      if (VARIANT == Variant.HELLO_FIRST) {
        return null;
      }
      return hello(height, nonce, fromNode.getNonce());
    }

    public boolean admitted() {
      return done;
    }
  }

  public Dialer dialer(long height) {
    return new Dialer(height);
  }

  /**
   * The answering side (the attacker serving PeerService): the hellos it sends. With HELLO_FIRST
   * it sends its hello at once ({@link #opening}); with NONCE_BOUND it answers D1.
   */
  public Hello opening(long height) {
    return VARIANT == Variant.HELLO_FIRST ? hello(height, nonce(), ByteString.EMPTY) : null;
  }

  /** The answer to the dialer's first hello (null with HELLO_FIRST: the opening was it). */
  public Hello answer(Hello fromDialer, long height) {
    return VARIANT == Variant.HELLO_FIRST ? null : hello(height, nonce(), fromDialer.getNonce());
  }

  /** A signed hello of this key, claiming {@code height}. */
  public Hello hello(long height, ByteString nonce, ByteString peerNonce) {
    Hello.Builder b = Hello.newBuilder().setChainId(chainId).setGenesisHash(genesisHash)
        .setProtocolVersion(ProtocolVersion.PEER).setNodeKey(nodeKey()).setHeight(height).setNonce(nonce);
    if (!peerNonce.isEmpty()) {
      b.setUnknownFields(UnknownFieldSet.newBuilder().addField(PEER_NONCE_FIELD,
          UnknownFieldSet.Field.newBuilder().addLengthDelimited(peerNonce).build()).build());
    }
    try {
      Hello unsigned = Hello.parseFrom(b.build().toByteArray()); // field 8 lands where this Hello class keeps it
      return unsigned.toBuilder().setSignature(ByteString.copyFrom(key.sign(CanonicalBytes.hello(unsigned)))).build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The peer_nonce a hello carries (empty if none), read from its wire bytes. */
  public static ByteString peerNonce(Hello h) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(h.toByteArray());
      for (int tag; (tag = in.readTag()) != 0; ) {
        if (tag >>> 3 == PEER_NONCE_FIELD) {
          return in.readBytes();
        }
        in.skipField(tag);
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return ByteString.EMPTY;
  }

  static ByteString nonce() {
    byte[] n = new byte[16];
    RANDOM.nextBytes(n);
    return ByteString.copyFrom(n);
  }
}
