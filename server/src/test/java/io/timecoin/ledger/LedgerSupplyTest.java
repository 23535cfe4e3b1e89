package io.timecoin.ledger;

import static io.timecoin.ledger.LedgerChain.CHAIN_ID;
import static io.timecoin.ledger.LedgerChain.KEY_ORDER;
import static io.timecoin.ledger.LedgerChain.TIME;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.node.config.Genesis;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Fees;
import io.timecoin.protocol.Subsidy;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.ValidatorSet;
import io.timecoin.storage.StorageException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supply test of docs/protocol.md 4.4: thousands of random transfers, masternode registrations,
 * deregistrations and collateral spends over 300 blocks, through the real Ledger, mempool and
 * RocksDB store, against a model the test keeps itself. After every block:
 *
 * <ol>
 *   <li>each block's REWARD pays exactly reward(h) = subsidy(h) + fees (split as 4.4 says, computed
 *       here independently), and the unspent outputs, in the model and in the store, sum to the
 *       genesis outputs (allocations and collaterals) plus every reward paid less the fees those
 *       rewards re-paid: the genesis outputs plus the subsidies. (A fee leaves a transaction and
 *       comes back in the REWARD; it is moved, not created. "Genesis plus every reward paid", read
 *       literally, would count each fee twice.);
 *   <li>no output is spent twice, and the store answers spent for every spent output;
 *   <li>the registry and the validator set of the next height agree with the model;
 *   <li>an independent follower ledger (its own store, its own empty mempool, so it checks every
 *       signature) executes each block to the same state changes.
 * </ol>
 *
 * At the end the store is reopened under a new Ledger, which must have the same state and keep
 * going.
 */
class LedgerSupplyTest {
  private static final int BLOCKS = 300;
  private static final int WALLETS = 40;
  private static final int GENESIS_MASTERNODES = 5;
  private static final int MAX_ACTIVE = 24;
  private static final int MIN_ACTIVE = 3;
  private static final int FULL_SCAN_EVERY = 10;

  @TempDir Path tmp;

  private final Random random = new Random(0x7131_2024L);

  // ---- the model
  private final List<Ed25519KeyPair> wallets = new ArrayList<>();
  private final Map<ByteString, Ed25519KeyPair> keyOfAddress = new HashMap<>();
  private final RandomSet unspentSet = new RandomSet();
  private final Map<OutPoint, TxOutput> unspent = new HashMap<>();
  private final Map<OutPoint, TxOutput> spentOutputs = new HashMap<>();
  private final List<OutPoint> spentList = new ArrayList<>();
  private final List<OutPoint> everCreated = new ArrayList<>();
  private final Map<ByteString, Mn> masternodes = new TreeMap<>(KEY_ORDER);
  private final Map<OutPoint, ByteString> activeCollateral = new HashMap<>();
  private long genesisTotal;
  private long rewardsPaid; // every REWARD output: subsidy(h) + fees(h) per block
  private long subsidiesPaid;
  private long feesPaid;
  private long modelSum;
  private final Map<Long, ByteString> setHashAt = new HashMap<>();

  // ---- statistics
  private int transfers;
  private int registrations;
  private int deregistrations;
  private int collateralSpends;
  private int probes;
  private int reRegistrations;

  /** A masternode as the test models it. */
  private static final class Mn {
    final ByteString key;
    final Ed25519KeyPair consensus;
    OutPoint collateral;
    long amount;
    ByteString owner;
    ByteString rewardAddress;
    long registeredHeight;
    boolean active;
    long lastSigned;
    long missedMask;

    Mn(Ed25519KeyPair consensus) {
      this.consensus = consensus;
      this.key = LedgerChain.keyBytes(consensus);
    }
  }

  /** A transaction admitted for the next block, with what the model expects of it. */
  private record Pending(ByteString txid, Transaction tx, long fee) {}

  /** A set with O(1) random picks. */
  private static final class RandomSet {
    private final List<OutPoint> items = new ArrayList<>();
    private final Map<OutPoint, Integer> index = new HashMap<>();

    void add(OutPoint o) {
      if (index.putIfAbsent(o, items.size()) == null) {
        items.add(o);
      }
    }

    void remove(OutPoint o) {
      Integer i = index.remove(o);
      if (i == null) {
        return;
      }
      OutPoint last = items.remove(items.size() - 1);
      if (i < items.size()) {
        items.set(i, last);
        index.put(last, i);
      }
    }

