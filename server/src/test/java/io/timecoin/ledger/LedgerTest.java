package io.timecoin.ledger;

import static io.timecoin.ledger.LedgerChain.CHAIN_ID;
import static io.timecoin.ledger.LedgerChain.TIME;
import static io.timecoin.ledger.LedgerChain.addressBytes;
import static io.timecoin.ledger.LedgerChain.keyBytes;
import static io.timecoin.ledger.LedgerChain.outpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.types.BlockValidator;
import io.timecoin.consensus.types.ChainTip;
import io.timecoin.consensus.validation.BlockRules;
import io.timecoin.consensus.validation.Refusal;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.node.config.Genesis;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.RewardPayload;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import io.timecoin.protocol.ValidatorSet;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Focused block rules of the ledger (docs/protocol.md 4.3, 4.4), each through the real Ledger and
 * RocksDB store: an exact REWARD, one REWARD and first, the block limits, no double spend across
 * transactions, the same verdict on an independent ledger, and when a (de)registration changes the
 * validator set. Refused blocks are checked on the proposer's ledger and on an independent one, and
 * next to each refused block stands a control that differs only in the broken rule and is valid.
 */
class LedgerTest {
  private static final int MASTERNODES = 4;
  private static final int ALLOCATIONS = 40;

  @TempDir Path tmp;

  private final Random random = new Random(11);
  private final List<Ed25519KeyPair> wallets = new ArrayList<>();
  private final Map<ByteString, Ed25519KeyPair> keyOfAddress = new HashMap<>();
  private final List<Ed25519KeyPair> consensus = new ArrayList<>();
  private final Genesis genesis;
  private final ByteString genesisTxid;
  private int dirs;

  LedgerTest() {
    for (int i = 0; i < 10; i++) {
      Ed25519KeyPair k = LedgerChain.key(random);
      wallets.add(k);
      keyOfAddress.put(addressBytes(k), k);
    }
    List<Genesis.Masternode> mns = new ArrayList<>();
    for (int i = 0; i < MASTERNODES; i++) {
      consensus.add(LedgerChain.key(random));
      mns.add(
          new Genesis.Masternode(
              consensus.get(i).publicKey(),
              LedgerChain.address(wallets.get(i)),
              LedgerChain.address(wallets.get(i + 4)),
              1_000L * (i + 1) * TIME));
    }
    List<Genesis.Allocation> allocations = new ArrayList<>();
    for (int i = 0; i < ALLOCATIONS; i++) {
      allocations.add(
          new Genesis.Allocation(LedgerChain.address(wallets.get(i % 10)), 100_000 * TIME + i));
    }
    genesis = LedgerChain.genesis(mns, allocations);
    genesisTxid = Hashes.transaction(genesis.transaction());
  }

  private LedgerChain chain() throws Exception {
    return LedgerChain.open(tmp.resolve("node" + dirs++), genesis);
  }

  private LedgerChain chain(LedgerParams params) throws Exception {
    return LedgerChain.open(tmp.resolve("node" + dirs++), genesis, params);
  }

  private OutPoint allocation(int i) {
    return outpoint(genesisTxid, i);
  }

  private long allocationAmount(int i) {
    return genesis.allocations().get(i).amount();
  }

  private Ed25519KeyPair allocationOwner(int i) {
    return wallets.get(i % 10);
  }

  /** A transfer of allocation i to {@code to}, leaving {@code fee}. */
  private Transaction pay(int i, long fee, Ed25519KeyPair to) {
    return LedgerChain.transfer(
        List.of(allocation(i)),
        List.of(allocationOwner(i)),
        List.of(Transactions.output(allocationAmount(i) - fee, LedgerChain.address(to))));
  }

  private static ByteString mn(Ed25519KeyPair k) {
    return keyBytes(k);
  }

  private static void assertValid(LedgerChain chain, Block block) {
    BlockValidator.Verdict v = chain.ledger.validate(block);
    assertTrue(v.isValid(), () -> "refused: " + v.reason() + " " + v.detail());
  }

  private static void assertRefused(LedgerChain chain, Block block, String because) {
    BlockValidator.Verdict v = chain.ledger.validate(block);
    assertEquals(
        ErrorReason.ERROR_REASON_INVALID_BLOCK,
        v.reason(),
        () -> "verdict: " + v.reason() + " " + v.detail());
    assertTrue(v.detail().contains(because), () -> "refused for another reason: " + v.detail());
    assertNull(v.nextSet());
  }

  private static void admit(LedgerChain chain, Transaction tx) {
    TransactionRules.Verdict v = chain.ledger.admit(tx, false);
    assertTrue(v.valid(), v::toString);
  }

  // ------------------------------------------------------------------------------------ REWARD

