package io.timecoin.consensus.types;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Vote;
import java.util.List;
import java.util.Optional;

/**
 * Signs this validator's proposals and votes, never two that conflict (docs/protocol.md 5.6):
 * before a signature is returned, what it signs is recorded durably; anything that conflicts with
 * the record is refused with an empty answer.
 */
public interface Signer {
  /** The consensus key. */
  ByteString publicKey();

  /**
   * The signature of {@code canonicalBytes}, which encode {@code step}; empty when refused. A
   * precommit for a block comes with the lock it takes ({@code lock}, else null), which is recorded
   * with it: a validator restarted mid-height must still honour its lock, and be able to re-propose
   * the locked block with its proof, or the others could wait for it forever.
   */
  Optional<ByteString> sign(SignedStep step, byte[] canonicalBytes, Lock lock);

  /** The lock this validator held when it last signed at {@code height}, if any. */
  Optional<Lock> lockAt(long height);

  /** The steps signed at {@code height}, in order: what a restarted validator had sent there. */
  List<SignedStep> signedAt(long height);

  /**
   * A lock: the round, the proposal of the block precommitted, and the quorum of prepares for it.
   */
  record Lock(int round, Proposal proposal, List<Vote> proof) {
    public Lock {
      proof = List.copyOf(proof);
    }
  }
}
