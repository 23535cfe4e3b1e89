package io.timecoin.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Witness;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Random transfers and masternode transactions (REGISTER_MASTERNODE, DEREGISTER_MASTERNODE), valid
 * and broken one way each, thrown at the validator: every verdict and reason checked.
 */
class TransactionRulesTest {
  private static final String CHAIN = "timecoin-test";
  private static final LedgerParams LIMITS =
      new LedgerParams(CHAIN, 1_000, 0, 0, 0, 64 * 1024, 1_000, 1 << 20, 100);
  private static final Registry NO_MASTERNODES = Registry.of(List.of());
  private static final SignatureVerifier VERIFY = SignatureVerifier.ED25519;

  private final Random random = new Random(42);
  private final List<Ed25519KeyPair> keys = new ArrayList<>();
  private final Map<OutPoint, TxOutput> unspent = new HashMap<>();
  private final Map<OutPoint, Ed25519KeyPair> ownerOf = new HashMap<>();
  private final Set<OutPoint> spent = new HashSet<>();

  /**
   * Unspent outputs big enough to back a masternode (at least 1,000 TIME); kept apart from the fee
   * outputs.
   */
  private final Map<OutPoint, TxOutput> collaterals = new HashMap<>();

  private final List<OutPoint> collateralPool = new ArrayList<>();

  /** Unspent outputs below 1,000 TIME, down to 1 unit: too thin to back a masternode. */
  private final List<OutPoint> thinCollaterals = new ArrayList<>();

  /** Collaterals that existed and were spent. */
  private final List<OutPoint> spentCollaterals = new ArrayList<>();

  /** Consensus keys of masternodes, never owners of outputs. */
  private final List<Ed25519KeyPair> nodeKeys = new ArrayList<>();

  private final UtxoView view =
      new UtxoView() {
        @Override
        public TxOutput unspent(OutPoint o) {
          TxOutput out = unspent.get(o);
          return out != null ? out : collaterals.get(o);
        }

        @Override
        public boolean created(OutPoint o) {
          return unspent.containsKey(o) || collaterals.containsKey(o) || spent.contains(o);
        }
      };

  TransactionRulesTest() {
    for (int i = 0; i < 8; i++) {
      keys.add(Ed25519KeyPair.fromSeed(Sha256.hash(new byte[] {(byte) i, 42})));
    }
    for (int i = 0; i < 200; i++) {
      OutPoint o =
          OutPoint.newBuilder()
              .setTxid(ByteString.copyFrom(Sha256.hash(new byte[] {(byte) i, 1})))
              .setIndex(i % 3)
              .build();
      Ed25519KeyPair owner = keys.get(random.nextInt(keys.size()));
      unspent.put(
          o,
          TxOutput.newBuilder()
              .setAmount(10_000 + random.nextInt(1_000_000))
              .setAddress(address(owner))
              .build());
      ownerOf.put(o, owner);
    }
    for (int i = 0; i < 20; i++) {
      spent.add(
          OutPoint.newBuilder()
              .setTxid(ByteString.copyFrom(Sha256.hash(new byte[] {(byte) i, 2})))
              .setIndex(0)
              .build());
    }
    // the masternode world has its own generator, so the transfer cases above stay what they were
    Random mn = new Random(4242);
    for (int i = 0; i < 16; i++) {
      nodeKeys.add(Ed25519KeyPair.fromSeed(Sha256.hash(new byte[] {(byte) i, 43})));
    }
    for (int i = 0; i < 60; i++) {
      long amount =
          i < 5
              ? MasternodeRecord.MIN_COLLATERAL // the boundary itself is enough
              : MasternodeRecord.MIN_COLLATERAL
                  + (long) (mn.nextDouble() * 200_000 * Units.UNITS_PER_TIME);
      collateralPool.add(collateral(i, 3, amount, keys.get(mn.nextInt(keys.size()))));
    }
    for (int i = 0; i < 20; i++) {
      long amount =
          switch (i) {
            case 0 -> MasternodeRecord.MIN_COLLATERAL - 1;
            case 1 -> 1;
            case 2 -> 999 * Units.UNITS_PER_TIME;
            default -> 1 + (long) (mn.nextDouble() * (MasternodeRecord.MIN_COLLATERAL - 1));
          };
      thinCollaterals.add(collateral(i, 4, amount, keys.get(mn.nextInt(keys.size()))));
    }
    for (int i = 0; i < 10; i++) {
      OutPoint o =
          OutPoint.newBuilder()
              .setTxid(ByteString.copyFrom(Sha256.hash(new byte[] {(byte) i, 5})))
              .setIndex(1)
              .build();
      spent.add(o);
      spentCollaterals.add(o);
    }
  }

  private OutPoint collateral(int i, int tag, long amount, Ed25519KeyPair owner) {
    OutPoint o =
        OutPoint.newBuilder()
            .setTxid(ByteString.copyFrom(Sha256.hash(new byte[] {(byte) i, (byte) tag})))
            .setIndex(i % 2)
            .build();
    collaterals.put(o, TxOutput.newBuilder().setAmount(amount).setAddress(address(owner)).build());
    ownerOf.put(o, owner);
    return o;
  }

  private static ByteString address(Ed25519KeyPair k) {
    return ByteString.copyFrom(Address.of(k.publicKey()).bytes());
  }

  /** A valid transfer of 1 to 3 random unspent outputs, paying a fee of at least the minimum. */
  private Transaction.Builder validTransfer() {
    List<OutPoint> all = new ArrayList<>(unspent.keySet());
    all.sort(
        (a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getTxid(), b.getTxid()));
    Set<OutPoint> chosen = new HashSet<>();
    int n = 1 + random.nextInt(3);
    while (chosen.size() < n) {
      chosen.add(all.get(random.nextInt(all.size())));
    }
    Transaction.Builder tx =
        Transaction.newBuilder()
            .setVersion(io.timecoin.protocol.ProtocolVersion.TRANSACTION)
            .setKind(TransactionKind.TRANSACTION_KIND_TRANSFER);
    long in = 0;
    for (OutPoint o : chosen) {
      tx.addInputs(TxInput.newBuilder().setOutpoint(o));
      in += unspent.get(o).getAmount();
    }
    long fee = 1_000 + random.nextInt(5_000);
    long pay = in - fee;
    long first = 1 + random.nextInt((int) Math.min(pay - 1, Integer.MAX_VALUE));
    tx.addOutputs(
        TxOutput.newBuilder()
            .setAmount(first)
            .setAddress(address(keys.get(random.nextInt(keys.size())))));
    tx.addOutputs(
        TxOutput.newBuilder()
            .setAmount(pay - first)
            .setAddress(address(keys.get(random.nextInt(keys.size())))));
    return tx;
  }

  /**
   * Signs each input with the owner of its output (or {@code signer} when given) for {@code chain}.
   */
  private Transaction sign(Transaction.Builder tx, Ed25519KeyPair signer, String chain) {
    byte[] msg =
        CanonicalBytes.transactionSignature(chain, Hashes.transaction(tx.build()).toByteArray());
    for (int i = 0; i < tx.getInputsCount(); i++) {
      Ed25519KeyPair k =
          signer != null
              ? signer
              : ownerOf.getOrDefault(tx.getInputs(i).getOutpoint(), keys.get(0));
      tx.getInputsBuilder(i)
          .setWitness(
              Witness.newBuilder()
                  .setPublicKey(ByteString.copyFrom(k.publicKey().bytes()))
                  .setSignature(ByteString.copyFrom(k.sign(msg))));
    }
    return tx.build();
  }