  @Test
  void rewardOffByOneUnitIsRefused() throws Exception {
    try (LedgerChain a = chain();
        LedgerChain b = chain()) {
      for (int h = 1; h <= 3; h++) {
        admit(a, pay(2 * h, 10_000 + h, wallets.get(9)));
        admit(a, pay(2 * h + 1, 77_770, wallets.get(8)));
        Block block = a.propose(a.randomProposer(random));
        Transaction reward = block.getBody().getTransactions(0);
        List<Transaction> rest = block.getBody().getTransactionsList().subList(1, 3);
        assertTrue(reward.getOutputsCount() >= 2, "at least two payees");
        int last = reward.getOutputsCount() - 1;

        List<UnaryOperator<Transaction.Builder>> tampers =
            List.of(
                r ->
                    r.setOutputs(
                        0, r.getOutputs(0).toBuilder().setAmount(r.getOutputs(0).getAmount() + 1)),
                r ->
                    r.setOutputs(
                        0, r.getOutputs(0).toBuilder().setAmount(r.getOutputs(0).getAmount() - 1)),
                r ->
                    r.setOutputs(
                        last,
                        r.getOutputs(last).toBuilder()
                            .setAmount(r.getOutputs(last).getAmount() + 1)),
                r ->
                    r.setOutputs(
                            0,
                            r.getOutputs(0).toBuilder().setAmount(r.getOutputs(0).getAmount() - 1))
                        .setOutputs(
                            1,
                            r.getOutputs(1).toBuilder().setAmount(r.getOutputs(1).getAmount() + 1)),
                r ->
                    r.setOutputs(
                            last,
                            r.getOutputs(last).toBuilder()
                                .setAmount(r.getOutputs(last).getAmount() - 1))
                        .setOutputs(
                            0,
                            r.getOutputs(0).toBuilder().setAmount(r.getOutputs(0).getAmount() + 1)),
                r ->
                    r.addOutputs(
                        TxOutput.newBuilder()
                            .setAmount(1)
                            .setAddress(r.getOutputs(0).getAddress())),
                r ->
                    r.setOutputs(
                        0, r.getOutputs(0).toBuilder().setAddress(addressBytes(wallets.get(0)))),
                r ->
                    r.setReward(
                        RewardPayload.newBuilder().setHeight(r.getReward().getHeight() + 1)));
        for (UnaryOperator<Transaction.Builder> tamper : tampers) {
          List<Transaction> txs = new ArrayList<>();
          txs.add(tamper.apply(reward.toBuilder()).build());
          txs.addAll(rest);
          Block bad = LedgerChain.reassemble(block, txs);
          assertRefused(a, bad, "REWARD");
          assertRefused(b, bad, "REWARD");
        }
        // the control: the block as proposed, rebuilt the same way, is valid on both
        Block same = LedgerChain.reassemble(block, block.getBody().getTransactionsList());
        assertEquals(block, same);
        finalizeOnBoth(a, b, block, false);
      }
    }
  }

  /**
   * docs/protocol.md 5.7, 8.5: block 1 was finalized by the first quorum (three of four), and the
   * proposer of block 2 heard the fourth precommit afterwards: its last_certificate carries all
   * four, so the fourth signer is paid too; and the stored certificate of block 1 becomes that
   * fuller one.
   */
  @Test
  void aSignerWhosePrecommitCameAfterTheFirstQuorumIsPaid() throws Exception {
    try (LedgerChain a = chain();
        LedgerChain b = chain()) {
      Block one = a.propose(mn(consensus.get(3)));
      ByteString hash = Hashes.block(one.getHeader());
      ValidatorSet set = a.ledger.validatorSetAt(1);
      ValidatorSet.Member slowest = set.member(mn(consensus.get(0)));
      FinalityCertificate all = LedgerChain.certificateOfAll(1, hash, set);
      FinalityCertificate firstQuorum =
          all.toBuilder()
              .clearSignatures()
              .addAllSignatures(
                  all.getSignaturesList().stream()
                      .filter(sig -> !sig.getValidator().equals(slowest.keyBytes()))
                      .toList())
              .build();
      assertTrue(set.isQuorum(set.totalWeight() - slowest.weight()));
      assertValid(b, one);
      a.finalize(one, firstQuorum);
      b.finalize(one, firstQuorum);

      a.lastCertificate = all; // what the proposer of block 2 holds
      Block two = a.propose(mn(consensus.get(1)));
      assertEquals(all, two.getBody().getLastCertificate());
      assertValid(b, two); // b finalized block 1 with three signatures: four is as valid
      ByteString slowestPaidAt = addressBytes(wallets.get(4)); // masternode 0's reward address
      List<TxOutput> outputs = two.getBody().getTransactions(0).getOutputsList();
      assertTrue(
          outputs.stream().anyMatch(o -> o.getAddress().equals(slowestPaidAt) && o.getAmount() > 0),
          "the fourth signer is paid");
      Registry registry = a.ledger.state().registry();
      assertEquals(
          LedgerChain.expectedReward(
              2, 0, mn(consensus.get(1)), set.members(), k -> registry.get(k).rewardAddress()),
          outputs,
          "pro rata to all four");

      FinalityCertificate two2 =
          LedgerChain.certificateOfAll(
              2, Hashes.block(two.getHeader()), a.ledger.validatorSetAt(2));
      a.finalize(two, two2);
      assertEquals(
          all,
          a.store.certificateAt(1).orElseThrow(),
          "block 1's certificate is now the one block 2 carries");
      assertEquals(two2, a.store.certificateAt(2).orElseThrow());
    }
  }

  // ---------------------------------------------------------------------- one REWARD, and first

  @Test
  void aBlockNeedsExactlyOneRewardAndFirst() throws Exception {
    try (LedgerChain a = chain();
        LedgerChain b = chain()) {
      for (int h = 1; h <= 2; h++) { // height 1 (no certificate) and 2
        admit(a, pay(10 * h, 20_000, wallets.get(1)));
        admit(a, pay(10 * h + 1, 30_000, wallets.get(2)));
        Block block = a.propose(a.randomProposer(random));
        List<Transaction> txs = block.getBody().getTransactionsList();
        Transaction r = txs.get(0);
        Transaction t1 = txs.get(1);
        Transaction t2 = txs.get(2);
        Transaction otherReward =
            r.toBuilder().setReward(RewardPayload.newBuilder().setHeight(h + 1)).build();
        List<List<Transaction>> broken =
            List.of(
                List.of(r, r, t1, t2), // the same REWARD twice
                List.of(r, t1, t2, r),
                List.of(r, t1, otherReward, t2), // a second, different REWARD
                List.of(t1, r, t2), // not first
                List.of(t1, t2, r),
                List.of(t1, t2), // none
                List.of(), // an empty block
                List.of(r, genesis.transaction(), t1, t2)); // a GENESIS inside
        for (List<Transaction> body : broken) {
          Block bad = LedgerChain.reassemble(block, body);
          assertFalse(a.ledger.validate(bad).isValid());
          assertFalse(b.ledger.validate(bad).isValid());
          assertEquals(ErrorReason.ERROR_REASON_INVALID_BLOCK, b.ledger.validate(bad).reason());
        }
        assertRefused(
            b,
            LedgerChain.reassemble(block, List.of(t1, r, t2)),
            "first transaction of a block must be its REWARD");
        assertRefused(
            b,
            LedgerChain.reassemble(block, List.of(r, t1, otherReward, t2)),
            "only the first may be the REWARD");
        assertRefused(
            b,
            LedgerChain.reassemble(block, List.of(r, r, t1, t2)),
            "only the first may be the REWARD");
        finalizeOnBoth(a, b, block, false);
      }
    }
  }

