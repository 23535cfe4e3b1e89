package io.timecoin.node.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.Validator;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.ValidatorSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Only a member's valid vote ahead of the engine proves a height; a forged claim does not choose
 * the sync source.
 */
class VerifiedHeightsTest {
  private final Ed25519KeyPair member = Ed25519KeyPair.generate();
  private final Ed25519KeyPair stranger = Ed25519KeyPair.generate();
  private final ValidatorSet set =
      ValidatorSet.of(
          1,
          List.of(
              Validator.newBuilder()
                  .setKey(ByteString.copyFrom(member.publicKey().bytes()))
                  .setWeight(1)
                  .build()));

  private Vote vote(Ed25519KeyPair signer, Ed25519KeyPair claimed, long height) {
    Vote unsigned =
        Vote.newBuilder()
            .setChainId(PeerKit.CHAIN)
            .setType(VoteType.VOTE_TYPE_PRECOMMIT)
            .setHeight(height)
            .setBlockHash(ByteString.copyFrom(new byte[32]))
            .setValidator(ByteString.copyFrom(claimed.publicKey().bytes()))
            .build();
    return unsigned.toBuilder()
        .setSignature(ByteString.copyFrom(signer.sign(CanonicalBytes.vote(unsigned))))
        .build();
  }

  private long proven(Vote v, long known) {
    return VerifiedHeights.provenBy(v, PeerKit.CHAIN, 10, known, set, SignatureVerifier.ED25519);
  }

  @Test
  void aMembersVoteAheadProvesTheHeightBefore() {
    assertEquals(999_999, proven(vote(member, member, 1_000_000), 0));
  }

  @Test
  void forgedUnknownOrStaleVotesProveNothing() {
    assertEquals(-1, proven(vote(stranger, member, 1_000_000), 0), "forged signature");
    assertEquals(-1, proven(vote(stranger, stranger, 1_000_000), 0), "not a member");
    assertEquals(-1, proven(vote(member, member, 10), 0), "not ahead of the engine");
    assertEquals(
        -1, proven(vote(member, member, 50), 60), "no more than known already: not verified again");
    Vote otherChain = vote(member, member, 50).toBuilder().setChainId("other").build();
    assertEquals(-1, proven(otherChain, 0));
  }
}