  private void expect(
      ErrorReason reason, BiFunction<Transaction.Builder, Random, Transaction> breaker) {
    for (int n = 0; n < 150; n++) {
      Transaction tx = breaker.apply(validTransfer(), random);
      TransactionRules.Verdict v =
          TransactionRules.check(tx, view, NO_MASTERNODES, LIMITS, VERIFY, false);
      assertEquals(reason, v.reason(), () -> v.detail() + "\n" + tx);
    }
  }

  @Test
  void validTransfersAreAcceptedWithTheirFee() {
    for (int n = 0; n < 300; n++) {
      Transaction.Builder b = validTransfer();
      long in =
          b.getInputsList().stream().mapToLong(i -> unspent.get(i.getOutpoint()).getAmount()).sum();
      long out = b.getOutputsList().stream().mapToLong(TxOutput::getAmount).sum();
      Transaction tx = sign(b, null, CHAIN);
      TransactionRules.Verdict v =
          TransactionRules.check(tx, view, NO_MASTERNODES, LIMITS, VERIFY, false);
      assertTrue(v.valid(), v.detail());
      assertEquals(in - out, v.fee());
      assertEquals(Hashes.transaction(tx), v.txid());
    }
  }

  @Test
  void inputsGoneAnswersAsTheFullCheckDoesForAMissingInputAndNothingOtherwise() {
    for (int n = 0; n < 150; n++) {
      Transaction valid = sign(validTransfer(), null, CHAIN);
      assertEquals(null, TransactionRules.inputsGone(valid, view));
      Transaction.Builder b = valid.toBuilder();
      int at = random.nextInt(b.getInputsCount());
      OutPoint gone =
          random.nextBoolean()
              ? new ArrayList<>(spent).get(random.nextInt(spent.size()))
              : OutPoint.newBuilder()
                  .setTxid(ByteString.copyFrom(Sha256.hash(new byte[] {7, (byte) n})))
                  .setIndex(3)
                  .build();
      b.setInputs(
          at,
          b.getInputs(at).toBuilder().setOutpoint(gone)); // its signatures no longer match either
      Transaction tx = b.build();
      TransactionRules.Verdict early = TransactionRules.inputsGone(tx, view);
      // admission's check, the signatures verified apart (verifyThenAdmit asks inputsGone before
      // them)
      TransactionRules.Verdict full =
          TransactionRules.check(tx, view, NO_MASTERNODES, LIMITS, VERIFY, true);
      assertEquals(
          spent.contains(gone)
              ? ErrorReason.ERROR_REASON_ALREADY_SPENT
              : ErrorReason.ERROR_REASON_UNKNOWN_INPUT,
          early.reason());
      assertEquals(full.reason(), early.reason(), full.detail());
      assertEquals(full.detail(), early.detail());
      // the full check verifies every signature before it looks at the state
      assertEquals(
          ErrorReason.ERROR_REASON_BAD_SIGNATURE,
          TransactionRules.check(tx, view, NO_MASTERNODES, LIMITS, VERIFY, false).reason());
    }
  }

  @Test
  void eachWayOfBreakingATransferHasItsReason() {
    expect(
        ErrorReason.ERROR_REASON_DUPLICATE_INPUT,
        (b, r) -> sign(b.addInputs(b.getInputs(0)), null, CHAIN));
    expect(
        ErrorReason.ERROR_REASON_UNKNOWN_INPUT,
        (b, r) ->
            sign(
                b.setInputs(
                    0,
                    TxInput.newBuilder()
                        .setOutpoint(
                            OutPoint.newBuilder()
                                .setTxid(
                                    ByteString.copyFrom(
                                        Sha256.hash(new byte[] {9, 9, (byte) r.nextInt()})))
                                .setIndex(7))),
                null,
                CHAIN));
    expect(
        ErrorReason.ERROR_REASON_ALREADY_SPENT,
        (b, r) ->
            sign(
                b.setInputs(
                    0,
                    TxInput.newBuilder()
                        .setOutpoint(new ArrayList<>(spent).get(r.nextInt(spent.size())))),
                null,
                CHAIN));
    expect(
        ErrorReason.ERROR_REASON_WRONG_OWNER,
        (b, r) -> {
          Ed25519KeyPair owner = ownerOf.get(b.getInputs(0).getOutpoint());
          Ed25519KeyPair thief =
              keys.stream().filter(k -> !k.equals(owner)).findFirst().orElseThrow();
          return sign(b, thief, CHAIN); // a valid signature, by a key that does not own the output
        });
    expect(
        ErrorReason.ERROR_REASON_ZERO_OUTPUT,
        (b, r) ->
            sign(
                b.addOutputs(TxOutput.newBuilder().setAmount(0).setAddress(address(keys.get(0)))),
                null,
                CHAIN));
    expect(
        ErrorReason.ERROR_REASON_OVERFLOW,
        (b, r) ->
            sign(
                b.setOutputs(
                    0,
                    b.getOutputs(0).toBuilder()
                        .setAmount(b.getOutputs(0).getAmount() + 100_000_000L)),
                null,
                CHAIN)); // outputs worth more than inputs
    expect(
        ErrorReason.ERROR_REASON_OVERFLOW,
        (b, r) ->
            sign(
                b.setOutputs(0, b.getOutputs(0).toBuilder().setAmount(Long.MIN_VALUE))
                    .setOutputs(1, b.getOutputs(1).toBuilder().setAmount(Long.MIN_VALUE)),
                null,
                CHAIN)); // 2^63 + 2^63
    expect(
        ErrorReason.ERROR_REASON_FEE_TOO_LOW,
        (b, r) -> {
          long in =
              b.getInputsList().stream()
                  .mapToLong(i -> unspent.get(i.getOutpoint()).getAmount())
                  .sum();
          return sign(
              b.setOutputs(
                  1,
                  b.getOutputs(1).toBuilder()
                      .setAmount(in - b.getOutputs(0).getAmount() - r.nextInt(1_000))),
              null,
              CHAIN);
        });
    expect(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        (b, r) -> {
          Transaction tx = sign(b, null, CHAIN);
          byte[] sig = tx.getInputs(0).getWitness().getSignature().toByteArray();
          sig[r.nextInt(64)] ^= (byte) (1 << r.nextInt(8));
          return tx.toBuilder()
              .setInputs(
                  0,
                  tx.getInputs(0).toBuilder()
                      .setWitness(
                          tx.getInputs(0).getWitness().toBuilder()
                              .setSignature(ByteString.copyFrom(sig))))
              .build();
        });
    expect(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        (b, r) -> sign(b, null, "another-chain")); // wrong chain
    expect(
        ErrorReason.ERROR_REASON_MALFORMED,
        (b, r) -> {
          Transaction tx = sign(b, null, CHAIN);
          return tx.toBuilder()
              .setInputs(
                  0,
                  tx.getInputs(0).toBuilder()
                      .setWitness(
                          tx.getInputs(0).getWitness().toBuilder()
                              .setPublicKey(ByteString.copyFrom(new byte[31]))))
              .build();
        });
    // broken after signing: these have no canonical bytes to sign
    expect(
        ErrorReason.ERROR_REASON_MALFORMED,
        (b, r) ->
            sign(b, null, CHAIN).toBuilder()
                .setKind(TransactionKind.TRANSACTION_KIND_REWARD)
                .build());
    expect(
        ErrorReason.ERROR_REASON_MALFORMED,
        (b, r) -> {
          Transaction tx = sign(b, null, CHAIN);
          return tx.toBuilder()
              .setOutputs(
                  0, tx.getOutputs(0).toBuilder().setAddress(ByteString.copyFrom(new byte[19])))
              .build();
        });
    expect(
        ErrorReason.ERROR_REASON_TOO_LARGE,
        (b, r) -> {
          for (int i = 0; i < 3_000; i++) { // about 78 KB, over the 64 KiB limit
            b.addOutputs(TxOutput.newBuilder().setAmount(1).setAddress(address(keys.get(1))));
          }
          return sign(b, null, CHAIN);
        });
  }