  // -------------------------------------------------------------------------------- the limits

  @Test
  void aBlockOverMaxBlockTxsIsRefused() throws Exception {
    LedgerParams defaults = genesis.ledgerParams();
    LedgerParams small =
        new LedgerParams(
            CHAIN_ID,
            defaults.minTxFee(),
            defaults.minFeePerByte(),
            defaults.minOutput(),
            defaults.registrationFee(),
            defaults.maxTxBytes(),
            4,
            defaults.maxBlockBytes(),
            defaults.maxValidators());
    try (LedgerChain s = chain(small);
        LedgerChain d = chain();
        LedgerChain s2 = chain(small)) {
      ByteString proposer = mn(consensus.get(0));
      List<Transaction> four =
          List.of(
              pay(0, 10_000, wallets.get(1)),
              pay(1, 20_000, wallets.get(2)),
              pay(2, 30_000, wallets.get(3)),
              pay(3, 40_000, wallets.get(4)));
      Block five = s.handBuilt(proposer, four, 100_000); // 5 transactions with the REWARD
      assertRefused(s, five, "5 transactions, the limit is 4");
      assertValid(d, five); // the same block under the default limit: only the limit refuses it
      Block fourTxs = s.handBuilt(proposer, four.subList(0, 3), 60_000);
      assertValid(s, fourTxs);

      // the proposer keeps to the limit: 6 in its mempool, 3 in its block (and the REWARD)
      for (int i = 0; i < 6; i++) {
        admit(s2, pay(10 + i, 10_000 + i, wallets.get(5)));
      }
      Block proposed = s2.propose(proposer);
      assertEquals(4, proposed.getBody().getTransactionsCount());
      assertValid(s, proposed);
    }
  }

  @Test
  void aBlockOverMaxBlockBytesIsRefused() throws Exception {
    ByteString proposer = mn(consensus.get(1));
    List<Transaction> four =
        List.of(
            pay(0, 10_000, wallets.get(1)),
            pay(1, 20_000, wallets.get(2)),
            pay(2, 30_000, wallets.get(3)),
            pay(3, 40_000, wallets.get(4)));
    long size;
    try (LedgerChain d = chain()) {
      Block block = d.handBuilt(proposer, four, 100_000);
      assertValid(d, block);
      size =
          block.getBody().getTransactionsList().stream()
              .mapToLong(Transaction::getSerializedSize)
              .sum();
    }
    LedgerParams defaults = genesis.ledgerParams();
    LedgerParams exact =
        new LedgerParams(
            CHAIN_ID,
            defaults.minTxFee(),
            defaults.minFeePerByte(),
            defaults.minOutput(),
            defaults.registrationFee(),
            defaults.maxTxBytes(),
            defaults.maxBlockTxs(),
            size,
            defaults.maxValidators());
    LedgerParams oneShort =
        new LedgerParams(
            CHAIN_ID,
            defaults.minTxFee(),
            defaults.minFeePerByte(),
            defaults.minOutput(),
            defaults.registrationFee(),
            defaults.maxTxBytes(),
            defaults.maxBlockTxs(),
            size - 1,
            defaults.maxValidators());
    try (LedgerChain s = chain(oneShort);
        LedgerChain e = chain(exact);
        LedgerChain p = chain(oneShort)) {
      Block block = s.handBuilt(proposer, four, 100_000);
      assertRefused(s, block, size + " bytes of transactions, the limit is " + (size - 1));
      assertValid(e, block);
      assertValid(s, s.handBuilt(proposer, four.subList(0, 3), 60_000));

      // the proposer keeps to the limit, and its block is valid elsewhere under the same limit
      for (Transaction tx : four) {
        admit(p, tx);
      }
      Block proposed = p.propose(proposer);
      long proposedSize =
          proposed.getBody().getTransactionsList().stream()
              .mapToLong(Transaction::getSerializedSize)
              .sum();
      assertTrue(proposedSize <= size - 1);
      assertTrue(proposed.getBody().getTransactionsCount() >= 2);
      assertValid(s, proposed);
    }
  }

  // ------------------------------------------------------------------------------ double spends