    OutPoint random(Random r) {
      return items.get(r.nextInt(items.size()));
    }

    int size() {
      return items.size();
    }
  }

  @Test
  void supplyIsConservedAndNothingIsSpentTwiceOverThreeHundredBlocks() throws Exception {
    long started = System.nanoTime();
    Genesis genesis = makeGenesis();
    // what the largest transfer here (3 inputs, 3 outputs: 570 bytes) needs at 10 units per byte,
    // and more
    long minFee = 10 * genesis.minTxFee();
    try (LedgerChain chain = LedgerChain.open(tmp.resolve("node"), genesis);
        LedgerChain follower = LedgerChain.open(tmp.resolve("follower"), genesis)) {
      // block 0: every genesis output is unspent, the genesis set is the model's
      ByteString genesisTxid = Hashes.transaction(genesis.transaction());
      List<TxOutput> genesisOutputs = genesis.transaction().getOutputsList();
      for (int i = 0; i < genesisOutputs.size(); i++) {
        create(LedgerChain.outpoint(genesisTxid, i), genesisOutputs.get(i));
        genesisTotal = Math.addExact(genesisTotal, genesisOutputs.get(i).getAmount());
      }
      masternodes.values().forEach(m -> activeCollateral.put(m.collateral, m.key));
      checkSupply(chain, true);
      checkRegistry(chain, 0);
      setHashAt.put(1L, chain.nextSet().hash());

      ValidatorSet previousSet = null; // set(h-1)
      FinalityCertificate previousCert = null; // cert(h-1)
      int included = 0;
      for (long h = 1; h <= BLOCKS; h++) {
        ValidatorSet set = chain.ledger.validatorSetAt(h);
        assertEquals(setHashAt.get(h), set.hash(), "the set of " + h);
        List<Pending> pending = submitBlockOfTransactions(chain, follower, h, minFee);
        included += pending.size();
        BlockExecution exec = produce(chain, follower, h, set, previousSet, previousCert, pending);
        applyToModel(exec, previousSet, h);
        previousSet = set;
        previousCert = chain.lastCertificate;
        checkSupply(chain, h % FULL_SCAN_EVERY == 0 || h == BLOCKS);
        checkRegistry(chain, h);
        if (h % FULL_SCAN_EVERY == 0) {
          assertEquals(
              List.copyOf(chain.ledger.state().registry().all()),
              chain.store.masternodes(),
              "the stored masternodes are the registry's");
        }
        setHashAt.put(h + 1, chain.nextSet().hash());
        assertEquals(chain.tipHash(), follower.tipHash());
        assertEquals(chain.nextSet().hash(), follower.nextSet().hash());
      }

      // (4) reopen: a new ChainStore and a new Ledger on the same directory have the same state
      long tip = chain.height();
      ByteString tipHash = chain.tipHash();
      List<MasternodeRecord> registry = List.copyOf(chain.ledger.state().registry().all());
      FinalityCertificate tipCert = chain.lastCertificate;
      chain.reopen();
      assertEquals(tip, chain.height());
      assertEquals(tipHash, chain.tipHash());
      assertEquals(tipCert, chain.lastCertificate);
      assertEquals(
          registry,
          List.copyOf(chain.ledger.state().registry().all()),
          "the registry after reopening");
      assertEquals(registry, chain.store.masternodes());
      for (long k = 1; k <= tip + 1; k++) {
        assertEquals(
            setHashAt.get(k),
            chain.ledger.validatorSetAt(k).hash(),
            "the set of " + k + " after reopening");
      }
      assertNull(chain.ledger.validatorSetAt(tip + 2));
      for (int i = 0; i < 500; i++) {
        OutPoint o = unspentSet.random(random);
        assertEquals(unspent.get(o), chain.store.unspent(o));
        OutPoint s = spentList.get(random.nextInt(spentList.size()));
        assertNull(chain.store.unspent(s));
        assertTrue(chain.store.created(s));
      }
      checkSupply(chain, true);
      checkRegistry(chain, tip);
      // ... and keeps going: a few more blocks proposed by the reopened ledger, followed by the
      // follower
      for (long h = tip + 1; h <= tip + 5; h++) {
        ValidatorSet set = chain.ledger.validatorSetAt(h);
        assertEquals(setHashAt.get(h), set.hash());
        List<Pending> pending = submitBlockOfTransactions(chain, follower, h, minFee);
        included += pending.size();
        BlockExecution exec = produce(chain, follower, h, set, previousSet, previousCert, pending);
        applyToModel(exec, previousSet, h);
        previousSet = set;
        previousCert = chain.lastCertificate;
        checkSupply(chain, h == tip + 5);
        checkRegistry(chain, h);
        setHashAt.put(h + 1, chain.nextSet().hash());
      }

      System.out.printf(
          "supply test: %d blocks, %d transactions (%d transfers, %d registrations of which %d"
              + " re-registrations, %d deregistrations, %d collateral spends), %d refused probes, %d outputs created,"
              + " %d spent, %d masternodes ever (%d active), supply %s units, %.1f s%n",
          chain.height(),
          included,
          transfers,
          registrations,
          reRegistrations,
          deregistrations,
          collateralSpends,
          probes,
          everCreated.size(),
          spentList.size(),
          masternodes.size(),
          activeCollateral.size(),
          Long.toUnsignedString(modelSum),
          (System.nanoTime() - started) / 1e9);
      assertTrue(included > 2_500, "a few thousand transactions: " + included);
      assertTrue(
          registrations > 20 && deregistrations > 10 && collateralSpends > 5 && reRegistrations > 0,
          "enough masternode churn");
    }
  }