  // ---------------------------------------------------------------------------------------------
  // Masternode transactions (docs/protocol.md 4.1, 4.3)
  // ---------------------------------------------------------------------------------------------

  /**
   * A registry and what it leaves free: the active masternodes (each backed by a pool collateral),
   * inactive ones (deregistered, their collateral unspent and free again; or with a spent
   * collateral), the pool collaterals no active masternode is backed by, and consensus keys never
   * registered.
   */
  private record World(
      Registry registry,
      List<MasternodeRecord> active,
      List<MasternodeRecord> inactive,
      List<OutPoint> free,
      List<Ed25519KeyPair> fresh) {}

  /**
   * A masternode transaction before signing, and who signs it: input i with inputKeys[i], kind
   * witness j with kindKeys[j].
   */
  private static final class MnCase {
    final World world;
    final Transaction.Builder tx;
    final List<Ed25519KeyPair> inputKeys;
    final List<Ed25519KeyPair> kindKeys;

    MnCase(
        World world,
        Transaction.Builder tx,
        List<Ed25519KeyPair> inputKeys,
        List<Ed25519KeyPair> kindKeys) {
      this.world = world;
      this.tx = tx;
      this.inputKeys = new ArrayList<>(inputKeys);
      this.kindKeys = new ArrayList<>(kindKeys);
    }

    Transaction sign(String chain) {
      return Transactions.sign(tx.clone(), chain, inputKeys, kindKeys);
    }

    Transaction sign() {
      return sign(CHAIN);
    }

    /** Spends {@code o} too, signed by {@code owner}. */
    MnCase spend(OutPoint o, Ed25519KeyPair owner) {
      tx.addInputs(TxInput.newBuilder().setOutpoint(o));
      inputKeys.add(owner);
      return this;
    }
  }

  private World world(int minActive, int maxActive, int minInactive) {
    List<OutPoint> pool = new ArrayList<>(collateralPool);
    Collections.shuffle(pool, random);
    List<Ed25519KeyPair> nodes = new ArrayList<>(nodeKeys);
    Collections.shuffle(nodes, random);
    int nActive = minActive + random.nextInt(maxActive - minActive + 1);
    int nInactive = minInactive + random.nextInt(3);
    List<OutPoint> free = List.copyOf(pool.subList(nActive, pool.size()));
    List<MasternodeRecord> active = new ArrayList<>();
    List<MasternodeRecord> inactive = new ArrayList<>();
    int k = 0;
    for (int i = 0; i < nActive; i++) {
      OutPoint c = pool.get(i);
      active.add(
          record(nodes.get(k++), c, collaterals.get(c).getAmount(), address(ownerOf.get(c)), true));
    }
    for (int i = 0; i < nInactive; i++) {
      if (random
          .nextBoolean()) { // deregistered: its collateral is unspent, and free to back another
        OutPoint c = free.get(random.nextInt(free.size()));
        inactive.add(
            record(
                nodes.get(k++), c, collaterals.get(c).getAmount(), address(ownerOf.get(c)), false));
      } else { // its collateral was spent
        OutPoint c = spentCollaterals.get(random.nextInt(spentCollaterals.size()));
        inactive.add(
            record(
                nodes.get(k++),
                c,
                MasternodeRecord.MIN_COLLATERAL,
                address(keys.get(random.nextInt(keys.size()))),
                false));
      }
    }
    List<MasternodeRecord> all = new ArrayList<>(active);
    all.addAll(inactive);
    return new World(
        Registry.of(all), active, inactive, free, List.copyOf(nodes.subList(k, nodes.size())));
  }

  private MasternodeRecord record(
      Ed25519KeyPair node, OutPoint collateral, long amount, ByteString owner, boolean active) {
    long registered = 1 + random.nextInt(1_000);
    return new MasternodeRecord(
        key(node),
        collateral,
        amount,
        owner,
        address(keys.get(random.nextInt(keys.size()))),
        registered,
        active,
        registered + random.nextInt(100),
        random.nextLong());
  }

  private static ByteString key(Ed25519KeyPair k) {
    return ByteString.copyFrom(k.publicKey().bytes());
  }

  private Ed25519KeyPair nodeKey(ByteString consensusKey) {
    return nodeKeys.stream().filter(k -> key(k).equals(consensusKey)).findFirst().orElseThrow();
  }

  /** 1 to 3 distinct fee outputs (never collaterals). */
  private List<OutPoint> feeInputs() {
    List<OutPoint> all = new ArrayList<>(unspent.keySet());
    all.sort(
        (a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getTxid(), b.getTxid()));
    Collections.shuffle(all, random);
    return List.copyOf(all.subList(0, 1 + random.nextInt(3)));
  }

  private long sumOf(List<OutPoint> inputs) {
    return inputs.stream().mapToLong(o -> view.unspent(o).getAmount()).sum();
  }

  /**
   * None (everything is fee: the masternode kinds may have no output), one or two, leaving a fee of
   * at least the minimum.
   */
  private List<TxOutput> change(long in) {
    int n = random.nextInt(3);
    List<TxOutput> outs = new ArrayList<>();
    if (n == 0) {
      return outs;
    }
    long fee =
        random.nextInt(4) == 0 ? LIMITS.minTxFee() : LIMITS.minTxFee() + random.nextInt(5_000);
    long pay = in - fee;
    if (n == 1) {
      outs.add(
          Transactions.output(pay, Address.of(keys.get(random.nextInt(keys.size())).publicKey())));
    } else {
      long first = 1 + random.nextInt((int) Math.min(pay - 1, Integer.MAX_VALUE));
      outs.add(
          Transactions.output(
              first, Address.of(keys.get(random.nextInt(keys.size())).publicKey())));
      outs.add(
          Transactions.output(
              pay - first, Address.of(keys.get(random.nextInt(keys.size())).publicKey())));
    }
    return outs;
  }

  private List<Ed25519KeyPair> ownersOf(List<OutPoint> inputs) {
    return inputs.stream().map(ownerOf::get).toList();
  }

  /**
   * A valid REGISTER_MASTERNODE in a world of 1 to 4 active masternodes: a free collateral (now and
   * then one an inactive masternode had), a never-registered consensus key (now and then an
   * inactive masternode's), fees from 1 to 3 ordinary outputs.
   */
  private MnCase validRegister() {
    return validRegister(world(1, 4, 0));
  }