  @Test
  void aDoubleSpendAcrossTwoTransactionsOfABlockIsRefused() throws Exception {
    try (LedgerChain a = chain();
        LedgerChain b = chain()) {
      ByteString proposer = mn(consensus.get(2));
      Transaction t1 = pay(0, 10_000, wallets.get(1));
      Transaction t2 = pay(0, 20_000, wallets.get(2)); // the same output, to someone else
      assertRefused(a, a.handBuilt(proposer, List.of(t1, t2), 30_000), "ALREADY_SPENT");
      assertRefused(a, a.handBuilt(proposer, List.of(t1, t2), 10_000), "ALREADY_SPENT");
      assertRefused(b, b.handBuilt(proposer, List.of(t2, t1), 30_000), "ALREADY_SPENT");
      // the mempool would never offer both
      admit(a, t1);
      assertEquals(ErrorReason.ERROR_REASON_MEMPOOL_CONFLICT, a.ledger.admit(t2, false).reason());

      // an output created and spent in the same block is fine; spending it twice is not
      ByteString t1id = Hashes.transaction(t1);
      TxOutput t1out = t1.getOutputs(0);
      Transaction t3 =
          LedgerChain.transfer(
              List.of(outpoint(t1id, 0)),
              List.of(wallets.get(1)),
              List.of(
                  Transactions.output(
                      t1out.getAmount() - 50_000, LedgerChain.address(wallets.get(3)))));
      Transaction t4 =
          LedgerChain.transfer(
              List.of(outpoint(t1id, 0)),
              List.of(wallets.get(1)),
              List.of(
                  Transactions.output(
                      t1out.getAmount() - 60_000, LedgerChain.address(wallets.get(4)))));
      assertRefused(b, b.handBuilt(proposer, List.of(t1, t3, t4), 120_000), "ALREADY_SPENT");
      assertRefused(
          b, b.handBuilt(proposer, List.of(t3, t1), 60_000), "UNKNOWN_INPUT"); // not yet created
      Block chained = b.handBuilt(proposer, List.of(t1, t3), 60_000);
      assertValid(b, chained);
      assertValid(a, chained);
      var cert =
          LedgerChain.certificate(
              1, Hashes.block(chained.getHeader()), a.ledger.validatorSetAt(1), random);
      a.finalize(chained, cert);
      b.finalize(chained, cert);
      for (LedgerChain c : List.of(a, b)) {
        assertNull(c.store.unspent(allocation(0)));
        assertTrue(c.store.created(allocation(0)));
        assertNull(c.store.unspent(outpoint(t1id, 0)), "created and spent in block 1");
        assertTrue(c.store.created(outpoint(t1id, 0)));
        assertEquals(t3.getOutputs(0), c.store.unspent(outpoint(Hashes.transaction(t3), 0)));
        assertEquals(0, c.ledger.mempool().size());
      }
      // and in the next block, neither may be spent again
      Transaction again = pay(0, 15_000, wallets.get(5));
      assertEquals(ErrorReason.ERROR_REASON_ALREADY_SPENT, a.ledger.admit(again, false).reason());
      assertRefused(a, a.handBuilt(proposer, List.of(again), 15_000), "ALREADY_SPENT");
      assertRefused(a, a.handBuilt(proposer, List.of(t4), 60_000), "ALREADY_SPENT");
    }
  }

  // --------------------------------------------------------------- an independent second ledger

  @Test
  void aProposedBlockValidatesOnAnIndependentLedgerFedTheSameChain() throws Exception {
    try (LedgerChain a = chain();
        LedgerChain b = chain()) {
      Map<OutPoint, TxOutput> coins = new HashMap<>();
      for (int i = 0; i < ALLOCATIONS; i++) {
        coins.put(allocation(i), genesis.transaction().getOutputs(i));
      }
      Ed25519KeyPair newcomer = LedgerChain.key(random);
      OutPoint newcomerCollateral = null;
      for (int h = 1; h <= 16; h++) {
        LedgerChain proposerLedger = h % 3 == 0 ? b : a; // both propose, both judge
        LedgerChain judge = proposerLedger == a ? b : a;
        List<OutPoint> available = new ArrayList<>(coins.keySet());
        available.sort(java.util.Comparator.comparing(OutPoint::toString));
        java.util.Collections.shuffle(available, random);
        List<Transaction> txs = new ArrayList<>();
        int n = 2 + random.nextInt(4);
        for (int i = 0; i < n; i++) {
          OutPoint o = available.get(i);
          TxOutput out = coins.get(o);
          long fee = 10_000 + random.nextInt(10_000);
          long half = (out.getAmount() - fee) / 2;
          txs.add(
              LedgerChain.transfer(
                  List.of(o),
                  List.of(keyOfAddress.get(out.getAddress())),
                  List.of(
                      Transactions.output(
                          half, LedgerChain.address(wallets.get(random.nextInt(10)))),
                      Transactions.output(
                          out.getAmount() - fee - half,
                          LedgerChain.address(wallets.get(random.nextInt(10)))))));
        }
        OutPoint feeIn = available.get(n);
        TxOutput feeOut = coins.get(feeIn);
        // a registration pays at least 1 TIME (docs/protocol.md 4.3); the deregistration pays the
        // same
        List<TxOutput> change =
            List.of(
                Transactions.output(
                    feeOut.getAmount() - TIME, LedgerChain.address(wallets.get(3))));
        if (h == 5) { // a registration, backed by one more coin, which the test then leaves alone
          newcomerCollateral =
              available.subList(n + 1, available.size()).stream() // a coin of 1,000 TIME or more
                  .filter(o -> coins.get(o).getAmount() >= MasternodeRecord.MIN_COLLATERAL)
                  .findFirst()
                  .orElseThrow();
          txs.add(
              Transactions.sign(
                  Transactions.register(
                      List.of(feeIn),
                      change,
                      newcomerCollateral,
                      mn(newcomer),
                      LedgerChain.address(wallets.get(7))),
                  CHAIN_ID,
                  List.of(keyOfAddress.get(feeOut.getAddress())),
                  List.of(keyOfAddress.get(coins.get(newcomerCollateral).getAddress()), newcomer)));
        } else if (h == 9) { // a genesis masternode leaves
          txs.add(
              Transactions.sign(
                  Transactions.deregister(List.of(feeIn), change, mn(consensus.get(3))),
                  CHAIN_ID,
                  List.of(keyOfAddress.get(feeOut.getAddress())),
                  List.of(wallets.get(3))));
        } else if (h == 12) { // the newcomer's collateral is spent with another coin
          TxOutput col = a.store.unspent(newcomerCollateral);
          txs.add(
              LedgerChain.transfer(
                  List.of(newcomerCollateral, feeIn),
                  List.of(
                      keyOfAddress.get(col.getAddress()), keyOfAddress.get(feeOut.getAddress())),
                  List.of(
                      Transactions.output(
                          col.getAmount() + feeOut.getAmount() - 30_000,
                          LedgerChain.address(wallets.get(0))))));
        }
        for (Transaction tx : txs) {
          admit(proposerLedger, tx);
          if (h % 2 == 0) { // relayed: the judge held it and checked its signatures on admission
            admit(judge, tx);
          }
        }
        Block block = proposerLedger.propose(proposerLedger.randomProposer(random));
        assertEquals(txs.size() + 1, block.getBody().getTransactionsCount());
        assertValid(proposerLedger, block);
        BlockValidator.Verdict verdict = judge.ledger.validate(block);
        assertTrue(
            verdict.isValid(),
            () -> "block " + block.getHeader().getHeight() + ": " + verdict.detail());
        var cert =
            LedgerChain.certificate(
                h, Hashes.block(block.getHeader()), a.ledger.validatorSetAt(h), random);
        BlockExecution ea = a.finalize(block, cert);
        BlockExecution eb = b.finalize(block, cert);
        assertEquals(verdict.nextSet().hash(), a.nextSet().hash());
        assertEquals(a.nextSet().hash(), b.nextSet().hash());
        assertEquals(ea.changes().created(), eb.changes().created());
        assertEquals(ea.changes().spent(), eb.changes().spent());
        assertEquals(ea.changes().txids(), eb.changes().txids());
        assertEquals(ea.changes().masternodes(), eb.changes().masternodes());
        assertEquals(ea.payments(), eb.payments());
        assertEquals(ea.fees(), eb.fees());
        assertEquals(
            List.copyOf(a.ledger.state().registry().all()),
            List.copyOf(b.ledger.state().registry().all()));
        for (StateChanges.Spent sp : ea.changes().spent()) {
          coins.remove(sp.outpoint());
        }
        for (StateChanges.Created c : ea.changes().created()) {
          coins.put(c.outpoint(), c.output());
        }
        coins.remove(newcomerCollateral);
        if (h == 5 || h == 11) {
          assertTrue(a.ledger.state().registry().get(mn(newcomer)).active());
          assertNotNull(a.nextSet().member(mn(newcomer)));
        }
      }
      assertEquals(a.tipHash(), b.tipHash());
      assertEquals(a.store.masternodes(), b.store.masternodes());
      // both left the working registry once their last certificate was paid; the history keeps them
      assertNull(a.ledger.state().registry().get(mn(newcomer)));
      assertNull(a.ledger.state().registry().get(mn(consensus.get(3))));
      assertFalse(a.store.registrationAfter(mn(newcomer), a.height()).active());
      assertFalse(a.store.registrationAfter(mn(consensus.get(3)), a.height()).active());
      assertEquals(MASTERNODES - 1, a.nextSet().size());
    }
  }

