package io.timecoin.ledger;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.RewardPayload;
import io.timecoin.proto.v1.RewardRole;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.ProtocolVersion;
import io.timecoin.protocol.Subsidy;
import io.timecoin.protocol.Units;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reward of a block (docs/protocol.md 4.4): reward(h) = subsidy(h) + the block's fees, paid by
 * the block's REWARD transaction.
 *
 * <p>How it splits, exactly (the protocol's words made arithmetic):
 *
 * <ul>
 *   <li>the proposer's base = floor(reward / 10);
 *   <li>the signers' pool = floor(reward * 9 / 10); each signer of the block's last certificate (at
 *       height 1: every member of the genesis set) gets floor(pool * weight / signed weight);
 *   <li>whatever those floors leave (reward - base - the signers' shares) also goes to the
 *       proposer.
 * </ul>
 *
 * A masternode paid in both roles gets one output with the sum; outputs go to each masternode's
 * reward address, ordered by consensus key (unsigned bytes), and zero amounts are left out. Every
 * unit of the reward is paid: the outputs sum to reward(h) exactly.
 */
public final class Rewards {
  private Rewards() {}

  /** A masternode that may be paid: its consensus key, its reward address, its weight. */
  public record Payee(ByteString consensusKey, ByteString rewardAddress, long weight) {}

  /** One payment, with why it was made (the client API shows this breakdown). */
  public record Payment(
      ByteString consensusKey, ByteString rewardAddress, long amount, RewardRole role) {}

  /** reward(h) = subsidy(h) + fees, refused if it overflows 64 bits. */
  public static long reward(long height, long fees) {
    return Units.addExact(Subsidy.at(height), fees);
  }

  /**
   * The payments of block {@code height}: the proposer's first, then the signers' by key; zeros
   * left out.
   */
  public static List<Payment> split(long height, long fees, Payee proposer, List<Payee> signers) {
    if (signers.isEmpty()) {
      throw new IllegalArgumentException(
          "a block's reward needs the signers of its last certificate");
    }
    BigInteger reward = unsigned(reward(height, fees));
    BigInteger base = reward.divide(BigInteger.TEN);
    BigInteger pool = reward.multiply(BigInteger.valueOf(9)).divide(BigInteger.TEN);
    BigInteger signed = BigInteger.ZERO;
    for (Payee s : signers) {
      signed = signed.add(BigInteger.valueOf(s.weight()));
    }
    List<Payee> byKey = new ArrayList<>(signers);
    byKey.sort(
        Comparator.comparing(Payee::consensusKey, ByteString.unsignedLexicographicalComparator()));
    List<Payment> shares = new ArrayList<>();
    BigInteger paid = base;
    for (Payee s : byKey) {
      BigInteger share = pool.multiply(BigInteger.valueOf(s.weight())).divide(signed);
      paid = paid.add(share);
      if (share.signum() > 0) {
        shares.add(
            new Payment(
                s.consensusKey(),
                s.rewardAddress(),
                share.longValue(),
                RewardRole.REWARD_ROLE_SIGNER));
      }
    }
    List<Payment> out = new ArrayList<>();
    long proposerAmount =
        base.add(reward.subtract(paid)).longValue(); // the base and every remainder
    if (proposerAmount != 0) {
      out.add(
          new Payment(
              proposer.consensusKey(),
              proposer.rewardAddress(),
              proposerAmount,
              RewardRole.REWARD_ROLE_PROPOSER));
    }
    out.addAll(shares);
    return out;
  }

  /**
   * An unsigned 64-bit amount as a BigInteger (not through its decimal string: this runs per
   * block).
   */
  private static BigInteger unsigned(long amount) {
    BigInteger low = BigInteger.valueOf(amount & Long.MAX_VALUE);
    return amount < 0 ? low.setBit(63) : low;
  }

  /**
   * The REWARD transaction of block {@code height}: one output per masternode paid, by consensus
   * key.
   */
  public static Transaction transaction(long height, List<Payment> payments) {
    Map<ByteString, TxOutput.Builder> perKey =
        new TreeMap<>(ByteString.unsignedLexicographicalComparator());
    for (Payment p : payments) {
      TxOutput.Builder o =
          perKey.computeIfAbsent(
              p.consensusKey(), k -> TxOutput.newBuilder().setAddress(p.rewardAddress()));
      o.setAmount(Units.addExact(o.getAmount(), p.amount()));
    }
    Transaction.Builder tx =
        Transaction.newBuilder()
            .setVersion(ProtocolVersion.TRANSACTION)
            .setKind(TransactionKind.TRANSACTION_KIND_REWARD)
            .setReward(RewardPayload.newBuilder().setHeight(height));
    perKey.values().forEach(tx::addOutputs);
    return tx.build();
  }
}