  private MnCase validRegister(World w) {
    OutPoint collateral =
        !w.inactive().isEmpty()
                && random.nextInt(4) == 0
                && collaterals.containsKey(w.inactive().get(0).collateral())
            ? w.inactive().get(0).collateral()
            : w.free().get(random.nextInt(w.free().size()));
    Ed25519KeyPair node =
        !w.inactive().isEmpty() && random.nextInt(4) == 0
            ? nodeKey(w.inactive().get(random.nextInt(w.inactive().size())).consensusKey())
            : w.fresh().get(random.nextInt(w.fresh().size()));
    List<OutPoint> inputs = feeInputs();
    Transaction.Builder tx =
        Transactions.register(
            inputs,
            change(sumOf(inputs)),
            collateral,
            key(node),
            Address.of(keys.get(random.nextInt(keys.size())).publicKey()));
    return new MnCase(w, tx, ownersOf(inputs), List.of(ownerOf.get(collateral), node));
  }

  /**
   * A valid DEREGISTER_MASTERNODE of one of 2 to 4 active masternodes, signed by its collateral's
   * owner.
   */
  private MnCase validDeregister() {
    return validDeregister(world(2, 4, 0));
  }

  private MnCase validDeregister(World w) {
    MasternodeRecord target = w.active().get(random.nextInt(w.active().size()));
    List<OutPoint> inputs = feeInputs();
    Transaction.Builder tx =
        Transactions.deregister(inputs, change(sumOf(inputs)), target.consensusKey());
    return new MnCase(w, tx, ownersOf(inputs), List.of(ownerOf.get(target.collateral())));
  }

  private static MasternodeRecord target(MnCase c) {
    return c.world.registry().get(c.tx.getDeregisterMasternode().getConsensusKey());
  }

  /** Any key (owner or node key) whose address is not {@code address}. */
  private Ed25519KeyPair notOwning(ByteString address) {
    List<Ed25519KeyPair> all = new ArrayList<>(keys);
    all.addAll(nodeKeys);
    all.removeIf(k -> address(k).equals(address));
    return all.get(random.nextInt(all.size()));
  }

  private void expectMn(
      ErrorReason reason, Supplier<MnCase> valid, BiFunction<MnCase, Random, Transaction> breaker) {
    expectMn(reason, null, valid, breaker, false);
  }

  private void expectMn(
      ErrorReason reason,
      Supplier<MnCase> valid,
      BiFunction<MnCase, Random, Transaction> breaker,
      boolean signaturesChecked) {
    expectMn(reason, null, valid, breaker, signaturesChecked);
  }

  /**
   * Where causes share a reason, {@code cause} (a fragment of the verdict's detail) tells which one
   * was found.
   */
  private void expectMn(
      ErrorReason reason,
      String cause,
      Supplier<MnCase> valid,
      BiFunction<MnCase, Random, Transaction> breaker) {
    expectMn(reason, cause, valid, breaker, false);
  }

  private void expectMn(
      ErrorReason reason,
      String cause,
      Supplier<MnCase> valid,
      BiFunction<MnCase, Random, Transaction> breaker,
      boolean signaturesChecked) {
    for (int n = 0; n < 120; n++) {
      MnCase c = valid.get();
      Transaction tx = breaker.apply(c, random);
      TransactionRules.Verdict v =
          TransactionRules.check(tx, view, c.world.registry(), LIMITS, VERIFY, signaturesChecked);
      assertEquals(reason, v.reason(), () -> v.detail() + "\n" + tx);
      if (cause != null) {
        assertTrue(
            v.detail().contains(cause),
            () -> "expected \"" + cause + "\", got: " + v.detail() + "\n" + tx);
      }
    }
  }

  /**
   * The same transaction with bit {@code bit} of witness {@code w}'s signature flipped (inputs
   * first, then kind witnesses).
   */
  private static Transaction flip(Transaction tx, int w, int bit) {
    Transaction.Builder b = tx.toBuilder();
    Witness old =
        w < tx.getInputsCount()
            ? tx.getInputs(w).getWitness()
            : tx.getKindWitnesses(w - tx.getInputsCount());
    byte[] sig = old.getSignature().toByteArray();
    sig[bit / 8] ^= (byte) (1 << (bit % 8));
    Witness broken = old.toBuilder().setSignature(ByteString.copyFrom(sig)).build();
    if (w < tx.getInputsCount()) {
      b.setInputs(w, b.getInputs(w).toBuilder().setWitness(broken));
    } else {
      b.setKindWitnesses(w - tx.getInputsCount(), broken);
    }
    return b.build();
  }

  private static Transaction flipKindWitness(Transaction tx, int j, Random r) {
    return flip(tx, tx.getInputsCount() + j, r.nextInt(512));
  }

  private static Transaction flipAny(Transaction tx, Random r) {
    return flip(tx, r.nextInt(tx.getInputsCount() + tx.getKindWitnessesCount()), r.nextInt(512));
  }

  /**
   * Kind witness {@code j} replaced by the same key's signature of the same transaction for another
   * chain.
   */
  private static Transaction kindWitnessForAnotherChain(MnCase c, int j) {
    Transaction good = c.sign();
    Transaction other = c.sign("another-chain");
    return good.toBuilder().setKindWitnesses(j, other.getKindWitnesses(j)).build();
  }

  private void assertValid(MnCase c, Transaction tx, boolean signaturesChecked) {
    long in =
        tx.getInputsList().stream().mapToLong(i -> view.unspent(i.getOutpoint()).getAmount()).sum();
    long out = tx.getOutputsList().stream().mapToLong(TxOutput::getAmount).sum();
    TransactionRules.Verdict v =
        TransactionRules.check(tx, view, c.world.registry(), LIMITS, VERIFY, signaturesChecked);
    assertTrue(v.valid(), () -> v + "\n" + tx);
    assertEquals(in - out, v.fee());
    assertEquals(Hashes.transaction(tx), v.txid());
  }

  @Test
  void validRegistrationsAreAcceptedWithTheirFee() {
    int reRegistered = 0;
    int reusedCollateral = 0;
    for (int n = 0; n < 300; n++) {
      MnCase c = validRegister(world(1, 4, n % 2));
      Transaction tx = c.sign();
      assertValid(c, tx, false);
      assertValid(c, tx, true);
      assertNull(TransactionRules.verifySignatures(tx, CHAIN, VERIFY));
      var p = tx.getRegisterMasternode();
      reRegistered += c.world.registry().get(p.getConsensusKey()) != null ? 1 : 0;
      reusedCollateral +=
          c.world.inactive().stream().anyMatch(m -> m.collateral().equals(p.getCollateral()))
              ? 1
              : 0;
    }
    // the generator did reach the corners: a deregistered key registered again, a freed collateral
    // used again
    assertTrue(reRegistered > 10, "re-registrations: " + reRegistered);
    assertTrue(reusedCollateral > 10, "reused collaterals: " + reusedCollateral);
  }

  @Test
  void aCollateralOfExactlyTheMinimumIsEnough() {
    for (int n = 0; n < 120; n++) {
      MnCase c = validRegister();
      OutPoint least = collateralPool.get(n % 5); // the 5 outputs of exactly 1,000 TIME
      if (c.world.registry().activeByCollateral(least) != null) {
        continue;
      }
      c.tx.getRegisterMasternodeBuilder().setCollateral(least);
      c.kindKeys.set(0, ownerOf.get(least));
      assertValid(c, c.sign(), false);
    }
  }