  // ------------------------------------------------------------ registration and the validator set

  @Test
  void aRegistrationInBlockHJoinsTheSetOfHPlusOne() throws Exception {
    try (LedgerChain a = chain();
        LedgerChain b = chain()) {
      Ed25519KeyPair k = LedgerChain.key(random);
      ByteString key = mn(k);
      finalizeOnBoth(a, b, a.propose(mn(consensus.get(0))), true); // block 1

      // block 2 registers k, backed by allocation 5 (100,000 TIME and 5 units: weight 100,000,
      // whole TIME)
      Transaction reg =
          Transactions.sign(
              Transactions.register(
                  List.of(allocation(6)),
                  List.of(
                      Transactions.output(
                          allocationAmount(6) - TIME, LedgerChain.address(wallets.get(6)))),
                  allocation(5),
                  key,
                  LedgerChain.address(wallets.get(9))),
              CHAIN_ID,
              List.of(allocationOwner(6)),
              List.of(allocationOwner(5), k));
      admit(a, reg);
      Block block2 = a.propose(mn(consensus.get(1)));
      BlockValidator.Verdict verdict = b.ledger.validate(block2);
      assertTrue(verdict.isValid());
      assertNotNull(
          verdict.nextSet().member(key), "the verdict on block 2 names the set of 3, with k");
      assertEquals(100_000, verdict.nextSet().member(key).weight());
      finalizeOnBoth(a, b, block2, true);
      for (LedgerChain c : List.of(a, b)) {
        assertNull(c.ledger.validatorSetAt(2).member(key), "k did not vote on block 2");
        assertEquals(MASTERNODES, c.ledger.validatorSetAt(2).size());
        ValidatorSet three = c.ledger.validatorSetAt(3);
        assertEquals(MASTERNODES + 1, three.size());
        assertEquals(100_000, three.member(key).weight());
        assertEquals(three.hash(), c.store.validatorSetAt(3).hash());
        MasternodeRecord r = c.ledger.state().registry().get(key);
        assertEquals(
            new MasternodeRecord(
                key,
                allocation(5),
                allocationAmount(5),
                addressBytes(allocationOwner(5)),
                addressBytes(wallets.get(9)),
                2,
                true,
                0,
                0),
            r);
      }

      // block 3: k proposes it and signs its certificate, so block 4 pays k as a signer of cert(3)
      Block block3 = a.propose(key);
      assertValid(b, block3);
      finalizeOnBoth(a, b, block3, true);
      Block block4 = a.propose(mn(consensus.get(0)));
      assertValid(b, block4);
      Transaction reward4 = block4.getBody().getTransactions(0);
      assertTrue(
          reward4.getOutputsList().stream()
              .anyMatch(o -> o.getAddress().equals(addressBytes(wallets.get(9)))),
          "k, a signer of cert(3), is paid in block 4");
      // block 3 paid its proposer k (10% and the remainders), and k was no signer of cert(2)
      Transaction reward3 = block3.getBody().getTransactions(0);
      assertTrue(
          reward3.getOutputsList().stream()
              .anyMatch(o -> o.getAddress().equals(addressBytes(wallets.get(9)))));
    }
  }

  // ------------------------------------------------------------- what the header commits to

