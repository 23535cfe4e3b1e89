package io.timecoin.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Sha256;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Witness;
import java.util.List;
import org.junit.jupiter.api.Test;

class MempoolTest {
  private static OutPoint coin(int n) {
    return OutPoint.newBuilder()
        .setTxid(ByteString.copyFrom(Sha256.hash(new byte[] {(byte) n, (byte) (n >> 8)})))
        .setIndex(0)
        .build();
  }

  /**
   * A transfer spending {@code coin}, padded with {@code extraOutputs} outputs to change its size.
   */
  private static Transaction spend(int coin, int extraOutputs, int salt) {
    Transaction.Builder b =
        Transaction.newBuilder()
            .setVersion(io.timecoin.protocol.ProtocolVersion.TRANSACTION)
            .setKind(TransactionKind.TRANSACTION_KIND_TRANSFER)
            .addInputs(TxInput.newBuilder().setOutpoint(coin(coin)));
    for (int i = 0; i <= extraOutputs; i++) {
      b.addOutputs(
          TxOutput.newBuilder()
              .setAmount(1_000 + salt)
              .setAddress(ByteString.copyFrom(new byte[20])));
    }
    return b.build();
  }

  private static ErrorReason add(Mempool pool, Transaction tx, long fee) {
    return pool.add(tx, Hashes.transaction(tx), fee);
  }

  @Test
  void theBestPayingPerByteComeFirst() {
    Mempool pool = new Mempool(100, 1 << 20);
    Transaction small = spend(1, 0, 0); // few bytes, a modest fee
    Transaction big = spend(2, 20, 0); // the same fee over many bytes
    Transaction rich = spend(3, 20, 0); // many bytes, a big fee
    assertNull(add(pool, small, 5_000));
    assertNull(add(pool, big, 5_000));
    assertNull(add(pool, rich, 500_000));
    List<Transaction> order = new java.util.ArrayList<>();
    pool.byPriority().forEach(e -> order.add(e.tx()));
    assertEquals(List.of(rich, small, big), order);
  }

  @Test
  void twoTransactionsSpendingOneOutputCannotBothWait() {
    Mempool pool = new Mempool(100, 1 << 20);
    assertNull(add(pool, spend(7, 0, 0), 2_000));
    assertEquals(ErrorReason.ERROR_REASON_MEMPOOL_CONFLICT, add(pool, spend(7, 1, 1), 9_000));
    assertEquals(
        ErrorReason.ERROR_REASON_UNSPECIFIED,
        add(pool, spend(7, 0, 0), 2_000),
        "the same one again");
    assertEquals(1, pool.size());
  }

  @Test
  void aFullPoolTakesOnlyWhatPaysMoreThanItsCheapest() {
    Mempool pool = new Mempool(3, 1 << 20);
    for (int i = 0; i < 3; i++) {
      assertNull(add(pool, spend(i, 0, 0), 1_000 + i));
    }
    assertEquals(ErrorReason.ERROR_REASON_MEMPOOL_FULL, add(pool, spend(10, 0, 0), 500));
    assertNull(add(pool, spend(11, 0, 0), 50_000));
    assertEquals(3, pool.size());
    assertFalse(pool.contains(Hashes.transaction(spend(0, 0, 0))), "the cheapest made room");
    // bounded by bytes too
    Mempool small = new Mempool(100, spend(0, 0, 0).getSerializedSize() * 2L);
    assertNull(add(small, spend(20, 0, 0), 1_000));
    assertNull(add(small, spend(21, 0, 0), 1_000));
    assertEquals(ErrorReason.ERROR_REASON_MEMPOOL_FULL, add(small, spend(22, 0, 0), 1_000));
    assertTrue(small.bytes() <= spend(0, 0, 0).getSerializedSize() * 2L);
  }

  @Test
  void aFinalizedBlockEvictsWhatItIncludedWhatItConflictsWithAndWhatIsNoLongerValid() {
    Mempool pool = new Mempool(100, 1 << 20);
    Transaction included = spend(1, 0, 0);
    Transaction rival = spend(2, 0, 0); // the block spends coin 2 another way
    Transaction stale = spend(3, 0, 0); // refused by the re-check
    Transaction fine = spend(4, 0, 0);
    for (Transaction t : List.of(included, rival, stale, fine)) {
      assertNull(add(pool, t, 1_000));
    }
    Transaction blockSpendsCoin2 = spend(2, 3, 9);
    pool.blockFinalized(
        List.of(included, blockSpendsCoin2),
        List.of(Hashes.transaction(included), Hashes.transaction(blockSpendsCoin2)),
        e -> !e.tx().equals(stale));
    assertEquals(1, pool.size());
    assertTrue(pool.contains(Hashes.transaction(fine)));
    assertNull(
        add(pool, spend(1, 5, 5), 1_000),
        "coin 1 is no longer claimed by the pool (the ledger refuses it as spent)");
  }

  @Test
  void onlyTheVeryTransactionAdmittedSkipsItsSignatureCheck() {
    Mempool pool = new Mempool(100, 1 << 20);
    Transaction tx =
        spend(5, 0, 0).toBuilder()
            .setInputs(
                0,
                TxInput.newBuilder()
                    .setOutpoint(coin(5))
                    .setWitness(
                        Witness.newBuilder()
                            .setPublicKey(ByteString.copyFrom(new byte[32]))
                            .setSignature(ByteString.copyFrom(new byte[64]))))
            .build();
    ByteString id = Hashes.transaction(tx);
    assertNull(pool.add(tx, id, 1_000));
    assertTrue(pool.holdsExactly(id, tx));
    Transaction otherWitness =
        tx.toBuilder()
            .setInputs(
                0,
                tx.getInputs(0).toBuilder()
                    .setWitness(
                        Witness.newBuilder()
                            .setPublicKey(ByteString.copyFrom(new byte[32]))
                            .setSignature(ByteString.copyFrom(new byte[] {1}))))
            .build();
    assertEquals(id, Hashes.transaction(otherWitness), "witnesses are not part of the id");
    assertFalse(pool.holdsExactly(id, otherWitness), "so the id alone must not skip the check");
  }
}