  @Test
  void validDeregistrationsAreAcceptedWithTheirFee() {
    for (int n = 0; n < 300; n++) {
      MnCase c = validDeregister(world(2, 4, n % 3));
      Transaction tx = c.sign();
      assertValid(c, tx, false);
      assertValid(c, tx, true);
      assertNull(TransactionRules.verifySignatures(tx, CHAIN, VERIFY));
    }
  }

  @Test
  void masternodesMayGoAsLongAsOneRemains() {
    for (int n = 0; n < 150; n++) {
      // deregistering one while spending its own collateral: only one leaves
      MnCase d = validDeregister();
      MasternodeRecord t = target(d);
      d.spend(t.collateral(), ownerOf.get(t.collateral()));
      assertValid(d, d.sign(), false);

      // a transfer spending every collateral but one
      World w = world(2, 4, 0);
      Transaction.Builder b = validTransfer();
      List<MasternodeRecord> gone = w.active().subList(0, w.active().size() - 1);
      gone.forEach(m -> b.addInputs(TxInput.newBuilder().setOutpoint(m.collateral())));
      assertValid(new MnCase(w, b, List.of(), List.of()), sign(b, null, CHAIN), false);

      // a registration that spends the collateral of every active masternode: the new one remains
      MnCase r = validRegister();
      r.world.active().forEach(m -> r.spend(m.collateral(), ownerOf.get(m.collateral())));
      assertValid(r, r.sign(), false);
    }
  }