  // ------------------------------------------------------------------------------------ genesis

  private Genesis makeGenesis() {
    for (int i = 0; i < WALLETS; i++) {
      Ed25519KeyPair k = LedgerChain.key(random);
      wallets.add(k);
      keyOfAddress.put(LedgerChain.addressBytes(k), k);
    }
    List<Genesis.Masternode> mns = new ArrayList<>();
    for (int i = 0; i < GENESIS_MASTERNODES; i++) {
      Ed25519KeyPair consensus = LedgerChain.key(random);
      Ed25519KeyPair owner = wallets.get(i);
      Ed25519KeyPair reward = wallets.get(random.nextInt(WALLETS));
      long collateral = (1_000 + random.nextInt(20_000)) * TIME + random.nextInt(1_000_000);
      mns.add(
          new Genesis.Masternode(
              consensus.publicKey(),
              LedgerChain.address(owner),
              LedgerChain.address(reward),
              collateral));
      Mn m = new Mn(consensus);
      m.amount = collateral;
      m.owner = LedgerChain.addressBytes(owner);
      m.rewardAddress = LedgerChain.addressBytes(reward);
      m.active = true;
      masternodes.put(m.key, m);
    }
    List<Genesis.Allocation> allocations = new ArrayList<>();
    for (int i = 0; i < 2 * WALLETS; i++) {
      long amount = (20_000 + random.nextInt(300_000)) * TIME + random.nextInt(100_000_000);
      allocations.add(
          new Genesis.Allocation(LedgerChain.address(wallets.get(i % WALLETS)), amount));
    }
    Genesis g = LedgerChain.genesis(mns, allocations);
    for (int i = 0; i < mns.size(); i++) {
      masternodes.get(ByteString.copyFrom(mns.get(i).consensusKey().bytes())).collateral =
          g.collateralOutPoint(i);
    }
    return g;
  }

  // ------------------------------------------------------------------------- random transactions

  /**
   * Per-block bookkeeping of what the pending transactions use, so that they are independent of
   * each other.
   */
  private final class BlockPlan {
    final long height;
    final long minFee;
    final Set<OutPoint> reserved =
        new HashSet<>(); // spent, or named as collateral, by a pending transaction
    final List<OutPoint> pendingInputs = new ArrayList<>();
    final Set<ByteString> touched =
        new HashSet<>(); // masternode keys a pending transaction names or removes
    final List<Pending> pending = new ArrayList<>();
    int removals;
    int additions;

    BlockPlan(long height, long minFee) {
      this.height = height;
      this.minFee = minFee;
    }

    int activeAfter() {
      return activeCollateral.size() - removals + additions;
    }

    /**
     * A random unspent output, not reserved, not an active collateral, matching {@code filter};
     * reserved now.
     */
    OutPoint pick(Predicate<TxOutput> filter) {
      for (int tries = 0; tries < 60; tries++) {
        OutPoint o = unspentSet.random(random);
        if (!reserved.contains(o)
            && !activeCollateral.containsKey(o)
            && filter.test(unspent.get(o))) {
          reserved.add(o);
          return o;
        }
      }
      return null;
    }

