package io.timecoin.ledger;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.types.BlockTemplate;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.RewardBreakdown;
import io.timecoin.proto.v1.RewardPayment;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Subsidy;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * Executes one block on the state after its parent (docs/protocol.md 4.3, 4.4): its first
 * transaction is its REWARD and no other is; every other transaction is valid against the state
 * after the ones before it; it respects {@code max_block_txs} and {@code max_block_bytes}; and its
 * REWARD pays exactly what {@link Rewards} computes from its fees, to the unit.
 *
 * <p>The same steps build a proposer's block ({@link #apply} one candidate at a time) and judge a
 * received one ({@link #execute}), so the two cannot disagree. The reward's outputs are created
 * last: they depend on the fees of the whole block, so no transaction of the block may spend them.
 */
public final class BlockExecutor {
  /** The block executed, or why it is invalid. */
  public record Outcome(BlockExecution execution, ErrorReason reason, String detail) {
    static Outcome invalid(String detail) {
      return new Outcome(null, ErrorReason.ERROR_REASON_INVALID_BLOCK, detail);
    }

    public boolean valid() {
      return execution != null;
    }
  }

  private final LedgerState parent;
  private final LedgerParams params;
  private final SignatureVerifier verifier;
  private final long height;
  private final OverlayUtxos utxos;
  private final Registry.Editor registry;
  private final List<StateChanges.Created> created = new ArrayList<>();
  private final List<StateChanges.Spent> spent = new ArrayList<>();
  private final List<Transaction> applied = new ArrayList<>();
  private final List<ByteString> appliedIds = new ArrayList<>();
  private final java.util.Set<ByteString> registrationsChanged = new java.util.LinkedHashSet<>();
  private long fees;
  private long bytes;
  // set by seal(): the reward's id, the registry after the block, and the set of height + 1
  private ByteString rewardId;
  private Registry after;
  private ValidatorSet next;
  private List<MasternodeRecord> registrations;

  public BlockExecutor(LedgerState parent, LedgerParams params, SignatureVerifier verifier) {
    this.parent = parent;
    this.params = params;
    this.verifier = verifier;
    this.height = parent.height() + 1;
    this.utxos = new OverlayUtxos(parent.utxos());
    this.registry = parent.registry().edit();
  }

  /**
   * Judges a received block fully; {@code signaturesChecked} says which transactions need no
   * signature check.
   */
  public static Outcome execute(
      Block block,
      ByteString hash,
      LedgerState parent,
      LedgerParams params,
      SignatureVerifier verifier,
      BiPredicate<ByteString, Transaction> signaturesChecked) {
    if (block.getHeader().getHeight() != parent.height() + 1
        || !block.getHeader().getPrevHash().equals(parent.blockHash())) {
      return Outcome.invalid(
          "block " + block.getHeader().getHeight() + " does not follow block " + parent.height());
    }
    List<Transaction> txs = block.getBody().getTransactionsList();
    if (txs.size() > params.maxBlockTxs()) {
      return Outcome.invalid(txs.size() + " transactions, the limit is " + params.maxBlockTxs());
    }
    if (txs.isEmpty() || txs.get(0).getKind() != TransactionKind.TRANSACTION_KIND_REWARD) {
      return Outcome.invalid("the first transaction of a block must be its REWARD");
    }
    long total = 0;
    for (Transaction tx : txs) {
      total += tx.getSerializedSize();
    }
    if (total > params.maxBlockBytes()) {
      return Outcome.invalid(
          total + " bytes of transactions, the limit is " + params.maxBlockBytes());
    }
    BlockExecutor work = new BlockExecutor(parent, params, verifier);
    for (int i = 1; i < txs.size(); i++) {
      Transaction tx = txs.get(i);
      if (tx.getKind() == TransactionKind.TRANSACTION_KIND_REWARD
          || tx.getKind() == TransactionKind.TRANSACTION_KIND_GENESIS) {
        return Outcome.invalid(
            "transaction " + i + " is a " + tx.getKind() + ": only the first may be the REWARD");
      }
      ByteString txid = Hashes.transaction(tx); // the header checks computed every id already
      TransactionRules.Verdict v = work.apply(tx, signaturesChecked.test(txid, tx));
      if (!v.valid()) {
        return Outcome.invalid(
            "transaction " + i + " (" + TransactionRules.shortHex(txid) + "): " + v);
      }
    }
    List<Rewards.Payment> payments;
    try {
      payments =
          work.payments(
              block.getHeader().getProposer(),
              block.getBody().hasLastCertificate() ? block.getBody().getLastCertificate() : null);
    } catch (UnpayableException e) {
      return Outcome.invalid(e.getMessage());
    }
    Transaction expected = Rewards.transaction(work.height, payments);
    if (!expected.equals(txs.get(0))) {
      return Outcome.invalid(
          "the REWARD transaction differs from reward("
              + work.height
              + ") = "
              + Long.toUnsignedString(Rewards.reward(work.height, work.fees))
              + " units split by docs/protocol.md 4.4");
    }
    ValidatorSet next =
        work.seal(
            expected,
            block.getBody().hasLastCertificate() ? block.getBody().getLastCertificate() : null);
    if (!next.hash().equals(block.getHeader().getNextValidatorSetHash())) {
      // docs/protocol.md 4.3: the header names the set its execution leaves, so clients can follow
      // sets
      return Outcome.invalid(
          "next_validator_set_hash does not match the set of height "
              + (work.height + 1)
              + " this block leaves");
    }
    return new Outcome(work.finish(block, hash, expected, payments), null, "");
  }

  /**
   * Applies one non-reward transaction if it is valid against the state so far and fits the block;
   * otherwise the state is unchanged and the verdict says why.
   */
  public TransactionRules.Verdict apply(Transaction tx, boolean signaturesChecked) {
    TransactionRules.Verdict v =
        TransactionRules.check(tx, utxos, registry, params, verifier, signaturesChecked);
    if (!v.valid()) {
      return v;
    }
    long newFees = fees + v.fee();
    if (Long.compareUnsigned(newFees, fees) < 0) {
      return new TransactionRules.Verdict(
          ErrorReason.ERROR_REASON_OVERFLOW, "the block's fees sum past 2^64", null, 0);
    }
    for (TxInput in : tx.getInputsList()) {
      OutPoint o = in.getOutpoint();
      spent.add(new StateChanges.Spent(o, utxos.unspent(o), v.txid()));
      utxos.spend(o);
      MasternodeRecord backed = registry.activeByCollateral(o);
      if (backed != null) {
        registry.put(
            backed.deactivated()); // spending the collateral deregisters (docs/protocol.md 4.1)
        registrationsChanged.add(backed.consensusKey());
      }
    }
    for (int i = 0; i < tx.getOutputsCount(); i++) {
      create(OutPoint.newBuilder().setTxid(v.txid()).setIndex(i).build(), tx.getOutputs(i));
    }
    if (tx.hasRegisterMasternode()) {
      var p = tx.getRegisterMasternode();
      TxOutput collateral = utxos.unspent(p.getCollateral());
      registry.put(
          new MasternodeRecord(
              p.getConsensusKey(),
              p.getCollateral(),
              collateral.getAmount(),
              collateral.getAddress(),
              p.getRewardAddress(),
              height,
              true,
              0,
              0));
      registrationsChanged.add(p.getConsensusKey());
    } else if (tx.hasDeregisterMasternode()) {
      MasternodeRecord m = registry.get(tx.getDeregisterMasternode().getConsensusKey());
      if (m.active()) { // its collateral may have been spent by this very transaction's inputs
        registry.put(m.deactivated());
        registrationsChanged.add(m.consensusKey());
      }
    }
    fees = newFees;
    bytes += tx.getSerializedSize();
    applied.add(tx);
    appliedIds.add(v.txid());
    return v;
  }

  /** The fees of the transactions applied so far. */
  public long fees() {
    return fees;
  }

  /** The protobuf bytes of the transactions applied so far. */
  public long bytes() {
    return bytes;
  }

  /** How many transactions were applied so far. */
  public int count() {
    return applied.size();
  }

  /** A block whose reward cannot be computed: an unknown payee, or an overflow. */
  public static final class UnpayableException extends Exception {
    UnpayableException(String message) {
      super(message);
    }
  }

  /**
   * The reward payments of this block (docs/protocol.md 4.4): to its proposer, and to the signers
   * of its last certificate, weighted as the set of height - 1 weighs them; at height 1 to the
   * whole set of height 1.
   */
  List<Rewards.Payment> payments(ByteString proposerKey, FinalityCertificate lastCertificate)
      throws UnpayableException {
    if (parent.registry().get(proposerKey) == null) {
      throw new UnpayableException("the proposer is not a registered masternode");
    }
    List<Rewards.Payee> signers = new ArrayList<>();
    if (height == 1) {
      for (ValidatorSet.Member m : parent.nextSet().members()) {
        signers.add(payee(m.keyBytes(), m.weight()));
      }
    } else {
      if (lastCertificate == null) {
        throw new UnpayableException("block lacks the certificate of its parent");
      }
      for (var sig : lastCertificate.getSignaturesList()) {
        ValidatorSet.Member m = parent.set().member(sig.getValidator());
        if (m == null) {
          throw new UnpayableException(
              "a signer of the last certificate is not in the set of height " + parent.height());
        }
        signers.add(payee(m.keyBytes(), m.weight()));
      }
    }
    try {
      return Rewards.split(height, fees, payee(proposerKey, 0), signers);
    } catch (ArithmeticException e) {
      throw new UnpayableException("reward(" + height + ") overflows: " + e.getMessage());
    }
  }

  /**
   * The proposer's block: {@code template} filled with its REWARD, then the transactions applied so
   * far, executed.
   */
  public BlockExecution assemble(BlockTemplate template) throws UnpayableException {
    List<Rewards.Payment> payments = payments(template.proposer(), template.lastCertificate());
    Transaction reward = Rewards.transaction(height, payments);
    List<Transaction> txs = new ArrayList<>(applied.size() + 1);
    txs.add(reward);
    txs.addAll(applied);
    ValidatorSet next = seal(reward, template.lastCertificate());
    Block block = template.assemble(txs, next.hash());
    return finish(block, Hashes.block(block.getHeader()), reward, payments);
  }

  /**
   * Creates the reward's outputs, records uptime from the last certificate, and fixes the registry
   * after the block: the set of height + 1 it returns is what the header's next_validator_set_hash
   * names (docs/protocol.md 4.3). Once per executor, after every transaction is applied.
   */
  ValidatorSet seal(Transaction reward, FinalityCertificate lastCertificate) {
    if (after != null) {
      throw new IllegalStateException("block " + height + " is sealed already");
    }
    rewardId = Hashes.transaction(reward);
    for (int i = 0; i < reward.getOutputsCount(); i++) {
      create(OutPoint.newBuilder().setTxid(rewardId).setIndex(i).build(), reward.getOutputs(i));
    }
    if (height >= 2) {
      Set<ByteString> signed = new HashSet<>();
      lastCertificate.getSignaturesList().forEach(s -> signed.add(s.getValidator()));
      for (ValidatorSet.Member m : parent.set().members()) {
        registry.put(
            registry
                .get(m.keyBytes())
                .withCertificate(lastCertificate.getHeight(), signed.contains(m.keyBytes())));
      }
    }
    // what the store's history keeps of this block's registrations, before any of them leaves
    registrations = registrationsChanged.stream().map(registry::get).toList();
    leave(registrationsChanged);
    after = registry.build();
    // only a registration, a deregistration or a spent collateral changes who is active, and how
    // heavy
    next =
        registrationsChanged.isEmpty()
            ? parent.nextSet().atHeight(height + 1)
            : after.validatorSet(height + 1, params.maxValidators(), parent.nextSet());
    if (next == null) {
      throw new IllegalStateException(
          "block " + height + " left no validator; TransactionRules must refuse that");
    }
    return next;
  }

  /** Freezes the new state of the sealed block {@code block}. */
  BlockExecution finish(
      Block block, ByteString hash, Transaction reward, List<Rewards.Payment> payments) {
    if (after == null) {
      throw new IllegalStateException("block " + height + " is finished before it is sealed");
    }
    List<ByteString> txids = new ArrayList<>();
    txids.add(rewardId);
    txids.addAll(appliedIds);
    boolean setChanged = !next.hash().equals(parent.nextSet().hash());
    RewardBreakdown breakdown =
        RewardBreakdown.newBuilder()
            .setSubsidy(Subsidy.at(height))
            .setFees(fees)
            .addAllPayments(
                payments.stream()
                    .map(
                        p ->
                            RewardPayment.newBuilder()
                                .setConsensusKey(p.consensusKey())
                                .setAddress(p.rewardAddress())
                                .setAmount(p.amount())
                                .setRole(p.role())
                                .build())
                    .toList())
            .build();
    StateChanges changes =
        new StateChanges(
            height,
            created,
            spent,
            txids,
            registry.changes(),
            setChanged ? next : null,
            breakdown,
            registrations,
            registry.departed());
    LedgerState state =
        new LedgerState(
            height,
            hash,
            utxos,
            after,
            parent.nextSet(),
            setChanged ? next : parent.nextSet().atHeight(height + 1));
    return new BlockExecution(block, hash, state, changes, fees, payments);
  }

  /**
   * The masternodes no longer active that leave the working registry with this block
   * (docs/protocol.md 4.1): each inactive one that is not in the set of this height. One in it (it
   * left in this block) may sign this block's certificate, which the next block's REWARD pays to
   * its reward address: it stays one block more. Only two kinds can be inactive here: those that
   * left in this block, and those that stayed for the set of the parent's height, whose certificate
   * this block paid (and whose uptime it recorded) already.
   */
  private void leave(Set<ByteString> leftInThisBlock) {
    Set<ByteString> candidates = new java.util.LinkedHashSet<>(leftInThisBlock);
    if (parent.set() != null) {
      parent.set().members().forEach(m -> candidates.add(m.keyBytes()));
    }
    for (ByteString key : candidates) {
      MasternodeRecord m = registry.get(key);
      if (m != null && !m.active() && parent.nextSet().member(key) == null) {
        registry.remove(key);
      }
    }
  }

  private void create(OutPoint o, TxOutput output) {
    created.add(new StateChanges.Created(o, output));
    utxos.create(o, output);
  }

  private Rewards.Payee payee(ByteString key, long weight) {
    MasternodeRecord m = parent.registry().get(key);
    // a member of the set of height h or h - 1 is in the working registry: it leaves only once
    // this block (which pays the certificate of h - 1) is executed
    return new Rewards.Payee(key, m.rewardAddress(), weight);
  }
}