  @Test
  void eachWayOfBreakingARegistrationHasItsReason() {
    Supplier<MnCase> reg = this::validRegister;
    // the collateral
    expectMn(
        ErrorReason.ERROR_REASON_BAD_COLLATERAL,
        "below the minimum",
        reg,
        (c, r) -> { // below 1,000 TIME
          OutPoint thin = thinCollaterals.get(r.nextInt(thinCollaterals.size()));
          c.tx.getRegisterMasternodeBuilder().setCollateral(thin);
          c.kindKeys.set(0, ownerOf.get(thin));
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_BAD_COLLATERAL,
        "below the minimum",
        reg,
        (c, r) -> { // an ordinary (small) output not spent by the tx
          OutPoint small =
              new ArrayList<>(unspent.keySet())
                  .stream()
                      .filter(
                          o ->
                              c.tx.getInputsList().stream()
                                  .noneMatch(i -> i.getOutpoint().equals(o)))
                      .sorted(
                          (a, b) ->
                              ByteString.unsignedLexicographicalComparator()
                                  .compare(a.getTxid(), b.getTxid()))
                      .skip(r.nextInt(150))
                      .findFirst()
                      .orElseThrow();
          c.tx.getRegisterMasternodeBuilder().setCollateral(small);
          c.kindKeys.set(0, ownerOf.get(small));
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_BAD_COLLATERAL,
        "does not exist",
        reg,
        (c, r) -> { // unknown
          c.tx
              .getRegisterMasternodeBuilder()
              .setCollateral(
                  OutPoint.newBuilder()
                      .setTxid(
                          ByteString.copyFrom(Sha256.hash(new byte[] {8, 8, (byte) r.nextInt()})))
                      .setIndex(r.nextInt(4)));
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_BAD_COLLATERAL,
        "is already spent",
        reg,
        (c, r) -> { // already spent
          List<OutPoint> gone = new ArrayList<>(spent);
          gone.sort(
              (a, b) ->
                  ByteString.unsignedLexicographicalComparator().compare(a.getTxid(), b.getTxid()));
          c.tx.getRegisterMasternodeBuilder().setCollateral(gone.get(r.nextInt(gone.size())));
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_BAD_COLLATERAL,
        "spent by this very transaction",
        reg,
        (c, r) -> { // spent by this very transaction
          OutPoint col = c.tx.getRegisterMasternode().getCollateral();
          return c.spend(col, ownerOf.get(col)).sign();
        });
    // already registered
    expectMn(
        ErrorReason.ERROR_REASON_ALREADY_REGISTERED,
        "already backs",
        reg,
        (c, r) -> { // the collateral backs an active masternode
          MasternodeRecord m = c.world.active().get(r.nextInt(c.world.active().size()));
          c.tx.getRegisterMasternodeBuilder().setCollateral(m.collateral());
          c.kindKeys.set(0, ownerOf.get(m.collateral()));
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_ALREADY_REGISTERED,
        "already a registered masternode",
        reg,
        (c, r) -> { // the consensus key is active
          MasternodeRecord m = c.world.active().get(r.nextInt(c.world.active().size()));
          c.tx.getRegisterMasternodeBuilder().setConsensusKey(m.consensusKey());
          c.kindKeys.set(1, nodeKey(m.consensusKey()));
          return c.sign();
        });
    // the witnesses' keys
    expectMn(
        ErrorReason.ERROR_REASON_WRONG_OWNER,
        reg,
        (c, r) -> { // a valid signature by a key that does not own the collateral
          c.kindKeys.set(
              0,
              notOwning(
                  collaterals.get(c.tx.getRegisterMasternode().getCollateral()).getAddress()));
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_MALFORMED,
        "must be by the consensus key",
        reg,
        (c, r) -> { // proof of possession by another key
          ByteString consensus = c.tx.getRegisterMasternode().getConsensusKey();
          List<Ed25519KeyPair> others = new ArrayList<>(keys);
          others.addAll(nodeKeys);
          others.removeIf(k -> key(k).equals(consensus));
          c.kindKeys.set(1, others.get(r.nextInt(others.size())));
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_MALFORMED,
        "must be by the consensus key",
        reg,
        (c, r) -> { // the two kind witnesses in the wrong order
          Collections.swap(
              c.kindKeys,
              0,
              1); // found by the form check, before the owner's is compared with the state
          return c.sign();
        });
    // the signatures
    expectMn(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        "kind witness 1",
        reg,
        (c, r) -> flipKindWitness(c.sign(), 1, r)); // proof of possession
    expectMn(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        "kind witness 0",
        reg,
        (c, r) -> flipKindWitness(c.sign(), 0, r)); // the collateral owner's
    expectMn(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        reg,
        (c, r) -> flip(c.sign(), r.nextInt(c.tx.getInputsCount()), r.nextInt(512)));
    expectMn(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        "kind witness 1",
        reg,
        (c, r) -> { // a proof of possession lifted from another registration
          Transaction tx = c.sign();
          Transaction other =
              c.tx
                  .clone()
                  .setRegisterMasternode(
                      c.tx.getRegisterMasternode().toBuilder()
                          .setRewardAddress(address(keys.get(r.nextInt(keys.size())))))
                  .addOutputs(Transactions.output(1, Address.of(keys.get(0).publicKey())))
                  .build(); // surely another txid
          Transaction otherSigned =
              Transactions.sign(other.toBuilder(), CHAIN, c.inputKeys, c.kindKeys);
          return tx.toBuilder().setKindWitnesses(1, otherSigned.getKindWitnesses(1)).build();
        });
    expectMn(ErrorReason.ERROR_REASON_BAD_SIGNATURE, reg, (c, r) -> c.sign("another-chain"));
    expectMn(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        "kind witness 0",
        reg,
        (c, r) -> kindWitnessForAnotherChain(c, 0));
    expectMn(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        "kind witness 1",
        reg,
        (c, r) -> kindWitnessForAnotherChain(c, 1));
    // the shape
    expectMn(
        ErrorReason.ERROR_REASON_MALFORMED,
        reg,
        (c, r) -> { // 0, 1 or 3 kind witnesses
          switch (r.nextInt(4)) {
            case 0 -> c.kindKeys.clear();
            case 1 -> c.kindKeys.remove(1);
            case 2 -> c.kindKeys.remove(0);
            default -> c.kindKeys.add(c.kindKeys.get(r.nextInt(2)));
          }
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_MALFORMED,
        reg,
        (c, r) -> { // no inputs
          c.tx.clearInputs().clearOutputs();
          c.inputKeys.clear();
          return c.sign();
        });
    // broken after signing: a payload that does not match the kind has no canonical bytes to sign
    expectMn(
        ErrorReason.ERROR_REASON_MALFORMED,
        reg,
        (c, r) -> {
          Transaction.Builder b = c.sign().toBuilder();
          return (r.nextBoolean()
                  ? b.clearPayload()
                  : b.setDeregisterMasternode(
                      io.timecoin.proto.v1.DeregisterMasternodePayload.newBuilder()
                          .setConsensusKey(b.getRegisterMasternode().getConsensusKey())))
              .build();
        });
    expectMn(
        ErrorReason.ERROR_REASON_MALFORMED,
        reg,
        (c, r) -> { // a transfer carrying a registration
          return c.sign().toBuilder()
              .setKind(TransactionKind.TRANSACTION_KIND_TRANSFER)
              .clearKindWitnesses()
              .build();
        });
    expectMn(
        ErrorReason.ERROR_REASON_MALFORMED,
        reg,
        (c, r) -> { // a consensus key that is no valid key
          byte[] bad = new byte[32];
          if (r.nextBoolean()) {
            java.util.Arrays.fill(bad, (byte) 0xff);
            bad[31] = 0x7f; // y = 2^255 - 1, not below p: no canonical encoding
          } else {
            bad[0] = 1; // the identity point: small order, a key that would verify anything
          }
          c.tx.getRegisterMasternodeBuilder().setConsensusKey(ByteString.copyFrom(bad));
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_MALFORMED,
        reg,
        (c, r) -> { // a reward address of 19 bytes
          Transaction tx = c.sign();
          return tx.toBuilder()
              .setRegisterMasternode(
                  tx.getRegisterMasternode().toBuilder()
                      .setRewardAddress(ByteString.copyFrom(new byte[19])))
              .build();
        });
  }

  @Test
  void eachWayOfBreakingADeregistrationHasItsReason() {
    Supplier<MnCase> dereg = this::validDeregister;
    expectMn(
        ErrorReason.ERROR_REASON_NOT_REGISTERED,
        dereg,
        (c, r) -> { // a key never registered
          c.tx
              .getDeregisterMasternodeBuilder()
              .setConsensusKey(key(c.world.fresh().get(r.nextInt(c.world.fresh().size()))));
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_NOT_REGISTERED,
        () -> validDeregister(world(2, 4, 1)),
        (c, r) -> { // an inactive one
          MasternodeRecord m = c.world.inactive().get(r.nextInt(c.world.inactive().size()));
          c.tx.getDeregisterMasternodeBuilder().setConsensusKey(m.consensusKey());
          if (ownerOf.containsKey(m.collateral())
              && address(ownerOf.get(m.collateral())).equals(m.ownerAddress())) {
            c.kindKeys.set(
                0, ownerOf.get(m.collateral())); // signed by its (former) owner, still refused
          }
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_WRONG_OWNER,
        dereg,
        (c, r) -> { // signed by a key that does not own the collateral
          c.kindKeys.set(0, notOwning(target(c).ownerAddress()));
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_WRONG_OWNER,
        dereg,
        (c, r) -> { // signed by the masternode's own consensus key
          c.kindKeys.set(0, nodeKey(target(c).consensusKey()));
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_MALFORMED,
        dereg,
        (c, r) -> { // 0 or 2 kind witnesses
          if (r.nextBoolean()) {
            c.kindKeys.clear();
          } else {
            c.kindKeys.add(r.nextBoolean() ? c.kindKeys.get(0) : nodeKey(target(c).consensusKey()));
          }
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_MALFORMED,
        dereg,
        (c, r) -> { // no inputs
          c.tx.clearInputs().clearOutputs();
          c.inputKeys.clear();
          return c.sign();
        });
    expectMn(
        ErrorReason.ERROR_REASON_MALFORMED,
        dereg,
        (c, r) -> { // the payload of another kind (set after signing)
          Transaction.Builder b = c.sign().toBuilder();
          return (r.nextBoolean()
                  ? b.clearPayload()
                  : b.setRegisterMasternode(
                      io.timecoin.proto.v1.RegisterMasternodePayload.newBuilder()
                          .setCollateral(c.world.free().get(0))
                          .setConsensusKey(b.getDeregisterMasternode().getConsensusKey())
                          .setRewardAddress(address(keys.get(0)))))
              .build();
        });
    expectMn(
        ErrorReason.ERROR_REASON_MALFORMED,
        dereg,
        (c, r) -> { // a 31-byte consensus key
          Transaction tx = c.sign();
          return tx.toBuilder()
              .setDeregisterMasternode(
                  tx.getDeregisterMasternode().toBuilder()
                      .setConsensusKey(tx.getDeregisterMasternode().getConsensusKey().substring(1)))
              .build();
        });
    expectMn(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        "kind witness 0",
        dereg,
        (c, r) -> flipKindWitness(c.sign(), 0, r));
    expectMn(ErrorReason.ERROR_REASON_BAD_SIGNATURE, dereg, (c, r) -> flipAny(c.sign(), r));
    expectMn(ErrorReason.ERROR_REASON_BAD_SIGNATURE, dereg, (c, r) -> c.sign("another-chain"));
    expectMn(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        "kind witness 0",
        dereg,
        (c, r) -> kindWitnessForAnotherChain(c, 0));
    expectMn(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        "kind witness 0",
        dereg,
        (c, r) -> { // the owner's signature of another deregistration
          Transaction tx = c.sign();
          MnCase other = validDeregister(c.world);
          Transaction o =
              Transactions.sign(
                  other
                      .tx
                      .clone()
                      .setDeregisterMasternode(tx.getDeregisterMasternode())
                      .addOutputs(Transactions.output(1, Address.of(keys.get(0).publicKey()))),
                  CHAIN,
                  other.inputKeys,
                  c.kindKeys);
          return tx.toBuilder().setKindWitnesses(0, o.getKindWitnesses(0)).build();
        });
  }

  @Test
  void noTransactionMayRemoveTheLastMasternode() {
    ErrorReason last = ErrorReason.ERROR_REASON_BAD_COLLATERAL;
    // deregistering the only active masternode (inactive ones do not count)
    expectMn(
        last,
        "the last registered masternode",
        () -> validDeregister(world(1, 1, 0)),
        (c, r) -> c.sign());
    expectMn(
        last,
        "the last registered masternode",
        () -> validDeregister(world(1, 1, 1)),
        (c, r) -> c.sign());
    // ... also while spending its own collateral
    expectMn(
        last,
        "the last registered masternode",
        () -> validDeregister(world(1, 1, 0)),
        (c, r) -> {
          MasternodeRecord t = target(c);
          return c.spend(t.collateral(), ownerOf.get(t.collateral())).sign();
        });
    // deregistering one of two while spending the other's collateral
    expectMn(
        last,
        "the last registered masternode",
        () -> validDeregister(world(2, 2, 0)),
        (c, r) -> {
          MasternodeRecord other =
              c.world.active().stream().filter(m -> !m.equals(target(c))).findFirst().orElseThrow();
          return c.spend(other.collateral(), ownerOf.get(other.collateral())).sign();
        });
    // a transfer spending the collateral of every active masternode (1 to 3)
    expectMn(
        last,
        "the last registered masternode",
        () -> {
          World w = world(1, 3, 0);
          Transaction.Builder b = validTransfer();
          w.active().forEach(m -> b.addInputs(TxInput.newBuilder().setOutpoint(m.collateral())));
          return new MnCase(w, b, List.of(), List.of());
        },
        (c, r) -> sign(c.tx, null, CHAIN));
  }

  @Test
  void signaturesCheckedSkipsOnlyTheSignatures() {
    Supplier<MnCase> reg = this::validRegister;
    Supplier<MnCase> dereg = this::validDeregister;
    for (int n = 0;
        n < 150;
        n++) { // a bad signature is taken as checked: the caller vouches for it
      MnCase c = validRegister();
      assertValid(c, flipAny(c.sign(), random), true);
      assertValid(c, c.sign("another-chain"), true);
      MnCase d = validDeregister();
      assertValid(d, flipKindWitness(d.sign(), 0, random), true);
    }
    // but every key must still be the right one, and everything else is still checked
    expectMn(
        ErrorReason.ERROR_REASON_WRONG_OWNER,
        reg,
        (c, r) -> {
          c.kindKeys.set(
              0,
              notOwning(
                  collaterals.get(c.tx.getRegisterMasternode().getCollateral()).getAddress()));
          return c.sign();
        },
        true);
    expectMn(
        ErrorReason.ERROR_REASON_WRONG_OWNER,
        reg,
        (c, r) -> {
          c.inputKeys.set(0, notOwning(view.unspent(c.tx.getInputs(0).getOutpoint()).getAddress()));
          return c.sign();
        },
        true);
    expectMn(
        ErrorReason.ERROR_REASON_MALFORMED,
        reg,
        (c, r) -> {
          c.kindKeys.set(
              1, c.kindKeys.get(0)); // proof of possession by the owner, not the consensus key
          return c.sign();
        },
        true);
    expectMn(
        ErrorReason.ERROR_REASON_ALREADY_REGISTERED,
        reg,
        (c, r) -> {
          MasternodeRecord m = c.world.active().get(r.nextInt(c.world.active().size()));
          c.tx.getRegisterMasternodeBuilder().setConsensusKey(m.consensusKey());
          c.kindKeys.set(1, nodeKey(m.consensusKey()));
          return c.sign();
        },
        true);
    expectMn(
        ErrorReason.ERROR_REASON_WRONG_OWNER,
        dereg,
        (c, r) -> {
          c.kindKeys.set(0, notOwning(target(c).ownerAddress()));
          return c.sign();
        },
        true);
    expectMn(
        ErrorReason.ERROR_REASON_NOT_REGISTERED,
        dereg,
        (c, r) -> {
          c.tx.getDeregisterMasternodeBuilder().setConsensusKey(key(c.world.fresh().get(0)));
          return c.sign();
        },
        true);
    expectMn(
        ErrorReason.ERROR_REASON_BAD_COLLATERAL,
        () -> validDeregister(world(1, 1, 0)),
        (c, r) -> c.sign(),
        true);
  }

  @Test
  void verifySignaturesNeedsNoStateAndCatchesEveryFlippedBit() {
    for (int n = 0; n < 100; n++) {
      MnCase c = n % 2 == 0 ? validRegister() : validDeregister();
      Transaction tx = c.sign();
      assertNull(TransactionRules.verifySignatures(tx, CHAIN, VERIFY));
      Transaction transfer = sign(validTransfer(), null, CHAIN);
      assertNull(TransactionRules.verifySignatures(transfer, CHAIN, VERIFY));
      // the wrong chain
      assertEquals(
          ErrorReason.ERROR_REASON_BAD_SIGNATURE,
          TransactionRules.verifySignatures(tx, "another-chain", VERIFY).reason());
      // one random bit of one random witness
      Transaction broken = flipAny(tx, random);
      TransactionRules.Verdict v = TransactionRules.verifySignatures(broken, CHAIN, VERIFY);
      assertEquals(
          ErrorReason.ERROR_REASON_BAD_SIGNATURE,
          v == null ? null : v.reason(),
          () -> broken.toString());
      // a valid signature, but by a key that owns nothing, passes: owners are check's business
      MnCase w = validRegister();
      w.kindKeys.set(
          0, notOwning(collaterals.get(w.tx.getRegisterMasternode().getCollateral()).getAddress()));
      assertNull(TransactionRules.verifySignatures(w.sign(), CHAIN, VERIFY));
    }
    // every bit of every witness of one registration with a single input: 3 witnesses x 512 bits
    MnCase c = validRegister();
    OutPoint first = c.tx.getInputs(0).getOutpoint();
    c.tx.clearInputs().addInputs(TxInput.newBuilder().setOutpoint(first)).clearOutputs();
    c.inputKeys.subList(1, c.inputKeys.size()).clear();
    Transaction tx = c.sign();
    assertNull(TransactionRules.verifySignatures(tx, CHAIN, VERIFY));
    for (int w = 0; w < 3; w++) {
      for (int bit = 0; bit < 512; bit++) {
        TransactionRules.Verdict v =
            TransactionRules.verifySignatures(flip(tx, w, bit), CHAIN, VERIFY);
        int fw = w;
        int fb = bit;
        assertEquals(
            ErrorReason.ERROR_REASON_BAD_SIGNATURE,
            v == null ? null : v.reason(),
            () -> "witness " + fw + " bit " + fb);
      }
    }
  }

  /** A view that fails the test if asked anything: what must be refused before any lookup. */
  private static final UtxoView NO_LOOKUP =
      new UtxoView() {
        @Override
        public TxOutput unspent(OutPoint o) {
          throw new AssertionError("looked up " + o);
        }

        @Override
        public boolean created(OutPoint o) {
          throw new AssertionError("looked up " + o);
        }
      };

  private static ByteString bytes(int n) {
    return ByteString.copyFrom(new byte[n]);
  }

  /**
   * Issue 14 item 7: a 33-byte outpoint txid overflowed the store's 36-byte key and killed a
   * verifier thread.
   */
  @Test
  void everyFieldOfTheWrongLengthIsMalformedBeforeAnyLookup() {
    List<java.util.function.UnaryOperator<Transaction>> breakers = new ArrayList<>();
    for (int n : new int[] {0, 1, 31, 33, 64}) {
      breakers.add(
          tx ->
              tx.toBuilder()
                  .setInputs(
                      0,
                      tx.getInputs(0).toBuilder()
                          .setOutpoint(tx.getInputs(0).getOutpoint().toBuilder().setTxid(bytes(n))))
                  .build());
      breakers.add(
          tx ->
              tx.toBuilder()
                  .setInputs(
                      0,
                      tx.getInputs(0).toBuilder()
                          .setWitness(
                              tx.getInputs(0).getWitness().toBuilder().setPublicKey(bytes(n))))
                  .build());
      breakers.add(
          tx ->
              tx.toBuilder()
                  .setOutputs(0, tx.getOutputs(0).toBuilder().setAddress(bytes(n)))
                  .build());
    }
    for (int n : new int[] {0, 63, 65}) {
      breakers.add(
          tx ->
              tx.toBuilder()
                  .setInputs(
                      0,
                      tx.getInputs(0).toBuilder()
                          .setWitness(
                              tx.getInputs(0).getWitness().toBuilder().setSignature(bytes(n))))
                  .build());
    }
    for (var breaker : breakers) {
      Transaction tx = breaker.apply(sign(validTransfer(), null, CHAIN));
      TransactionRules.Verdict form = TransactionRules.form(tx, LIMITS.maxTxBytes());
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED,
          form == null ? null : form.reason(),
          () -> String.valueOf(tx));
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED,
          TransactionRules.check(tx, NO_LOOKUP, NO_MASTERNODES, LIMITS, VERIFY, false).reason(),
          () -> String.valueOf(tx));
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED,
          TransactionRules.check(tx, NO_LOOKUP, NO_MASTERNODES, LIMITS, VERIFY, true).reason(),
          () -> String.valueOf(tx));
    }
    for (int n :
        new int[] {
          0, 31, 33
        }) { // inputsGone, which the node asks before the signatures, keys nothing it cannot
      Transaction tx = sign(validTransfer(), null, CHAIN);
      Transaction bad =
          tx.toBuilder()
              .setInputs(
                  0,
                  tx.getInputs(0).toBuilder()
                      .setOutpoint(tx.getInputs(0).getOutpoint().toBuilder().setTxid(bytes(n))))
              .build();
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED, TransactionRules.inputsGone(bad, NO_LOOKUP).reason());
    }
    assertNull(TransactionRules.form(sign(validTransfer(), null, CHAIN), LIMITS.maxTxBytes()));
  }

  @Test
  void everyMasternodeFieldOfTheWrongLengthIsMalformedBeforeAnyLookup() {
    for (int n : new int[] {0, 31, 33}) {
      List<java.util.function.UnaryOperator<Transaction.Builder>> breakers =
          List.of(
              b ->
                  b.setRegisterMasternode(
                      b.getRegisterMasternode().toBuilder()
                          .setCollateral(
                              b.getRegisterMasternode().getCollateral().toBuilder()
                                  .setTxid(bytes(n)))),
              b ->
                  b.setRegisterMasternode(
                      b.getRegisterMasternode().toBuilder().setConsensusKey(bytes(n))),
              b ->
                  b.setRegisterMasternode(
                      b.getRegisterMasternode().toBuilder()
                          .setRewardAddress(bytes(n == 0 ? 0 : n - 12))),
              b -> b.setKindWitnesses(0, b.getKindWitnesses(0).toBuilder().setSignature(bytes(n))));
      for (var breaker : breakers) {
        MnCase c = validRegister();
        Transaction tx = breaker.apply(c.sign().toBuilder()).build();
        assertEquals(
            ErrorReason.ERROR_REASON_MALFORMED,
            TransactionRules.check(tx, NO_LOOKUP, c.world.registry(), LIMITS, VERIFY, false)
                .reason(),
            () -> String.valueOf(tx));
      }
      MnCase d = validDeregister();
      Transaction tx =
          d.sign().toBuilder()
              .setDeregisterMasternode(
                  d.tx.getDeregisterMasternode().toBuilder().setConsensusKey(bytes(n)))
              .build();
      assertEquals(
          ErrorReason.ERROR_REASON_MALFORMED,
          TransactionRules.check(tx, NO_LOOKUP, d.world.registry(), LIMITS, VERIFY, false).reason(),
          () -> String.valueOf(tx));
    }
  }

  /**
   * Issue 14 item 6: the owner check ran before the signatures, so a forged witness by a key that
   * owns nothing was WRONG_OWNER, which cost the relaying peer nothing; it is BAD_SIGNATURE.
   */
  @Test
  void aForgedWitnessIsBadSignatureEvenWhenItsKeyOwnsNothing() {
    for (int n = 0; n < 50; n++) {
      Transaction.Builder b = validTransfer();
      Ed25519KeyPair stranger = Ed25519KeyPair.fromSeed(Sha256.hash(new byte[] {(byte) n, 99}));
      Transaction signedByStranger =
          sign(b, stranger, CHAIN); // valid signatures, by a key that owns no input
      assertEquals(
          ErrorReason.ERROR_REASON_WRONG_OWNER,
          TransactionRules.check(signedByStranger, view, NO_MASTERNODES, LIMITS, VERIFY, false)
              .reason());
      Transaction forged =
          flip(
              signedByStranger,
              random.nextInt(signedByStranger.getInputsCount()),
              random.nextInt(512));
      TransactionRules.Verdict v =
          TransactionRules.check(forged, view, NO_MASTERNODES, LIMITS, VERIFY, false);
      assertEquals(ErrorReason.ERROR_REASON_BAD_SIGNATURE, v.reason(), v.detail());
      assertTrue(TransactionRules.relayFault(v.reason()));
    }
  }

  @Test
  void aRelayIsAtFaultForWhatNoHonestNodeCouldHaveAdmitted() {
    Set<ErrorReason> fault =
        Set.of(
            ErrorReason.ERROR_REASON_MALFORMED,
            ErrorReason.ERROR_REASON_TOO_LARGE,
            ErrorReason.ERROR_REASON_WRONG_CHAIN,
            ErrorReason.ERROR_REASON_BAD_SIGNATURE,
            ErrorReason.ERROR_REASON_DUPLICATE_INPUT,
            ErrorReason.ERROR_REASON_WRONG_OWNER,
            ErrorReason.ERROR_REASON_ZERO_OUTPUT,
            ErrorReason.ERROR_REASON_OVERFLOW,
            ErrorReason.ERROR_REASON_FEE_TOO_LOW);
    Set<ErrorReason> stateOrMempool =
        Set.of(
            ErrorReason.ERROR_REASON_UNSPECIFIED,
            ErrorReason.ERROR_REASON_UNKNOWN_INPUT,
            ErrorReason.ERROR_REASON_ALREADY_SPENT,
            ErrorReason.ERROR_REASON_MEMPOOL_CONFLICT,
            ErrorReason.ERROR_REASON_MEMPOOL_FULL,
            ErrorReason.ERROR_REASON_BAD_COLLATERAL,
            ErrorReason.ERROR_REASON_ALREADY_REGISTERED,
            ErrorReason.ERROR_REASON_NOT_REGISTERED,
            ErrorReason.ERROR_REASON_OVERLOADED);
    for (ErrorReason r : fault) {
      assertTrue(TransactionRules.relayFault(r), r.name());
    }
    for (ErrorReason r : stateOrMempool) {
      assertTrue(!TransactionRules.relayFault(r), r.name());
    }
  }
}
