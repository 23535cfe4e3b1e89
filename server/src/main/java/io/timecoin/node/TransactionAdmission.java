package io.timecoin.node;

import com.google.protobuf.ByteString;
import io.timecoin.ledger.Ledger;
import io.timecoin.ledger.TransactionRules;
import io.timecoin.node.api.InternalFailure;
import io.timecoin.node.api.TransactionIntake;
import io.timecoin.node.peer.PeerConnection;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.protocol.ErrorReasons;
import io.timecoin.storage.ChainStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Transactions into the mempool, from clients and peers: their signatures are verified on a pool of
 * one thread per core (so neither a peer's stream, whose votes queue behind it, nor a client call
 * waits for them), the rest is checked and admitted on the consensus thread, which owns the
 * mempool; an admitted transaction is relayed to every other peer. What waits is bounded in count
 * and bytes.
 */
final class TransactionAdmission implements TransactionIntake {
  private static final Logger LOG = Logger.getLogger(TransactionAdmission.class.getName());
  static final int VERIFY_QUEUE = 50_000;
  private static final int ADMISSIONS_PER_TASK = 512;

  private final String name;
  private final String chainId;

  /**
   * Most transactions waiting for verification or admission: small ones take several times their
   * size as objects.
   */
  private final int maxPendingTxs;

  private final int maxTxBytes;
  private final ChainStore chain;
  private final Ledger ledger;
  private final SignatureCache signatures;
  private final ConsensusLoop loop;
  private final ExecutorService verifiers;
  private final PeerFeedback peers;
  private final NodeMetrics metrics;

  /** Transactions waiting for verification or admission: bounded in bytes as well as in count. */
  final ByteBudget pendingBytes;

  private final AtomicInteger pendingCount = new AtomicInteger();
  private final ConcurrentLinkedQueue<Admission> admissions = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean admitting = new AtomicBoolean();

  /** A transaction whose signatures verified, waiting for the consensus thread to admit it. */
  private record Admission(
      Transaction tx, PeerConnection from, CompletableFuture<TransactionRules.Verdict> result) {}

  TransactionAdmission(
      String name,
      String chainId,
      int maxTxBytes,
      ChainStore chain,
      Ledger ledger,
      SignatureCache signatures,
      ConsensusLoop loop,
      ExecutorService verifiers,
      ByteBudget pendingBytes,
      int maxPendingTxs,
      PeerFeedback peers,
      NodeMetrics metrics) {
    this.maxPendingTxs = maxPendingTxs;
    this.name = name;
    this.chainId = chainId;
    this.maxTxBytes = maxTxBytes;
    this.chain = chain;
    this.ledger = ledger;
    this.signatures = signatures;
    this.loop = loop;
    this.verifiers = verifiers;
    this.pendingBytes = pendingBytes;
    this.peers = peers;
    this.metrics = metrics;
  }

  @Override
  public CompletableFuture<TransactionRules.Verdict> submit(Transaction tx) {
    return submit(tx, null);
  }

  /**
   * Offers a transaction from a client, or relayed by {@code from}; completes with the ledger's
   * verdict.
   */
  CompletableFuture<TransactionRules.Verdict> submit(Transaction tx, PeerConnection from) {
    CompletableFuture<TransactionRules.Verdict> result = new CompletableFuture<>();
    long bytes = tx.getSerializedSize();
    if (pendingCount.incrementAndGet() > maxPendingTxs || !pendingBytes.tryTake(bytes)) {
      pendingCount.decrementAndGet();
      metrics.transactions("overloaded").increment();
      result.completeExceptionally(
          new IllegalStateException(
              "the node is overloaded: "
                  + maxPendingTxs
                  + " transactions or "
                  + (pendingBytes.limit() >> 20)
                  + " MiB wait for verification and admission"));
      return result;
    }
    result.whenComplete(
        (v, e) -> { // however it ends: verdict, refusal, overload
          pendingBytes.give(bytes);
          pendingCount.decrementAndGet();
        });
    try {
      verifiers.execute(() -> verifyThenAdmit(tx, from, result));
    } catch (RejectedExecutionException e) {
      metrics.transactions("overloaded").increment();
      result.completeExceptionally(
          new IllegalStateException(
              "the node is overloaded: "
                  + VERIFY_QUEUE
                  + " transactions wait for their signatures to be checked"));
    }
    return result;
  }

