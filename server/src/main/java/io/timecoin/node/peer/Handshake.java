package io.timecoin.node.peer;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.crypto.InvalidKeyException;
import io.timecoin.node.ApiErrors;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.Hello;
import io.timecoin.protocol.ProtocolVersion;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.LongSupplier;

/**
 * The hello exchange that opens a Connect stream, bound to nonces so that a recorded hello cannot
 * be replayed: the dialer sends D1 {nonce n_d}; the dialed side checks it and answers S {fresh
 * nonce n_s, peer_nonce n_d}; the dialer checks S answers n_d and ends with D2 {same key, nonce
 * n_d, peer_nonce n_s}; the dialed side checks D2 answers n_s. Each side admits the other only
 * after the hello that answers its own nonce.
 */
final class Handshake {
  private static final SecureRandom RANDOM = new SecureRandom();
  static final int NONCE_BYTES = 16;

  /**
   * What one received hello leads to: a refusal, or a hello to send back, and whether the peer is
   * now admitted.
   */
  record Step(StatusRuntimeException refusal, Hello reply, Hello admitted) {
    static Step refuse(StatusRuntimeException refusal) {
      return new Step(refusal, null, null);
    }
  }

  private final String chainId;
  private final ByteString genesisHash;
  private final Ed25519KeyPair key;
  private final ByteString ownKey;
  private final LongSupplier height;

  Handshake(String chainId, ByteString genesisHash, Ed25519KeyPair key, LongSupplier height) {
    this.chainId = chainId;
    this.genesisHash = genesisHash;
    this.key = key;
    this.ownKey = ByteString.copyFrom(key.publicKey().bytes());
    this.height = height;
  }

  /** The dialing side: sends {@link Dialer#first} and expects S. */
  Dialer dialer() {
    return new Dialer(fresh());
  }

  /** The dialed side: expects D1, then D2. */
  Answerer answerer() {
    return new Answerer();
  }

  final class Dialer {
    private final ByteString nonce;
    private boolean done;

    private Dialer(ByteString nonce) {
      this.nonce = nonce;
    }

    /** D1. */
    Hello first() {
      return hello(nonce, ByteString.EMPTY);
    }

    Step next(Hello s) {
      if (done) {
        return Step.refuse(
            refusal(ErrorReason.ERROR_REASON_MALFORMED, "a hello after the handshake"));
      }
      StatusRuntimeException refused = check(s);
      if (refused == null && !s.getPeerNonce().equals(nonce)) {
        refused = notAnswered(s);
      }
      if (refused != null) {
        return Step.refuse(refused);
      }
      done = true;
      return new Step(null, hello(nonce, s.getNonce()), s);
    }
  }

  final class Answerer {
    private Hello first;
    private ByteString nonce;

    Step next(Hello h) {
      StatusRuntimeException refused = check(h);
      if (refused != null) {
        return Step.refuse(refused);
      }
      if (first == null) {
        if (!h.getPeerNonce().isEmpty()) {
          return Step.refuse(
              refusal(
                  ErrorReason.ERROR_REASON_MALFORMED, "the dialer's first hello answers no nonce"));
        }
        first = h;
        nonce = fresh();
        return new Step(null, hello(nonce, h.getNonce()), null);
      }
      if (!h.getNodeKey().equals(first.getNodeKey())) {
        return Step.refuse(
            refusal(
                ErrorReason.ERROR_REASON_INVALID_ARGUMENT, "the second hello is from another key"));
      }
      if (!h.getPeerNonce().equals(nonce)) {
        return Step.refuse(notAnswered(h));
      }
      return new Step(null, null, h);
    }
  }

  private Hello hello(ByteString nonce, ByteString peerNonce) {
    Hello unsigned =
        Hello.newBuilder()
            .setChainId(chainId)
            .setGenesisHash(genesisHash)
            .setProtocolVersion(ProtocolVersion.PEER)
            .setNodeKey(ownKey)
            .setHeight(height.getAsLong())
            .setNonce(nonce)
            .setPeerNonce(peerNonce)
            .build();
    return unsigned.toBuilder()
        .setSignature(ByteString.copyFrom(key.sign(CanonicalBytes.hello(unsigned))))
        .build();
  }

  private static ByteString fresh() {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    return ByteString.copyFrom(nonce);
  }

  /** Null when the hello is acceptable on its own; otherwise the refusal to send back. */
  private StatusRuntimeException check(Hello h) {
    if (!h.getChainId().equals(chainId)) {
      return refusal(
          ErrorReason.ERROR_REASON_WRONG_CHAIN,
          "peer is on chain '" + h.getChainId() + "', this node on '" + chainId + "'");
    }
    if (!h.getGenesisHash().equals(genesisHash)) {
      return refusal(
          ErrorReason.ERROR_REASON_GENESIS_MISMATCH,
          "peer's genesis hash "
              + hex(h.getGenesisHash())
              + " is not this node's "
              + hex(genesisHash));
    }
    if (h.getProtocolVersion() != ProtocolVersion.PEER) {
      return refusal(
          ErrorReason.ERROR_REASON_PROTOCOL_VERSION_MISMATCH,
          "peer speaks protocol " + h.getProtocolVersion() + ", this node " + ProtocolVersion.PEER);
    }
    if (h.getNonce().size() < 16 || h.getNonce().size() > 64) {
      return refusal(ErrorReason.ERROR_REASON_MALFORMED, "hello nonce must be 16 to 64 bytes");
    }
    if (h.getPeerNonce().size() > 64) {
      return refusal(
          ErrorReason.ERROR_REASON_MALFORMED, "hello peer_nonce must be at most 64 bytes");
    }
    try {
      if (!Ed25519PublicKey.of(h.getNodeKey().toByteArray())
          .verify(CanonicalBytes.hello(h), h.getSignature().toByteArray())) {
        return ApiErrors.of(
            Status.Code.UNAUTHENTICATED,
            ErrorReason.ERROR_REASON_BAD_SIGNATURE,
            "hello signature does not verify");
      }
    } catch (InvalidKeyException | MalformedException e) {
      return refusal(ErrorReason.ERROR_REASON_MALFORMED, "hello: " + e.getMessage());
    }
    if (h.getNodeKey().equals(ownKey)) {
      return refusal(ErrorReason.ERROR_REASON_INVALID_ARGUMENT, "connected to itself");
    }
    return null;
  }

  /** A well-signed hello that answers another nonce than the one this side sent: a replay. */
  private static StatusRuntimeException notAnswered(Hello h) {
    return ApiErrors.of(
        Status.Code.UNAUTHENTICATED,
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        "hello answers nonce " + hex(h.getPeerNonce()) + ", not this node's (a replayed hello?)");
  }

  static StatusRuntimeException refusal(ErrorReason reason, String message) {
    return ApiErrors.of(Status.Code.FAILED_PRECONDITION, reason, message);
  }

  /** The ErrorInfo a refusal (or any error from a peer) carries, or null. */
  static ErrorInfo errorInfo(Throwable t) {
    com.google.rpc.Status status = StatusProto.fromThrowable(t);
    if (status == null) {
      return null;
    }
    for (Any any : status.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        try {
          return any.unpack(ErrorInfo.class);
        } catch (InvalidProtocolBufferException e) {
          return null;
        }
      }
    }
    return null;
  }

  private static String hex(ByteString b) {
    return HexFormat.of().formatHex(b.toByteArray());
  }
}