  @Test
  void theHeaderNamesTheSetItsBlockLeavesAndAWrongNextSetHashIsRefused() throws Exception {
    try (LedgerChain a = chain();
        LedgerChain b = chain()) {
      Block block1 = a.propose(mn(consensus.get(0)));
      assertEquals(
          block1.getHeader().getValidatorSetHash(),
          block1.getHeader().getNextValidatorSetHash(),
          "a block that registers nobody leaves the set as it is");
      Block wrong1 = withNextSetHash(block1, Hashes.NIL);
      assertRefused(a, wrong1, "next_validator_set_hash");
      assertRefused(b, wrong1, "next_validator_set_hash");
      finalizeOnBoth(a, b, block1, true);

      Ed25519KeyPair k = LedgerChain.key(random);
      Transaction reg =
          Transactions.sign(
              Transactions.register(
                  List.of(allocation(6)),
                  List.of(
                      Transactions.output(
                          allocationAmount(6) - Units.UNITS_PER_TIME,
                          LedgerChain.address(wallets.get(6)))),
                  allocation(5),
                  mn(k),
                  LedgerChain.address(wallets.get(9))),
              CHAIN_ID,
              List.of(allocationOwner(6)),
              List.of(allocationOwner(5), k));
      admit(a, reg);
      Block block2 = a.propose(mn(consensus.get(1)));
      ValidatorSet three = b.ledger.validate(block2).nextSet();
      assertEquals(
          three.hash(),
          block2.getHeader().getNextValidatorSetHash(),
          "the header names set(3), with k");
      assertNotNull(three.member(mn(k)));
      // the same block claiming the set stays as it was: refused, on an independent ledger too
      Block claimsOldSet = withNextSetHash(block2, block2.getHeader().getValidatorSetHash());
      assertRefused(b, claimsOldSet, "next_validator_set_hash");
      finalizeOnBoth(a, b, block2, true);
      assertEquals(three.hash(), b.ledger.validatorSetAt(3).hash());
    }
  }

  @Test
  void aBlockWithOneWitnessByteFlippedIsRefusedByItsWitnessRoot() throws Exception {
    try (LedgerChain a = chain();
        LedgerChain b = chain()) {
      finalizeOnBoth(a, b, a.propose(mn(consensus.get(0))), true);
      admit(a, pay(0, 5_000, wallets.get(3)));
      Block block = a.propose(mn(consensus.get(1)));
      assertEquals(2, block.getBody().getTransactionsCount());
      ChainTip tip =
          new ChainTip(
              b.height(),
              b.tipHash(),
              LedgerChain.GENESIS_TIME_MS + 1_000,
              b.lastCertificate,
              b.ledger.validatorSetAt(1),
              b.nextSet());
      assertNull(
          BlockRules.checkBody(block, tip, CHAIN_ID, io.timecoin.crypto.SignatureVerifier.ED25519));

      Transaction tx = block.getBody().getTransactions(1);
      byte[] sig = tx.getInputs(0).getWitness().getSignature().toByteArray();
      sig[40] ^= 0x01;
      Transaction altered =
          tx.toBuilder()
              .setInputs(
                  0,
                  tx.getInputs(0).toBuilder()
                      .setWitness(
                          tx.getInputs(0).getWitness().toBuilder()
                              .setSignature(ByteString.copyFrom(sig))))
              .build();
      Block flipped =
          block.toBuilder()
              .setBody(block.getBody().toBuilder().setTransactions(1, altered))
              .build();
      assertEquals(
          Hashes.block(block.getHeader()),
          Hashes.block(flipped.getHeader()),
          "the header, so the hash, is the same");
      assertEquals(Hashes.transaction(tx), Hashes.transaction(altered), "and so is the txid");
      Refusal refusal =
          BlockRules.checkBody(
              flipped, tip, CHAIN_ID, io.timecoin.crypto.SignatureVerifier.ED25519);
      assertNotNull(refusal, "the altered body is refused");
      assertEquals(ErrorReason.ERROR_REASON_INVALID_BLOCK, refusal.reason());
      assertTrue(refusal.detail().contains("witness_root"), refusal.detail());
      assertValid(b, block);
    }
  }

  /** The block with another next_validator_set_hash (so another hash), its body unchanged. */
  private static Block withNextSetHash(Block block, ByteString next) {
    return block.toBuilder()
        .setHeader(block.getHeader().toBuilder().setNextValidatorSetHash(next))
        .build();
  }

  @Test
  void aDeregistrationInBlockHLeavesTheSetOfHPlusOne() throws Exception {
    try (LedgerChain a = chain();
        LedgerChain b = chain()) {
      ByteString leaving = mn(consensus.get(0));
      ByteString spentOut = mn(consensus.get(1));
      finalizeOnBoth(a, b, a.propose(mn(consensus.get(2))), true); // block 1

      // block 2: masternode 0 deregisters (signed by its owner, wallet 0; the fee from someone
      // else's coin)
      Transaction dereg =
          Transactions.sign(
              Transactions.deregister(List.of(allocation(7)), List.of(), leaving),
              CHAIN_ID,
              List.of(allocationOwner(7)),
              List.of(wallets.get(0)));
      admit(a, dereg);
      Block block2 = a.propose(leaving); // it may still propose block 2: it is in the set of 2
      BlockValidator.Verdict verdict = b.ledger.validate(block2);
      assertTrue(verdict.isValid());
      assertNull(verdict.nextSet().member(leaving));
      finalizeOnBoth(a, b, block2, true);
      for (LedgerChain c : List.of(a, b)) {
        assertNotNull(c.ledger.validatorSetAt(2).member(leaving), "it voted on block 2");
        assertNull(c.ledger.validatorSetAt(3).member(leaving));
        assertEquals(MASTERNODES - 1, c.ledger.validatorSetAt(3).size());
        MasternodeRecord r = c.ledger.state().registry().get(leaving);
        assertFalse(r.active());
        assertNull(c.ledger.state().registry().activeByCollateral(genesis.collateralOutPoint(0)));
        assertEquals(
            r,
            c.store.masternodes().stream()
                .filter(m -> m.consensusKey().equals(leaving))
                .findFirst()
                .orElseThrow());
      }

      // block 3: its former collateral is a plain output now; masternode 1's collateral is spent,
      // which deregisters it
      OutPoint col0 = genesis.collateralOutPoint(0);
      OutPoint col1 = genesis.collateralOutPoint(1);
      admit(
          a,
          LedgerChain.transfer(
              List.of(col0),
              List.of(wallets.get(0)),
              List.of(
                  Transactions.output(
                      1_000 * TIME - 10_000, LedgerChain.address(wallets.get(0))))));
      admit(
          a,
          LedgerChain.transfer(
              List.of(col1, allocation(8)),
              List.of(wallets.get(1), allocationOwner(8)),
              List.of(
                  Transactions.output(
                      2_000 * TIME + allocationAmount(8) - 10_000,
                      LedgerChain.address(wallets.get(1))))));
      Block block3 = a.propose(spentOut);
      // block 3 pays masternode 0, a signer of cert(2), though it is no longer registered
      assertTrue(
          block3.getBody().getTransactions(0).getOutputsList().stream()
              .anyMatch(o -> o.getAddress().equals(addressBytes(wallets.get(4)))));
      assertValid(b, block3);
      finalizeOnBoth(a, b, block3, true);
      for (LedgerChain c : List.of(a, b)) {
        assertNotNull(c.ledger.validatorSetAt(3).member(spentOut));
        assertNull(c.ledger.validatorSetAt(4).member(spentOut));
        assertEquals(MASTERNODES - 2, c.ledger.validatorSetAt(4).size());
        assertFalse(c.ledger.state().registry().get(spentOut).active());
        assertNull(c.store.unspent(col0));
        assertNull(c.store.unspent(col1));
      }
      // a deregistered masternode cannot deregister again
      Transaction again =
          Transactions.sign(
              Transactions.deregister(List.of(allocation(9)), List.of(), leaving),
              CHAIN_ID,
              List.of(allocationOwner(9)),
              List.of(wallets.get(0)));
      assertEquals(ErrorReason.ERROR_REASON_NOT_REGISTERED, a.ledger.admit(again, false).reason());
    }
  }

