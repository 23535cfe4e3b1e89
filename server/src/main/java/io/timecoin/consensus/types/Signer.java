package io.timecoin.consensus.types;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.Optional;

/**
 * Signs this validator's proposals and votes, never two that conflict (PROTOCOL.md 5.6): before a
 * signature is returned, what it signs is recorded durably; anything that conflicts with the record
 * is refused with an empty answer.
 */
public interface Signer {
  /** The consensus key. */
  ByteString publicKey();

  /** The signature of {@code canonicalBytes}, which encode {@code step}; empty when refused. */
  Optional<ByteString> sign(SignedStep step, byte[] canonicalBytes);

  /** The lock this validator held when it last signed at {@code height}, if any (see SignerRecord). */
  Optional<Lock> lockAt(long height);

  /** The steps signed at {@code height}, in order: what a restarted validator had sent there. */
  List<SignedStep> signedAt(long height);

  /** A lock restored across a restart: the round and the hash of the block precommitted. */
  record Lock(int round, ByteString blockHash) {}
}