    long fee() {
      return minFee + random.nextInt(40_000);
    }
  }

  private List<Pending> submitBlockOfTransactions(
      LedgerChain chain, LedgerChain follower, long h, long minFee) {
    BlockPlan plan = new BlockPlan(h, minFee);
    int n = 5 + random.nextInt(11);
    for (int i = 0; i < n; i++) {
      double p = random.nextDouble();
      Transaction tx = null;
      if (p < 0.07 && plan.activeAfter() < MAX_ACTIVE) {
        tx = register(plan);
      } else if (p < 0.11 && plan.activeAfter() > MIN_ACTIVE) {
        tx = deregister(plan);
      } else if (p < 0.14 && plan.activeAfter() > MIN_ACTIVE) {
        tx = spendCollateral(plan);
      }
      if (tx == null) {
        tx = transfer(plan);
      }
      if (tx == null) {
        continue;
      }
      admit(chain, follower, plan, tx);
      if (random.nextInt(25) == 0) {
        probe(chain, plan);
      }
    }
    return plan.pending;
  }

  /**
   * Admits to the proposer's mempool, and on odd heights relays it to the follower too (the other
   * half it checks itself).
   */
  private void admit(LedgerChain chain, LedgerChain follower, BlockPlan plan, Transaction tx) {
    TransactionRules.Verdict v = chain.ledger.admit(tx, false);
    assertTrue(v.valid(), () -> tx.getKind() + " at height " + plan.height + ": " + v);
    long in = 0;
    for (TxInput input : tx.getInputsList()) {
      in += unspent.get(input.getOutpoint()).getAmount();
      plan.pendingInputs.add(input.getOutpoint());
    }
    long fee = in - LedgerChain.sum(tx.getOutputsList());
    assertEquals(fee, v.fee(), "the fee the ledger computed");
    assertEquals(Hashes.transaction(tx), v.txid());
    plan.pending.add(new Pending(v.txid(), tx, fee));
    if (plan.height % 2 == 1) {
      assertTrue(follower.ledger.admit(tx, random.nextBoolean()).valid());
    }
  }

  /** Outputs worth {@code value} to 1..3 random wallets (1 when small). */
  private static final long MIN_OUTPUT = Fees.DEFAULTS.minOutput();

  private List<TxOutput> outputs(long value, int max) {
    int m = value < 100L * TIME ? 1 : 1 + random.nextInt(max);
    List<TxOutput> outs = new ArrayList<>();
    long left = value;
    for (int i = 0; i < m - 1; i++) {
      long part =
          MIN_OUTPUT + (long) (random.nextDouble() * (left - (m - i) * MIN_OUTPUT)); // none is DUST
      outs.add(
          Transactions.output(part, LedgerChain.address(wallets.get(random.nextInt(WALLETS)))));
      left -= part;
    }
    outs.add(Transactions.output(left, LedgerChain.address(wallets.get(random.nextInt(WALLETS)))));
    return outs;
  }

  private Ed25519KeyPair owner(OutPoint o) {
    return keyOfAddress.get(unspent.get(o).getAddress());
  }

  private Transaction transfer(BlockPlan plan) {
    int k = 1 + random.nextInt(3);
    List<OutPoint> inputs = new ArrayList<>();
    long in = 0;
    for (int i = 0; i < k; i++) {
      OutPoint o = plan.pick(x -> true);
      if (o != null) {
        inputs.add(o);
        in += unspent.get(o).getAmount();
      }
    }
    long fee = plan.fee();
    if (inputs.isEmpty() || in < fee + MIN_OUTPUT) {
      plan.reserved.removeAll(inputs);
      return null;
    }
    transfers++;
    return LedgerChain.transfer(
        inputs, inputs.stream().map(this::owner).toList(), outputs(in - fee, 3));
  }