  @Test
  void theLastMasternodeCannotLeave() throws Exception {
    Ed25519KeyPair only = LedgerChain.key(random);
    Genesis one =
        LedgerChain.genesis(
            List.of(
                new Genesis.Masternode(
                    only.publicKey(),
                    LedgerChain.address(wallets.get(0)),
                    LedgerChain.address(wallets.get(0)),
                    5_000 * TIME)),
            List.of(new Genesis.Allocation(LedgerChain.address(wallets.get(1)), 10 * TIME)));
    ByteString txid = Hashes.transaction(one.transaction());
    try (LedgerChain c = LedgerChain.open(tmp.resolve("one"), one)) {
      Transaction dereg =
          Transactions.sign(
              Transactions.deregister(List.of(outpoint(txid, 0)), List.of(), mn(only)),
              CHAIN_ID,
              List.of(wallets.get(1)),
              List.of(wallets.get(0)));
      assertEquals(ErrorReason.ERROR_REASON_BAD_COLLATERAL, c.ledger.admit(dereg, false).reason());
      Transaction spend =
          LedgerChain.transfer(
              List.of(one.collateralOutPoint(0)),
              List.of(wallets.get(0)),
              List.of(
                  Transactions.output(5_000 * TIME - 10_000, LedgerChain.address(wallets.get(0)))));
      assertEquals(ErrorReason.ERROR_REASON_BAD_COLLATERAL, c.ledger.admit(spend, false).reason());
      assertRefused(
          c, c.handBuilt(mn(only), List.of(dereg), 10 * TIME), "last registered masternode");
      assertRefused(c, c.handBuilt(mn(only), List.of(spend), 10_000), "last registered masternode");
    }
  }

  // ------------------------------------------------------------------- suspected bugs (see the
  // report)

  /**
   * SUSPECTED BUG: in one block, masternode K deregisters (its collateral C0 backs nothing any
   * more), registers again with a new collateral C1, and then a third transaction spends C0. Each
   * transaction is valid on the state the ones before it leave, so the block is valid
   * (docs/protocol.md 4.3), and C0 backs nothing when it is spent, so K must stay registered with
   * C1. But Registry.Editor .activeByCollateral(C0) still answers K's stale record from before the
   * block (it only checks that K is active now, not that C0 is still K's collateral), and
   * BlockExecutor.apply puts that stale record, deactivated, over K's new registration: K ends up
   * inactive, with collateral C0.
   */
  @Test
  void spendingTheOldCollateralOfAKeyReRegisteredInTheSameBlockLeavesItRegistered()
      throws Exception {
    try (LedgerChain a = chain();
        LedgerChain b = chain()) {
      ByteString k = mn(consensus.get(0));
      OutPoint c0 = genesis.collateralOutPoint(0); // 1,000 TIME owned by wallet 0
      Transaction dereg =
          Transactions.sign(
              Transactions.deregister(
                  List.of(allocation(0)),
                  List.of(
                      Transactions.output(
                          allocationAmount(0) - 10_000, LedgerChain.address(wallets.get(0)))),
                  k),
              CHAIN_ID,
              List.of(allocationOwner(0)),
              List.of(wallets.get(0)));
      Transaction reg =
          Transactions.sign(
              Transactions.register(
                  List.of(allocation(1)),
                  List.of(
                      Transactions.output(
                          allocationAmount(1) - TIME, LedgerChain.address(wallets.get(1)))),
                  allocation(2),
                  k,
                  LedgerChain.address(wallets.get(9))),
              CHAIN_ID,
              List.of(allocationOwner(1)),
              List.of(allocationOwner(2), consensus.get(0)));
      Transaction spendOld =
          LedgerChain.transfer(
              List.of(c0),
              List.of(wallets.get(0)),
              List.of(
                  Transactions.output(1_000 * TIME - 10_000, LedgerChain.address(wallets.get(0)))));
      Block block = a.handBuilt(mn(consensus.get(1)), List.of(dereg, reg, spendOld), TIME + 20_000);
      assertValid(a, block);
      finalizeOnBoth(a, b, block, true);
      MasternodeRecord r = a.ledger.state().registry().get(k);
      // fails: "inactive, collateral index 40" (C0, the genesis collateral) instead of K's new
      // registration
      assertEquals(
          "active, collateral index 2",
          (r.active() ? "active" : "inactive") + ", collateral index " + r.collateral().getIndex(),
          "K is registered with C1: C0 backed nothing when it was spent");
      assertNotNull(a.ledger.validatorSetAt(2).member(k));
    }
  }

