package io.timecoin.node.peer;

import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.Vote;
import io.timecoin.protocol.ValidatorSet;

/**
 * Which heights a peer's messages prove. A vote for height h, signed by a member of the current
 * set, proves its signer finalized h - 1. The engine verifies the votes it accepts; the ones for a
 * height beyond it (buffered, or refused as too far ahead) it does not, so they are checked here
 * before they may count: a forged vote claiming a huge height must not choose the sync source nor
 * make the node believe it is behind.
 */
public final class VerifiedHeights {
  private VerifiedHeights() {}

  /**
   * The height {@code vote} proves, or -1 when it proves nothing new: not ahead of {@code
   * engineHeight}, not beyond what {@code known} already proves, another chain, or not a member's
   * valid signature. Verified once per height a peer claims, not per vote.
   */
  public static long provenBy(
      Vote vote,
      String chainId,
      long engineHeight,
      long known,
      ValidatorSet set,
      SignatureVerifier verifier) {
    long proven = vote.getHeight() - 1;
    if (vote.getHeight() <= engineHeight || proven <= known || !vote.getChainId().equals(chainId)) {
      return -1;
    }
    ValidatorSet.Member member = set.member(vote.getValidator());
    try {
      return member != null
              && verifier.verify(member.key(), CanonicalBytes.vote(vote), vote.getSignature())
          ? proven
          : -1;
    } catch (MalformedException e) {
      return -1;
    }
  }
}