  private Transaction register(BlockPlan plan) {
    OutPoint collateral = plan.pick(o -> o.getAmount() >= MasternodeRecord.MIN_COLLATERAL);
    if (collateral == null) {
      return null;
    }
    long fee = plan.fee() + Fees.DEFAULTS.registrationFee(); // docs/protocol.md 4.3
    OutPoint feeInput = plan.pick(o -> o.getAmount() >= fee + MIN_OUTPUT);
    if (feeInput == null) {
      plan.reserved.remove(collateral);
      return null;
    }
    Mn m = null;
    if (random.nextInt(3) == 0) { // a key that was registered before and is not any more
      List<Mn> inactive =
          masternodes.values().stream()
              .filter(x -> !x.active && !plan.touched.contains(x.key))
              .toList();
      if (!inactive.isEmpty()) {
        m = inactive.get(random.nextInt(inactive.size()));
        reRegistrations++;
      }
    }
    Ed25519KeyPair consensus = m != null ? m.consensus : LedgerChain.key(random);
    plan.touched.add(LedgerChain.keyBytes(consensus));
    consensusKeys.put(LedgerChain.keyBytes(consensus), consensus);
    long change = unspent.get(feeInput).getAmount() - fee;
    Address rewardAddress = LedgerChain.address(wallets.get(random.nextInt(WALLETS)));
    Transaction tx =
        Transactions.sign(
            Transactions.register(
                List.of(feeInput),
                outputs(change, 2),
                collateral,
                LedgerChain.keyBytes(consensus),
                rewardAddress),
            CHAIN_ID,
            List.of(owner(feeInput)),
            List.of(owner(collateral), consensus));
    plan.additions++;
    registrations++;
    return tx;
  }

  private Mn pickActive(BlockPlan plan) {
    List<Mn> active =
        masternodes.values().stream()
            .filter(x -> x.active && !plan.touched.contains(x.key))
            .toList();
    if (active.isEmpty()) {
      return null;
    }
    Mn m = active.get(random.nextInt(active.size()));
    plan.touched.add(m.key);
    return m;
  }

  private Transaction deregister(BlockPlan plan) {
    long fee = plan.fee();
    OutPoint feeInput = plan.pick(o -> o.getAmount() >= fee + MIN_OUTPUT);
    if (feeInput == null) {
      return null;
    }
    Mn m = pickActive(plan);
    if (m == null) {
      plan.reserved.remove(feeInput);
      return null;
    }
    long change = unspent.get(feeInput).getAmount() - fee;
    Transaction tx =
        Transactions.sign(
            Transactions.deregister(List.of(feeInput), outputs(change, 2), m.key),
            CHAIN_ID,
            List.of(owner(feeInput)),
            List.of(keyOfAddress.get(m.owner)));
    plan.removals++;
    deregistrations++;
    return tx;
  }

  /** A transfer whose inputs include an active masternode's collateral: that deregisters it. */
  private Transaction spendCollateral(BlockPlan plan) {
    Mn m = pickActive(plan);
    if (m == null) {
      return null;
    }
    plan.reserved.add(m.collateral);
    List<OutPoint> inputs = new ArrayList<>(List.of(m.collateral));
    if (random.nextBoolean()) {
      OutPoint extra = plan.pick(x -> true);
      if (extra != null) {
        inputs.add(random.nextInt(inputs.size() + 1) == 0 ? 0 : inputs.size(), extra);
      }
    }
    long in = inputs.stream().mapToLong(o -> unspent.get(o).getAmount()).sum();
    plan.removals++;
    collateralSpends++;
    return LedgerChain.transfer(
        inputs, inputs.stream().map(this::owner).toList(), outputs(in - plan.fee(), 3));
  }