  /** The second face of the same bug: C0 is refused as another masternode's collateral. */
  @Test
  void theOldCollateralOfAKeyReRegisteredInTheSameBlockMayBackAnotherMasternode() throws Exception {
    try (LedgerChain a = chain()) {
      ByteString k = mn(consensus.get(0));
      OutPoint c0 = genesis.collateralOutPoint(0);
      Ed25519KeyPair j = LedgerChain.key(random);
      Transaction dereg =
          Transactions.sign(
              Transactions.deregister(
                  List.of(allocation(0)),
                  List.of(
                      Transactions.output(
                          allocationAmount(0) - 10_000, LedgerChain.address(wallets.get(0)))),
                  k),
              CHAIN_ID,
              List.of(allocationOwner(0)),
              List.of(wallets.get(0)));
      Transaction reg =
          Transactions.sign(
              Transactions.register(
                  List.of(allocation(1)),
                  List.of(
                      Transactions.output(
                          allocationAmount(1) - TIME, LedgerChain.address(wallets.get(1)))),
                  allocation(2),
                  k,
                  LedgerChain.address(wallets.get(9))),
              CHAIN_ID,
              List.of(allocationOwner(1)),
              List.of(allocationOwner(2), consensus.get(0)));
      Transaction regJ =
          Transactions.sign(
              Transactions.register(
                  List.of(allocation(3)),
                  List.of(
                      Transactions.output(
                          allocationAmount(3) - TIME, LedgerChain.address(wallets.get(3)))),
                  c0,
                  mn(j),
                  LedgerChain.address(wallets.get(8))),
              CHAIN_ID,
              List.of(allocationOwner(3)),
              List.of(wallets.get(0), j));
      // control: without K's re-registration, C0 may back J in the same block
      assertValid(a, a.handBuilt(mn(consensus.get(1)), List.of(dereg, regJ), TIME + 10_000));
      assertValid(
          a, a.handBuilt(mn(consensus.get(1)), List.of(dereg, reg, regJ), 2 * TIME + 10_000));
    }
  }

  /**
   * SUSPECTED BUG: Ledger.propose reserves room for the REWARD by the size of the next height's set
   * (parent.nextSet(), the set of h), but the REWARD pays the signers of cert(h-1), members of the
   * set of h-1, which can be much larger (masternodes left in block h-1). A full proposal then
   * exceeds max_block_bytes: every other validator refuses it, while the proposer's own ledger,
   * which cached its execution, calls it valid.
   */
  @Test
  void aFullProposalStaysWithinMaxBlockBytesWhenTheSetShrank() throws Exception {
    int n = 30;
    List<Ed25519KeyPair> keys = new ArrayList<>();
    List<Genesis.Masternode> mns = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      keys.add(LedgerChain.key(random));
      mns.add(
          new Genesis.Masternode(
              keys.get(i).publicKey(),
              LedgerChain.address(wallets.get(i % 10)),
              LedgerChain.address(wallets.get((i + 3) % 10)),
              1_000 * TIME));
    }
    List<Genesis.Allocation> allocations = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      allocations.add(new Genesis.Allocation(LedgerChain.address(wallets.get(i % 10)), 100 * TIME));
    }
    Genesis g = LedgerChain.genesis(mns, allocations);
    ByteString txid = Hashes.transaction(g.transaction());
    LedgerParams d = g.ledgerParams();
    LedgerParams params =
        new LedgerParams(
            CHAIN_ID,
            d.minTxFee(),
            d.minFeePerByte(),
            d.minOutput(),
            d.registrationFee(),
            d.maxTxBytes(),
            d.maxBlockTxs(),
            20_000,
            d.maxValidators());
    try (LedgerChain p = LedgerChain.open(tmp.resolve("p"), g, params);
        LedgerChain v = LedgerChain.open(tmp.resolve("v"), g, params)) {
      // block 1: 29 of the 30 masternodes leave
      for (int i = 1; i < n; i++) {
        admit(
            p,
            Transactions.sign(
                Transactions.deregister(
                    List.of(outpoint(txid, i)),
                    List.of(
                        Transactions.output(
                            100 * TIME - 10_000, LedgerChain.address(wallets.get(i % 10)))),
                    mn(keys.get(i))),
                CHAIN_ID,
                List.of(wallets.get(i % 10)),
                List.of(wallets.get(i % 10))));
      }
      Block block1 = p.propose(mn(keys.get(0)));
      assertEquals(n, block1.getBody().getTransactionsCount());
      finalizeOnBoth(p, v, block1, true); // all 30 sign cert(1)
      assertEquals(1, p.nextSet().size());

      // block 2: a full mempool; its REWARD pays 30 signers, but the proposal kept room for 2
      // outputs
      for (int i = n; i < 200; i++) {
        admit(
            p,
            LedgerChain.transfer(
                List.of(outpoint(txid, i)),
                List.of(wallets.get(i % 10)),
                List.of(
                    Transactions.output(
                        100 * TIME - 10_000, LedgerChain.address(wallets.get((i + 1) % 10))))));
      }
      Block block2 = p.propose(mn(keys.get(0)));
      long bytes =
          block2.getBody().getTransactionsList().stream()
              .mapToLong(Transaction::getSerializedSize)
              .sum();
      assertValid(p, block2); // the proposer's own verdict (cached)
      assertValid(v, block2); // fails: "20746 bytes of transactions, the limit is 20000"
      assertTrue(
          bytes <= params.maxBlockBytes(),
          "the proposal holds " + bytes + " bytes, the limit is " + params.maxBlockBytes());
    }
  }

  private void finalizeOnBoth(LedgerChain a, LedgerChain b, Block block, boolean allSign)
      throws Exception {
    assertValid(b, block);
    long h = block.getHeader().getHeight();
    var cert =
        allSign
            ? LedgerChain.certificateOfAll(
                h, Hashes.block(block.getHeader()), a.ledger.validatorSetAt(h))
            : LedgerChain.certificate(
                h, Hashes.block(block.getHeader()), a.ledger.validatorSetAt(h), random);
    a.finalize(block, cert);
    b.finalize(block, cert);
  }
}
