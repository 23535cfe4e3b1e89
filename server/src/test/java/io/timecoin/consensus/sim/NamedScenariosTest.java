package io.timecoin.consensus.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.consensus.sim.Scenario.Behaviour;
import io.timecoin.consensus.sim.Scenario.Crash;
import io.timecoin.consensus.sim.Scenario.Heal;
import io.timecoin.consensus.sim.Scenario.Partition;
import io.timecoin.consensus.sim.Scenario.Restart;
import io.timecoin.consensus.sim.Scenario.Speak;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The plan of the first prototype, as scenarios in the simulator; every invariant holds in each.
 */
class NamedScenariosTest {
  private static Simulation.Result run(Scenario s) {
    Simulation.Result r = Simulation.run(s);
    assertTrue(r.ok(), () -> s.summary() + "\n" + String.join("\n", r.violations()));
    return r;
  }

  @Test
  void fourEqualValidatorsFinalize() {
    Simulation.Result r =
        run(Scenario.equalValidators("four equal", 4).liveAfter(0, 10_000, 20).build());
    assertTrue(r.minHonestHeight() >= 20, "heights " + r.finalHeights());
    assertTrue(
        r.transfers() >= r.minHonestHeight(), "blocks carry signed transfers: " + r.transfers());
  }

  @Test
  void oneOfFourDownBlocksStillFinal() {
    Simulation.Result r =
        run(
            Scenario.equalValidators("one of four down", 4)
                .fault(new Crash(0, 3))
                .liveAfter(0, 15_000, 10)
                .build());
    assertTrue(r.minHonestHeight() >= 10, "heights " + r.finalHeights());
  }

  @Test
  void aTwoTwoPartitionFinalizesNothingAndResumesAfterTheHeal() {
    Simulation.Result r =
        run(
            Scenario.equalValidators("2|2 partition", 4)
                .fault(new Partition(0, List.of(Set.of(0, 1), Set.of(2, 3))))
                .fault(new Heal(10_000))
                .liveAfter(10_000, 25_000, 5)
                .build());
    assertEquals(0, r.heightAtHeal(), "no side of a 2|2 split holds more than two thirds");
    assertTrue(r.minHonestHeight() >= 5, "heights " + r.finalHeights());
  }

  /**
   * Three equal validators with one down finalize nothing: a quorum needs 3*S > 2*W
   * (docs/protocol.md 4.2), and two of three is exactly two thirds, not more. The first prototype's
   * "2 of 3" would let one Byzantine validator finalize two different blocks with each of the
   * others.
   */
  @Test
  void threeEqualValidatorsWithOneDownFinalizeNothing() {
    Simulation.Result r =
        run(
            Scenario.equalValidators("3 with one down", 3)
                .fault(new Crash(0, 2))
                .safetyOnly(15_000)
                .build());
    assertEquals(List.of(0L, 0L, -1L), r.finalHeights());
  }

  @Test
  void theProposerCrashesMidRoundAndALaterRoundsProposerFinalizes() {
    // the first proposer of height 1 sends its proposal to nobody but itself, then dies
    Simulation.Result r =
        run(
            Scenario.equalValidators("proposer crash", 4)
                .blockInterval(1_000)
                .fault(new Partition(0, List.of(Set.of(0), Set.of(1), Set.of(2), Set.of(3))))
                .fault(new Crash(1_050, 0))
                .fault(new Crash(1_050, 1))
                .fault(new Restart(1_100, 1))
                .fault(new Heal(1_100))
                .liveAfter(1_100, 15_000, 3)
                .build());
    assertTrue(r.minHonestHeight() >= 3, "heights " + r.finalHeights());
  }

  @Test
  void anEquivocatingProposerCannotProduceTwoFinalizedBlocks() {
    Simulation.Result r =
        run(
            Scenario.equalValidators("equivocating proposer", 4)
                .behaviour(0, Behaviour.EQUIVOCATING_PROPOSER)
                .liveAfter(0, 20_000, 10)
                .build());
    assertTrue(r.evidence() > 0, "the equivocation was reported");
  }

  @Test
  void aSilentValidatorWithAThirdOfTheStakeHaltsTheChainSafelyAndItResumes() {
    // 34% silent: the other 66% are not more than two thirds
    Simulation.Result r =
        run(
            Scenario.equalValidators("34% silent", 3)
                .weights(3_300, 3_300, 3_400)
                .behaviour(2, Behaviour.SILENT)
                .fault(new Speak(8_000, 2))
                .liveAfter(8_000, 20_000, 5)
                .build());
    assertEquals(0, r.heightAtHeal(), "nothing final while the 34% is silent");
    assertTrue(r.minHonestHeight() >= 5, "heights " + r.finalHeights());
  }

  /**
   * A relayer that is no validator hands two of four validators (f+1: the other two are no quorum)
   * every proposal with its body tampered, header and signature untouched, just before the genuine
   * copy. The tampered copy must not stand for the block's hash: the genuine one still counts, so
   * the chain keeps finalizing, and every honest node holds the proposer's very bytes.
   */
  @Test
  void aTamperedBodyRelayedFirstDoesNotHaltTheChain() {
    Simulation.Result r =
        run(
            Scenario.equalValidators("tampered body relayed first", 4)
                .addNode(-1, Behaviour.TAMPERING_RELAYER)
                .liveAfter(0, 20_000, 10)
                .build());
    assertTrue(r.minHonestHeight() >= 10, "heights " + r.finalHeights());
    assertTrue(r.count("INVALID_BLOCK") > 0, "tampered bodies were refused: " + r.verdicts());
  }

  /**
   * The same relayer as one of the f: it also votes, proposes, and serves tampered bodies to
   * catch-up.
   */
  @Test
  void aValidatorRelayingTamperedBodiesFirstDoesNotHaltTheChain() {
    Simulation.Result r =
        run(
            Scenario.equalValidators("tampered body relayed first by a validator", 4)
                .behaviour(3, Behaviour.TAMPERING_RELAYER)
                .fault(new Crash(2_000, 0))
                .fault(new Restart(4_000, 0)) // a node that catches up, partly from it
                .liveAfter(4_000, 20_000, 10)
                .build());
    assertTrue(r.minHonestHeight() >= 10, "heights " + r.finalHeights());
  }

  @Test
  void aNonMembersVotesNeverCount() {
    Simulation.Result r =
        run(
            Scenario.equalValidators("outsider", 4)
                .addNode(-1, Behaviour.OUTSIDER)
                .liveAfter(0, 10_000, 10)
                .build());
    assertTrue(r.count("UNKNOWN_VALIDATOR") > 0, "forged votes were refused: " + r.verdicts());
    assertTrue(r.count("BAD_SIGNATURE") > 0, "bad signatures were refused: " + r.verdicts());
  }
}
