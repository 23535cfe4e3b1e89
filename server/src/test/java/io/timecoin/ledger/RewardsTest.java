package io.timecoin.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.RewardRole;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Subsidy;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RewardsTest {
  private static Rewards.Payee payee(int key, long weight) {
    byte[] k = new byte[32];
    k[0] = (byte) key;
    byte[] a = new byte[20];
    a[0] = (byte) key;
    return new Rewards.Payee(ByteString.copyFrom(k), ByteString.copyFrom(a), weight);
  }

  @Test
  void heightOneSplitsTheSubsidyTenNinety() {
    // reward(1) = 100 TIME exactly; three equal signers, the proposer among them
    List<Rewards.Payee> signers = List.of(payee(1, 1_000), payee(2, 1_000), payee(3, 1_000));
    List<Rewards.Payment> p = Rewards.split(1, 0, signers.get(1), signers);
    // 10% = 1,000,000,000; pool 9,000,000,000 / 3 = 3,000,000,000 each, no remainder
    assertEquals(
        new Rewards.Payment(
            signers.get(1).consensusKey(),
            signers.get(1).rewardAddress(),
            1_000_000_000L,
            RewardRole.REWARD_ROLE_PROPOSER),
        p.get(0));
    for (int i = 1; i <= 3; i++) {
      assertEquals(3_000_000_000L, p.get(i).amount());
      assertEquals(RewardRole.REWARD_ROLE_SIGNER, p.get(i).role());
    }
    Transaction tx = Rewards.transaction(1, p);
    assertEquals(TransactionKind.TRANSACTION_KIND_REWARD, tx.getKind());
    assertEquals(1, tx.getReward().getHeight());
    // the proposer's two payments are one output, and outputs go by consensus key
    assertEquals(
        List.of(3_000_000_000L, 4_000_000_000L, 3_000_000_000L),
        tx.getOutputsList().stream().map(TxOutput::getAmount).toList());
  }

  @Test
  void theRemaindersOfTheDivisionGoToTheProposer() {
    // reward(2) = 16,931,471,805; weights 1, 1, 1 do not divide the pool evenly
    long reward = Subsidy.at(2);
    List<Rewards.Payee> signers = List.of(payee(1, 1), payee(2, 1), payee(3, 1));
    Rewards.Payee proposer = payee(9, 5);
    List<Rewards.Payment> p = Rewards.split(2, 0, proposer, signers);
    long base = reward / 10;
    long pool = reward * 9 / 10;
    long each = pool / 3;
    assertEquals(reward - 3 * each, p.get(0).amount(), "base plus both remainders");
    assertTrue(p.get(0).amount() > base);
    assertEquals(reward, p.stream().mapToLong(Rewards.Payment::amount).sum());
  }

  @Test
  void feesAreSharedTooAndNothingIsLostOrMadeUp() {
    Random r = new Random(7);
    for (int n = 0; n < 2_000; n++) {
      List<Rewards.Payee> signers = new ArrayList<>();
      int count = 1 + r.nextInt(30);
      for (int i = 0; i < count; i++) {
        signers.add(payee(i + 1, 1 + r.nextInt(100_000)));
      }
      long height = 1 + r.nextInt(1_000_000);
      long fees =
          switch (r.nextInt(5)) {
            case 0 -> Long.MAX_VALUE / 2;
            case 1 ->
                Long.MIN_VALUE
                    + r.nextInt(1_000_000_000); // 2^63 units and more: amounts are unsigned
            default -> r.nextInt(1_000_000_000);
          };
      Rewards.Payee proposer = r.nextBoolean() ? signers.get(r.nextInt(count)) : payee(200, 1_000);
      List<Rewards.Payment> p = Rewards.split(height, fees, proposer, signers);
      long total = p.stream().mapToLong(Rewards.Payment::amount).sum();
      assertEquals(Rewards.reward(height, fees), total, "height " + height + " fees " + fees);
      Transaction tx = Rewards.transaction(height, p);
      assertEquals(total, tx.getOutputsList().stream().mapToLong(TxOutput::getAmount).sum());
      assertTrue(
          tx.getOutputsList().stream().allMatch(o -> o.getAmount() != 0),
          "zero amounts are left out");
    }
  }

  @Test
  void aRewardThatOverflowsIsRefused() {
    assertThrows(ArithmeticException.class, () -> Rewards.reward(1, -1L)); // fees of 2^64 - 1 units
    assertThrows(IllegalArgumentException.class, () -> Rewards.split(1, 0, payee(1, 1), List.of()));
  }
}
