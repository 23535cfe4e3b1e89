package io.timecoin.consensus.validation;

import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.Vote;
import io.timecoin.protocol.ValidatorSet;

/**
 * docs/protocol.md 5.4 steps 5 and 7 for a vote, run before the state machine counts it: its signer
 * is a member of the set, and its signature verifies. Chain and form are {@link MessageChecks}';
 * height, round and duplicates are the engine's, which knows where it stands (a copy it already
 * holds skips step 7).
 */
public final class VoteValidator {
  private final SignatureVerifier verifier;

  public VoteValidator(SignatureVerifier verifier) {
    this.verifier = verifier;
  }

  /** Steps 5 and 7: null when the vote is a member's and its signature verifies. */
  public Refusal validate(Vote vote, ValidatorSet set) {
    Refusal notMember = member(vote, set);
    return notMember != null ? notMember : signature(vote, set.member(vote.getValidator()));
  }

  /** Step 5: null when the signer is in {@code set}. */
  public Refusal member(Vote vote, ValidatorSet set) {
    if (set.member(vote.getValidator()) != null) {
      return null;
    }
    return new Refusal(
        ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR,
        (vote.getHeight() == set.height() ? "" : "height " + vote.getHeight() + ": ")
            + "vote signer is not in the set of height "
            + set.height());
  }

  /** Step 7: null when the vote's signature verifies with its signer's key. */
  public Refusal signature(Vote vote, ValidatorSet.Member signer) {
    if (verifier.verify(signer.key(), CanonicalBytes.vote(vote), vote.getSignature())) {
      return null;
    }
    return new Refusal(ErrorReason.ERROR_REASON_BAD_SIGNATURE, "vote signature does not verify");
  }
}