  /** Transactions the ledger must refuse, with the reason; none may enter the mempool. */
  private void probe(LedgerChain chain, BlockPlan plan) {
    int before = chain.ledger.mempool().size();
    Transaction tx;
    ErrorReason expected;
    int kind = random.nextInt(3);
    if (kind == 0 && !spentList.isEmpty()) { // spends an output spent in an earlier block
      OutPoint o = spentList.get(random.nextInt(spentList.size()));
      TxOutput out = spentOutputs.get(o);
      if (out.getAmount() <= plan.minFee) {
        return;
      }
      tx =
          LedgerChain.transfer(
              List.of(o),
              List.of(keyOfAddress.get(out.getAddress())),
              outputs(out.getAmount() - plan.minFee, 1));
      expected = ErrorReason.ERROR_REASON_ALREADY_SPENT;
    } else if (kind == 1
        && !plan.pendingInputs.isEmpty()) { // spends what a held transaction spends
      OutPoint o = plan.pendingInputs.get(random.nextInt(plan.pendingInputs.size()));
      TxOutput out = unspent.get(o);
      if (out.getAmount() <= plan.minFee + 1) {
        return;
      }
      tx =
          LedgerChain.transfer(
              List.of(o),
              List.of(keyOfAddress.get(out.getAddress())),
              outputs(out.getAmount() - plan.minFee - 1, 1));
      expected = ErrorReason.ERROR_REASON_MEMPOOL_CONFLICT;
    } else if (kind == 2
        && !plan.pending.isEmpty()) { // spends an output of a transaction not yet in a block
      Pending p = plan.pending.get(random.nextInt(plan.pending.size()));
      if (p.tx().getOutputsCount() == 0 || p.tx().getOutputs(0).getAmount() <= plan.minFee) {
        return;
      }
      TxOutput out = p.tx().getOutputs(0);
      tx =
          LedgerChain.transfer(
              List.of(LedgerChain.outpoint(p.txid(), 0)),
              List.of(keyOfAddress.get(out.getAddress())),
              outputs(out.getAmount() - plan.minFee, 1));
      expected = ErrorReason.ERROR_REASON_UNKNOWN_INPUT;
    } else {
      return;
    }
    TransactionRules.Verdict v = chain.ledger.admit(tx, false);
    assertEquals(expected, v.reason(), () -> "probe: " + v);
    assertEquals(before, chain.ledger.mempool().size());
    probes++;
  }

  // ------------------------------------------------------------------------------ the block

  /**
   * Block h: proposed by the chain from its mempool (every admitted transaction in it, the REWARD
   * first and exact), certified by a random quorum of set(h), validated and executed by the
   * follower to the same changes, stored by both.
   */
  private BlockExecution produce(
      LedgerChain chain,
      LedgerChain follower,
      long h,
      ValidatorSet set,
      ValidatorSet previousSet,
      FinalityCertificate previousCert,
      List<Pending> pending)
      throws StorageException {
    ByteString proposer = chain.randomProposer(random);
    Block block = chain.propose(proposer);
    assertEquals(h, block.getHeader().getHeight());
    List<Transaction> txs = block.getBody().getTransactionsList();
    assertEquals(pending.size() + 1, txs.size(), "every admitted transaction is in block " + h);
    assertEquals(TransactionKind.TRANSACTION_KIND_REWARD, txs.get(0).getKind());
    Set<ByteString> ids = new HashSet<>();
    for (int i = 1; i < txs.size(); i++) {
      assertTrue(txs.get(i).getKind() != TransactionKind.TRANSACTION_KIND_REWARD);
      ids.add(Hashes.transaction(txs.get(i)));
    }
    Set<ByteString> expectedIds = new HashSet<>();
    long fees = 0;
    for (Pending p : pending) {
      expectedIds.add(p.txid());
      fees = Math.addExact(fees, p.fee());
    }
    assertEquals(expectedIds, ids);

    // (1) the REWARD: exactly subsidy(h) + fees, to the proposer and the signers of cert(h-1)
    // weighted by set(h-1)
    List<ValidatorSet.Member> signers = new ArrayList<>();
    if (h == 1) {
      signers.addAll(set.members());
    } else {
      for (CertificateSignature s : previousCert.getSignaturesList()) {
        signers.add(previousSet.member(s.getValidator()));
      }
    }
    List<TxOutput> expectedReward =
        LedgerChain.expectedReward(
            h, fees, proposer, signers, k -> masternodes.get(k).rewardAddress);
    Transaction reward = txs.get(0);
    assertEquals(
        LedgerChain.rewardTransaction(h, expectedReward), reward, "the REWARD of block " + h);
    long paid = LedgerChain.sum(reward.getOutputsList());
    assertEquals(Rewards.reward(h, fees), paid);
    assertEquals(Subsidy.at(h) + fees, paid);

    // the follower judges it from scratch: on odd heights it holds the transactions, on even ones
    // it checks every signature
    var verdict = follower.ledger.validate(block);
    assertTrue(
        verdict.isValid(), () -> "the follower refuses block " + h + ": " + verdict.detail());
    FinalityCertificate cert =
        LedgerChain.certificate(h, Hashes.block(block.getHeader()), set, random);
    BlockExecution exec = chain.finalize(block, cert);
    BlockExecution followed = follower.finalize(block, cert);
    assertEquals(verdict.nextSet().hash(), chain.nextSet().hash());
    assertEquals(fees, exec.fees());
    assertEquals(paid, exec.reward());
    assertEquals(exec.changes().created(), followed.changes().created());
    assertEquals(exec.changes().spent(), followed.changes().spent());
    assertEquals(exec.changes().txids(), followed.changes().txids());
    assertEquals(exec.changes().masternodes(), followed.changes().masternodes());
    assertEquals(exec.changes().nextSet() == null, followed.changes().nextSet() == null);
    assertEquals(0, chain.ledger.mempool().size(), "the block took the whole mempool");
    assertEquals(0, follower.ledger.mempool().size());
    return exec;
  }

