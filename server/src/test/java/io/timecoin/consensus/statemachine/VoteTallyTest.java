package io.timecoin.consensus.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.statemachine.VoteTally.Threshold;
import io.timecoin.proto.v1.Validator;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tally counts, and reports each threshold once: the first time it is asked after the threshold
 * was crossed.
 */
class VoteTallyTest {
  private static final ByteString BLOCK = key(6);

  private static ByteString key(int i) {
    return ByteString.copyFrom(
        io.timecoin.crypto.Ed25519KeyPair.fromSeed(
                io.timecoin.crypto.Sha256.hash(
                    ("tally " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)))
            .publicKey()
            .bytes());
  }

  private static final ValidatorSet SET;

  static {
    List<Validator> validators = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      validators.add(Validator.newBuilder().setKey(key(i)).setWeight(1_000).build());
    }
    SET = ValidatorSet.of(1, validators);
  }

  private static Vote vote(int i, ByteString hash, int sig) {
    return Vote.newBuilder()
        .setType(VoteType.VOTE_TYPE_PREPARE)
        .setHeight(1)
        .setBlockHash(hash)
        .setValidator(key(i))
        .setSignature(ByteString.copyFrom(new byte[] {(byte) sig}))
        .build();
  }

  @Test
  void eachThresholdIsReportedOnceAfterItIsCrossed() {
    VoteTally tally = new VoteTally(SET);
    tally.add(vote(0, BLOCK, 0), 1_000);
    tally.add(vote(1, BLOCK, 0), 1_000);
    tally.add(vote(2, Hashes.NIL, 0), 1_000);
    assertFalse(tally.firstCrossed(Threshold.quorumFor(BLOCK)), "two of four is no quorum");
    assertTrue(tally.firstCrossed(Threshold.ANY), "three of four, split, is a quorum of any kind");
    assertFalse(tally.firstCrossed(Threshold.ANY), "reported once");
    assertFalse(tally.firstCrossed(Threshold.SOME_VALUE));
    tally.add(vote(3, BLOCK, 0), 1_000);
    assertTrue(tally.firstCrossed(Threshold.SOME_VALUE));
    assertTrue(tally.firstCrossed(Threshold.quorumFor(BLOCK)), "each threshold on its own");
    assertFalse(tally.firstCrossed(Threshold.quorumFor(BLOCK)));
    assertFalse(tally.firstCrossed(Threshold.quorumFor(Hashes.NIL)));
    assertEquals(BLOCK, tally.quorumHash());
  }

  @Test
  void anEquivocatorsSecondVoteCountsForItsOwnBlockOnly() {
    VoteTally tally = new VoteTally(SET);
    assertEquals(VoteTally.Added.NEW, tally.add(vote(0, Hashes.NIL, 0), 1_000));
    assertEquals(VoteTally.Added.CONFLICT, tally.add(vote(0, BLOCK, 1), 1_000));
    assertEquals(VoteTally.Added.DUPLICATE, tally.add(vote(0, BLOCK, 1), 1_000));
    tally.add(vote(1, BLOCK, 0), 1_000);
    tally.add(vote(2, BLOCK, 0), 1_000);
    assertTrue(tally.hasQuorumFor(BLOCK), "with the equivocator's second vote, three of four");
    assertTrue(
        tally.firstCrossed(Threshold.ANY),
        "three distinct validators: the second vote adds no weight to the total");
    assertEquals(1_000, tally.weightFor(Hashes.NIL));
    assertEquals(3_000, tally.weightFor(BLOCK));
  }
}
