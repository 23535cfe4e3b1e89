package io.timecoin.ledger;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.consensus.types.BlockSource;
import io.timecoin.consensus.types.BlockTemplate;
import io.timecoin.consensus.types.BlockValidator;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ledger as consensus sees it: it fills this validator's proposals from the mempool, judges
 * every proposed block fully before the engine may prepare it, and gives the executed block, with
 * what to store, when it is final. Owned by the consensus thread (like the mempool inside it); the
 * state it publishes ({@link #state()}) is immutable and may be read from any thread.
 *
 * <p>Blocks are executed on the state after their parent: the last stored block, or a block
 * executed here and finalized by the engine but not yet stored (the engine moves to the next
 * height, and may judge or propose its block, before its host stores the last one). Executions are
 * kept by block hash until their height is stored, so a block judged once is not executed again
 * when it is final.
 */
public final class Ledger implements BlockSource, BlockValidator {
  /** Room kept in a proposal for its REWARD: a few bytes plus one output per payee. */
  private static final int REWARD_BYTES_PER_OUTPUT = 48;

  private final LedgerParams params;
  private final LedgerStore store;
  private final Mempool mempool;
  private final SignatureVerifier verifier;
  private final Map<ByteString, BlockExecution> executed = new HashMap<>();

  /** The registry of the stored tip, changed in place as blocks are stored. */
  private final Registry working;

  private volatile LedgerState state;

  public Ledger(
      LedgerParams params,
      LedgerStore store,
      long tipHeight,
      ByteString tipHash,
      Mempool mempool,
      SignatureVerifier verifier) {
    this.params = params;
    this.store = store;
    this.mempool = mempool;
    this.verifier = verifier;
    this.working = Registry.of(store.masternodes());
    this.state =
        new LedgerState(
            tipHeight,
            tipHash,
            store,
            working,
            tipHeight == 0 ? null : store.validatorSetAt(tipHeight),
            store.validatorSetAt(tipHeight + 1));
    if (state.nextSet() == null) {
      throw new IllegalStateException(
          "the store has no validator set for height " + (tipHeight + 1));
    }
  }

  /** What block 0 stores: its GENESIS outputs, the genesis masternodes, and the set of height 1. */
  public static StateChanges genesisChanges(
      Block genesis, List<MasternodeRecord> masternodes, int maxValidators) {
    Transaction tx = genesis.getBody().getTransactions(0);
    ByteString txid = Hashes.transaction(tx);
    List<StateChanges.Created> created = new ArrayList<>();
    for (int i = 0; i < tx.getOutputsCount(); i++) {
      created.add(
          new StateChanges.Created(
              io.timecoin.proto.v1.OutPoint.newBuilder().setTxid(txid).setIndex(i).build(),
              tx.getOutputs(i)));
    }
    return new StateChanges(
        0,
        created,
        List.of(),
        List.of(txid),
        masternodes,
        Registry.of(masternodes).validatorSet(1, maxValidators));
  }

  /** The state after the last stored block. */
  public LedgerState state() {
    return state;
  }

  public Mempool mempool() {
    return mempool;
  }

  public LedgerParams params() {
    return params;
  }

  /** The validator set of {@code height}, from 1 to the stored tip + 1; null beyond. */
  public ValidatorSet validatorSetAt(long height) {
    LedgerState s = state;
    if (height == s.height() + 1) {
      return s.nextSet();
    }
    if (height == s.height() && s.set() != null) {
      return s.set();
    }
    return height >= 1 && height <= s.height() ? store.validatorSetAt(height) : null;
  }

  /**
   * Fills the proposal with the mempool's transactions by fee per byte, each applied on the state
   * the ones before it leave (a candidate that no longer fits that state is skipped), within {@code
   * max_block_txs} and {@code max_block_bytes}, with the REWARD first.
   */
  @Override
  public Block propose(BlockTemplate template) {
    LedgerState parent = stateAfter(template.prevHash());
    if (parent == null) {
      throw new IllegalStateException(
          "asked to propose on block "
              + template.prevHash()
              + ", which this ledger has not executed");
    }
    BlockExecutor work = new BlockExecutor(parent, params, verifier);
    int maxTxs = params.maxBlockTxs() - 1;
    // the REWARD pays the proposer and the signers of the last certificate (at height 1, the set of
    // height 1)
    int payees =
        1
            + (template.lastCertificate() == null
                ? parent.nextSet().size()
                : template.lastCertificate().getSignaturesCount());
    long maxBytes = params.maxBlockBytes() - 64 - (long) REWARD_BYTES_PER_OUTPUT * payees;
    for (Mempool.Entry e : mempool.byPriority()) {
      if (work.count() >= maxTxs) {
        break;
      }
      if (work.bytes() + e.bytes() <= maxBytes) {
        work.apply(e.tx(), true); // admitted, so its signatures were checked
      }
    }
    try {
      BlockExecution execution = work.assemble(template);
      executed.put(execution.blockHash(), execution);
      return execution.block();
    } catch (BlockExecutor.UnpayableException e) {
      throw new IllegalStateException(
          "cannot pay block " + template.height() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Executes the block on the state after its parent: valid, with the next height's set, or refused
   * with the reason.
   */
  @Override
  public Verdict validate(Block block) {
    BlockExecutor.Outcome outcome = outcome(block);
    return outcome.valid()
        ? Verdict.valid(outcome.execution().after().nextSet())
        : Verdict.invalid(outcome.reason(), outcome.detail());
  }

  /** The execution of a finalized block, to store with it; the engine judged it valid before. */
  public BlockExecution execution(Block block) {
    BlockExecutor.Outcome outcome = outcome(block);
    if (!outcome.valid()) {
      throw new IllegalStateException(
          "finalized block "
              + block.getHeader().getHeight()
              + " does not execute: "
              + outcome.detail());
    }
    return outcome.execution();
  }

  /**
   * The block executed on the state after its parent: from the cache, or now (and cached when
   * valid).
   */
  private BlockExecutor.Outcome outcome(Block block) {
    ByteString hash;
    try {
      hash = Hashes.block(block.getHeader());
    } catch (MalformedException e) {
      return new BlockExecutor.Outcome(null, ErrorReason.ERROR_REASON_MALFORMED, e.getMessage());
    }
    BlockExecution known = executed.get(hash);
    if (known != null) {
      return new BlockExecutor.Outcome(known, null, "");
    }
    LedgerState parent = stateAfter(block.getHeader().getPrevHash());
    if (parent == null) {
      return new BlockExecutor.Outcome(
          null, ErrorReason.ERROR_REASON_INVALID_BLOCK, "its parent has not been executed here");
    }
    BlockExecutor.Outcome outcome =
        BlockExecutor.execute(block, hash, parent, params, verifier, mempool::holdsExactly);
    if (outcome.valid()) {
      executed.put(hash, outcome.execution());
    }
    return outcome;
  }

  /**
   * The block is stored: its state becomes the ledger's, executions at or below its height are
   * dropped, and the mempool loses what the block spent, then re-checks against the new state what
   * the block may have invalidated without spending its inputs (a registration whose collateral the
   * block used, say).
   */
  public void stored(BlockExecution e) {
    LedgerState after = e.after();
    working.apply(
        after.registry()); // the block's changes, in place: no copy of the registry per block
    state =
        new LedgerState(
            after.height(), after.blockHash(), store, working, after.set(), after.nextSet());
    dropExecutionsOffChain(after);
    List<Transaction> txs = e.block().getBody().getTransactionsList();
    List<Transaction> included = txs.subList(1, txs.size());
    Registry registry = state.registry();
    mempool.blockFinalized(
        included,
        e.changes().txids(),
        entry ->
            !dependsOnRegistry(entry.tx(), registry)
                || TransactionRules.check(entry.tx(), store, registry, params, verifier, true)
                    .valid());
  }

  /**
   * Keeps only the executions that descend from the block just stored: the others' states are
   * overlays over the working registry and outputs as they were, which no longer are.
   */
  private void dropExecutionsOffChain(LedgerState stored) {
    Map<ByteString, BlockExecution> kept = new HashMap<>();
    executed.values().stream()
        .filter(x -> x.height() > stored.height())
        .sorted(java.util.Comparator.comparingLong(BlockExecution::height))
        .forEach(
            x -> {
              ByteString prev = x.block().getHeader().getPrevHash();
              if (prev.equals(stored.blockHash()) || kept.containsKey(prev)) {
                kept.put(x.blockHash(), x);
              }
            });
    executed.clear();
    executed.putAll(kept);
  }

  /**
   * Whether a held transaction's validity may have changed with a block that spent none of its
   * inputs: only through the registry (a masternode kind, or a transfer spending a collateral,
   * which must not remove the last masternode). A plain transfer's inputs stay unspent until a
   * block spends them, and then the mempool drops it as a conflict; so only these are re-checked.
   */
  private static boolean dependsOnRegistry(Transaction tx, Registry registry) {
    if (tx.getKind() != io.timecoin.proto.v1.TransactionKind.TRANSACTION_KIND_TRANSFER) {
      return true;
    }
    for (var in : tx.getInputsList()) {
      if (registry.activeByCollateral(in.getOutpoint()) != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * Offers a transaction to the mempool: checked against the last stored state, then admitted
   * unless it conflicts or the pool is full of better-paying ones. With {@code signaturesChecked}
   * the caller verified its signatures already (off the consensus thread).
   */
  public TransactionRules.Verdict admit(Transaction tx, boolean signaturesChecked) {
    LedgerState s = state;
    TransactionRules.Verdict v =
        TransactionRules.check(tx, s.utxos(), s.registry(), params, verifier, signaturesChecked);
    if (!v.valid()) {
      return v;
    }
    ErrorReason refused = mempool.add(tx, v.txid(), v.fee());
    if (refused == null) {
      return v;
    }
    return new TransactionRules.Verdict(
        refused,
        refused == ErrorReason.ERROR_REASON_UNSPECIFIED
            ? "already held"
            : refused == ErrorReason.ERROR_REASON_MEMPOOL_CONFLICT
                ? "it spends an output a held transaction spends"
                : "the mempool is full of transactions paying as much per byte",
        v.txid(),
        v.fee());
  }

  private LedgerState stateAfter(ByteString blockHash) {
    LedgerState s = state;
    if (s.blockHash().equals(blockHash)) {
      return s;
    }
    BlockExecution e = executed.get(blockHash);
    return e == null ? null : e.after();
  }
}