  /**
   * The mempool's copy of a pending transaction (asked of the consensus thread, which owns the
   * mempool).
   */
  @Override
  public Optional<Transaction> pending(ByteString txid) {
    CompletableFuture<Optional<Transaction>> answer = new CompletableFuture<>();
    if (!loop.execute(() -> answer.complete(ledger.mempool().get(txid)))) {
      return Optional.empty();
    }
    try {
      return answer.get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /**
   * On a verifier thread: are the inputs still unspent (a read of the finalized state, which is
   * thread-safe), then the signatures; admission follows on the consensus thread.
   */
  private void verifyThenAdmit(
      Transaction tx, PeerConnection from, CompletableFuture<TransactionRules.Verdict> result) {
    TransactionRules.Verdict refused;
    try {
      refused =
          TransactionRules.form(tx, maxTxBytes); // every length, before anything is keyed or hashed
      if (refused == null) {
        refused = TransactionRules.inputsGone(tx, chain);
      }
      if (refused == null) {
        // through the cache: a proposal carrying it before it is admitted finds it verified, or
        // this
        // finds it verified by that proposal's execution
        refused = TransactionRules.verifySignatures(tx, chainId, signatures);
      }
    } catch (RuntimeException bug) { // answered, never left hanging; not the sender's fault
      LOG.log(Level.SEVERE, name + " checking a transaction failed", bug);
      metrics.transactions("internal_error").increment();
      result.completeExceptionally(
          new InternalFailure("checking the transaction failed: " + bug, bug));
      return;
    }
    if (refused != null) {
      verdict(refused, from);
      result.complete(refused);
      return;
    }
    admissions.add(new Admission(tx, from, result));
    scheduleAdmissions();
  }

  /**
   * One admission task at a time on the consensus thread; when its queue is full, what waits is
   * refused.
   */
  private void scheduleAdmissions() {
    if (admitting.compareAndSet(false, true) && !loop.execute(this::admitWaiting)) {
      admitting.set(false);
      Admission a;
      while ((a = admissions.poll()) != null) {
        metrics.transactions("queue_full").increment();
        a.result()
            .completeExceptionally(
                new IllegalStateException("the node is overloaded: its consensus queue is full"));
      }
    }
  }

  /**
   * On the consensus thread: admits the transactions that have waited, a few hundred per task (one
   * task for many transactions, not a wake-up each; and a vote never waits behind thousands).
   */
  private void admitWaiting() {
    admitting.set(false); // first: a transaction queued from now on schedules another task
    Map<PeerConnection, List<Transaction>> admitted =
        new HashMap<>(); // by where they came from; null: clients
    for (int i = 0; i < ADMISSIONS_PER_TASK; i++) {
      Admission a = admissions.poll();
      if (a == null) {
        break;
      }
      TransactionRules.Verdict v;
      try {
        v = ledger.admit(a.tx(), true);
      } catch (
          RuntimeException
              bug) { // the caller is answered; the consensus loop's policy then applies
        LOG.log(Level.SEVERE, name + " admitting a transaction failed", bug);
        a.result()
            .completeExceptionally(
                new InternalFailure("admitting the transaction failed: " + bug, bug));
        throw bug;
      }
      if (v.valid()) {
        admitted.computeIfAbsent(a.from(), f -> new ArrayList<>()).add(a.tx());
        LOG.fine(
            () ->
                name
                    + " transaction "
                    + Logs.shortKey(v.txid())
                    + " admitted, fee "
                    + v.fee()
                    + "; mempool "
                    + ledger.mempool().size());
      }
      verdict(v, a.from());
      a.result().complete(v);
    }
    peers.admitted(admitted);
    if (!admissions.isEmpty()) {
      scheduleAdmissions();
    }
  }

  /**
   * Counted by verdict; a relayed transaction that no honest node could have admitted counts
   * against its peer.
   */
  private void verdict(TransactionRules.Verdict v, PeerConnection from) {
    String label =
        v.valid()
            ? "accepted"
            : v.reason() == ErrorReason.ERROR_REASON_UNSPECIFIED
                ? "duplicate"
                : ErrorReasons.code(v.reason()).toLowerCase();
    metrics.transactions(label).increment();
    peers.transaction(v, from);
  }
}