  /** The model applies the finalized block itself, checking (2) as it goes. */
  private void applyToModel(BlockExecution exec, ValidatorSet previousSet, long h) {
    List<Transaction> txs = exec.block().getBody().getTransactionsList();
    List<OutPoint> createdNow = new ArrayList<>();
    List<OutPoint> spentNow = new ArrayList<>();
    for (int i = 1; i < txs.size(); i++) {
      Transaction tx = txs.get(i);
      ByteString txid = Hashes.transaction(tx);
      long in = 0;
      for (TxInput input : tx.getInputsList()) {
        OutPoint o = input.getOutpoint();
        assertFalse(spentOutputs.containsKey(o), "output spent twice at height " + h);
        TxOutput out = unspent.remove(o);
        assertNotNull(out, "the block spends an output the model does not hold");
        in += out.getAmount();
        unspentSet.remove(o);
        spentOutputs.put(o, out);
        spentList.add(o);
        spentNow.add(o);
        modelSum -= out.getAmount();
        ByteString backed = activeCollateral.remove(o);
        if (backed != null) {
          masternodes.get(backed).active = false; // spending the collateral deregisters
        }
      }
      assertTrue(in > LedgerChain.sum(tx.getOutputsList()));
      for (int j = 0; j < tx.getOutputsCount(); j++) {
        createdNow.add(LedgerChain.outpoint(txid, j));
        create(LedgerChain.outpoint(txid, j), tx.getOutputs(j));
      }
      if (tx.hasRegisterMasternode()) {
        var p = tx.getRegisterMasternode();
        Mn m = masternodes.get(p.getConsensusKey());
        if (m == null) {
          m = new Mn(consensusKeys.get(p.getConsensusKey()));
          masternodes.put(m.key, m);
        }
        assertFalse(m.active);
        TxOutput collateral = unspent.get(p.getCollateral());
        m.collateral = p.getCollateral();
        m.amount = collateral.getAmount();
        m.owner = collateral.getAddress();
        m.rewardAddress = p.getRewardAddress();
        m.registeredHeight = h;
        m.active = true;
        m.lastSigned = 0;
        m.missedMask = 0;
        assertNull(activeCollateral.put(m.collateral, m.key));
      } else if (tx.hasDeregisterMasternode()) {
        Mn m = masternodes.get(tx.getDeregisterMasternode().getConsensusKey());
        assertTrue(m.active);
        m.active = false;
        activeCollateral.remove(m.collateral);
      }
    }
    // uptime: the members of set(h-1) against cert(h-1), which block h carries
    if (h >= 2) {
      FinalityCertificate cert = exec.block().getBody().getLastCertificate();
      Set<ByteString> signed = new HashSet<>();
      cert.getSignaturesList().forEach(s -> signed.add(s.getValidator()));
      for (ValidatorSet.Member member : previousSet.members()) {
        Mn m = masternodes.get(member.keyBytes());
        boolean s = signed.contains(member.keyBytes());
        m.lastSigned = s ? h - 1 : m.lastSigned;
        m.missedMask = (m.missedMask << 1) | (s ? 0 : 1);
      }
    }
    subsidiesPaid = Math.addExact(subsidiesPaid, Subsidy.at(h));
    feesPaid = Math.addExact(feesPaid, exec.fees());
    Transaction reward = txs.get(0);
    ByteString rewardId = Hashes.transaction(reward);
    for (int j = 0; j < reward.getOutputsCount(); j++) {
      createdNow.add(LedgerChain.outpoint(rewardId, j));
      create(LedgerChain.outpoint(rewardId, j), reward.getOutputs(j));
      rewardsPaid = Math.addExact(rewardsPaid, reward.getOutputs(j).getAmount());
    }
    lastCreated = createdNow;
    lastSpent = spentNow;
  }

