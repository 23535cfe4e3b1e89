package io.timecoin.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.proto.v1.Validator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ValidatorSetTest {
  private static ByteString key(int i) {
    return ByteString.copyFrom(
        Ed25519KeyPair.fromSeed(Sha256.hash(new byte[] {(byte) i})).publicKey().bytes());
  }

  private static ValidatorSet set(long... weights) {
    List<Validator> vs = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      vs.add(Validator.newBuilder().setKey(key(i)).setWeight(weights[i]).build());
    }
    return ValidatorSet.of(1, vs);
  }

  @Test
  void aQuorumIsStrictlyMoreThanTwoThirds() {
    ValidatorSet three = set(1, 1, 1);
    assertFalse(
        three.isQuorum(2), "two of three equal validators are exactly two thirds: not a quorum");
    assertTrue(three.isQuorum(3));
    ValidatorSet four = set(1, 1, 1, 1);
    assertTrue(four.isQuorum(3), "four validators tolerate one fault");
    assertFalse(four.isQuorum(2));
    ValidatorSet unequal = set(3_300, 3_300, 3_400);
    assertFalse(unequal.isQuorum(6_600), "66% is not more than two thirds");
    assertTrue(unequal.isQuorum(6_700));
    assertTrue(unequal.exceedsOneThird(3_400));
    assertFalse(unequal.exceedsOneThird(3_300));
  }

  @Test
  void aKeyOutsideTheSetHasNoWeight() {
    assertNull(set(1, 1, 1, 1).member(key(99)));
  }

  @Test
  void badSetsAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> ValidatorSet.of(1, List.of()));
    assertThrows(IllegalArgumentException.class, () -> set(1, 0));
    Validator v = Validator.newBuilder().setKey(key(0)).setWeight(1).build();
    assertThrows(IllegalArgumentException.class, () -> ValidatorSet.of(1, List.of(v, v)));
    assertThrows(IllegalArgumentException.class, () -> set(ValidatorSet.MAX_TOTAL_WEIGHT, 1));
  }

  @Test
  void proposersAreDrawnInProportionToStake() {
    ValidatorSet s = set(1_000, 2_000, 3_000, 4_000);
    Map<ByteString, Integer> counts = new HashMap<>();
    int draws = 20_000;
    for (int r = 0; r < draws; r++) {
      counts.merge(s.proposer("timecoin-test", 5, r).keyBytes(), 1, Integer::sum);
    }
    for (ValidatorSet.Member m : s.members()) {
      double expected = draws * m.weight() / (double) s.totalWeight();
      double got = counts.getOrDefault(m.keyBytes(), 0);
      // 5 standard deviations of a binomial count: a wrong walk or modulus lands far outside
      double sd = Math.sqrt(expected * (1 - m.weight() / (double) s.totalWeight()));
      assertTrue(Math.abs(got - expected) < 5 * sd, m.weight() + ": " + got + " vs " + expected);
    }
    assertEquals(
        s.proposer("timecoin-test", 5, 3), s.proposer("timecoin-test", 5, 3), "deterministic");
  }
}