  private List<OutPoint> lastCreated = List.of();
  private List<OutPoint> lastSpent = List.of();

  /** The key pairs of the consensus keys registered so far (the model re-registers some later). */
  private final Map<ByteString, Ed25519KeyPair> consensusKeys = new HashMap<>();

  private void create(OutPoint o, TxOutput out) {
    assertTrue(out.getAmount() > 0);
    assertNull(unspent.put(o, out), "an outpoint created twice");
    unspentSet.add(o);
    everCreated.add(o);
    modelSum = Math.addExact(modelSum, out.getAmount());
  }

  // ------------------------------------------------------------------------------ the checks

  /**
   * (1) and (2): the model's sum, what the store holds for this block's outputs, and every so often
   * all of them.
   */
  private void checkSupply(LedgerChain chain, boolean full) {
    // The fees a block's transactions leave are not new money: its REWARD pays them out again. So
    // what
    // is created is the subsidies: the supply is the genesis outputs plus every reward paid, less
    // the
    // fees that every reward re-paid.
    assertEquals(rewardsPaid, subsidiesPaid + feesPaid);
    long expected = Math.addExact(genesisTotal, subsidiesPaid);
    assertEquals(
        expected,
        modelSum,
        "the unspent outputs sum to the genesis outputs plus the subsidies paid");
    for (OutPoint o : lastCreated) {
      assertEquals(unspent.get(o), chain.store.unspent(o));
      assertTrue(chain.store.created(o));
    }
    for (OutPoint o : lastSpent) {
      assertNull(chain.store.unspent(o), "a spent output is not unspent in the store");
      assertTrue(chain.store.created(o), "a spent output was created");
    }
    if (full) {
      long storeSum = 0;
      int unspentCount = 0;
      for (OutPoint o : everCreated) {
        TxOutput stored = chain.store.unspent(o);
        assertEquals(unspent.get(o), stored);
        assertTrue(chain.store.created(o));
        if (stored != null) {
          storeSum = Math.addExact(storeSum, stored.getAmount());
          unspentCount++;
        }
      }
      assertEquals(
          expected,
          storeSum,
          "the store's unspent outputs sum to the genesis outputs plus the subsidies paid");
      assertEquals(unspent.size(), unspentCount);
      assertEquals(everCreated.size(), unspent.size() + spentOutputs.size());
    }
  }

  /** (3): the registry and the next set are the model's. */
  private void checkRegistry(LedgerChain chain, long h) {
    Registry registry = chain.ledger.state().registry();
    // the working registry (docs/protocol.md 4.1): the active, and the inactive of the set of h,
    // whose certificate the next block pays; the set of h is checked against the model's above
    ValidatorSet setOfH = h == 0 ? null : chain.ledger.validatorSetAt(h);
    int held = 0;
    List<io.timecoin.proto.v1.Validator> expectedSet = new ArrayList<>();
    for (Mn m : masternodes.values()) {
      MasternodeRecord r = registry.get(m.key);
      String what = "masternode " + TransactionRules.shortHex(m.key) + " after block " + h;
      if (!m.active && (setOfH == null || setOfH.member(m.key) == null)) {
        assertNull(r, what + " left the working registry");
        continue;
      }
      held++;
      assertNotNull(r, what);
      assertEquals(
          new MasternodeRecord(
              m.key,
              m.collateral,
              m.amount,
              m.owner,
              m.rewardAddress,
              m.registeredHeight,
              m.active,
              m.lastSigned,
              m.missedMask),
          r,
          what);
      MasternodeRecord backed = registry.activeByCollateral(m.collateral);
      assertEquals(m.active, backed != null && backed.consensusKey().equals(m.key), what);
      if (m.active) {
        expectedSet.add(
            io.timecoin.proto.v1.Validator.newBuilder()
                .setKey(m.key)
                .setWeight(m.amount / TIME)
                .build());
      }
    }
    assertEquals(held, registry.all().size());
    assertEquals(activeCollateral.size(), registry.activeCount());
    assertTrue(expectedSet.size() < chain.params.maxValidators());
    ValidatorSet next = chain.ledger.validatorSetAt(h + 1);
    assertEquals(h + 1, next.height());
    assertEquals(expectedSet, next.toProto().getValidatorsList(), "the set of height " + (h + 1));
    assertEquals(chain.store.validatorSetAt(h + 1).hash(), next.hash());
  }
}
