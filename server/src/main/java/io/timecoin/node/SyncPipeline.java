package io.timecoin.node;

import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.crypto.InvalidKeyException;
import io.timecoin.crypto.KeyCache;
import io.timecoin.ledger.TransactionRules;
import io.timecoin.node.peer.SyncSource;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.VoteType;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;

/**
 * Catching up: the blocks of a peer's sync stream have their signatures (certificate, last
 * certificate, transaction witnesses) verified on the verifier pool, several blocks at once, then
 * go to the consensus thread strictly in order. There the engine checks each against the validator
 * set it derives, as for any block, but finds the signatures in the {@link SignatureCache} instead
 * of verifying them one after another on its single thread.
 *
 * <p>A window bounds the signatures verified ahead of the consensus thread (so the cache keeps
 * them) and the bytes of the blocks held meanwhile (so large blocks with few signatures cannot fill
 * the heap): a full window blocks the stream's callback, and gRPC flow control then holds the peer
 * back.
 */
final class SyncPipeline {
  private static final Logger LOG = Logger.getLogger(SyncPipeline.class.getName());
  private static final long PROGRESS_EVERY_NANOS = 2_000_000_000L;

  /**
   * What rides with a synced block through the consensus queue: the window it holds, and where it
   * came from.
   */
  record Ticket(int signatures, int bytes, SyncSource source) {}

  /** Puts a synced block on the consensus queue with its ticket; false when the queue is full. */
  interface Consensus {
    boolean enqueue(Block block, FinalityCertificate certificate, Ticket ticket);
  }

  private final String name;
  private final String chainId;
  private final SignatureCache signatures;
  private final Executor verifiers;
  private final Consensus consensus;
  private final int window;
  private final Semaphore room;
  private final int windowBytes;
  private final Semaphore bytesRoom;
  private final FailStop.Fatal fatal;
  private final KeyCache keys = new KeyCache(4_096);
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
  private FinalityCertificate previous; // the certificate offered with the block before
  private int inFlight; // blocks offered and not yet applied
  private long applied;
  private long startedAtNanos;
  private long lastProgressNanos;
  private long startHeight;

  /**
   * {@code window}: the most signatures verified ahead of the consensus thread (keep it below the
   * cache's size); {@code windowBytes}: the most bytes of blocks and certificates in flight; {@code
   * fatal}: told of an Error on a verifier thread.
   */
  SyncPipeline(
      String name,
      String chainId,
      SignatureCache signatures,
      Executor verifiers,
      int window,
      int windowBytes,
      Consensus consensus,
      FailStop.Fatal fatal) {
    this.name = name;
    this.windowBytes = windowBytes;
    this.bytesRoom = new Semaphore(windowBytes);
    this.fatal = fatal;
    this.chainId = chainId;
    this.signatures = signatures;
    this.verifiers = verifiers;
    this.window = window;
    this.room = new Semaphore(window);
    this.consensus = consensus;
  }

  /**
   * Takes the next block of a sync stream (waiting while the window is full); it goes to the
   * consensus queue once its signatures are verified and every block before it is queued.
   */
  void offer(Block block, FinalityCertificate certificate) {
    offer(block, certificate, null);
  }

  /** The same, from {@code source} (told again if the block is refused). */
  void offer(Block block, FinalityCertificate certificate, SyncSource source) {
    int weight = Math.min(window, signatureCount(block, certificate));
    // a block larger than the whole window takes all of it: it then travels alone
    int bytes =
        (int)
            Math.min(
                windowBytes, (long) block.getSerializedSize() + certificate.getSerializedSize());
    try {
      bytesRoom.acquire(bytes);
      try {
        room.acquire(weight);
      } catch (InterruptedException e) {
        bytesRoom.release(bytes);
        throw e;
      }
    } catch (InterruptedException stopping) { // the node is closing: the block is not needed
      Thread.currentThread().interrupt();
      return;
    }
    Ticket ticket = new Ticket(weight, bytes, source);
    synchronized (this) { // not around the wait above: done() releases the room under this lock
      // A peer sends as the certificate of h the one block h + 1 carries: then this block's last
      // certificate is the one verified with the block before (maybe still under way on another
      // thread).
      boolean lastCertificateSeen = block.getBody().getLastCertificate().equals(previous);
      previous = certificate;
      CompletableFuture<Void> verified;
      try {
        verified =
            CompletableFuture.runAsync(
                () -> verifyQuietly(block, certificate, !lastCertificateSeen), verifiers);
      } catch (RejectedExecutionException busy) {
        verified =
            CompletableFuture.completedFuture(null); // the consensus thread verifies them itself
      }
      inFlight++;
      // handle, not thenRun: whatever happened to one block, the ones after it still go on in order
      tail =
          CompletableFuture.allOf(tail, verified)
              .handle(
                  (ignored, failure) -> {
                    Throwable cause =
                        failure instanceof java.util.concurrent.CompletionException c
                                && c.getCause() != null
                            ? c.getCause()
                            : failure;
                    if (cause
                        instanceof
                        Error e) { // verifyQuietly lets only Errors out; a future would keep them
                      // unseen
                      fatal.fatal("verifying synced block " + block.getHeader().getHeight(), e);
                    }
                    boolean queued = false;
                    try {
                      queued = consensus.enqueue(block, certificate, ticket);
                    } finally {
                      if (!queued) {
                        done(ticket, -1);
                      }
                    }
                    return null;
                  });
    }
  }

  /**
   * The consensus thread has handled the block of {@code ticket} (stored at {@code height}, or -1
   * when refused). True when no synced block is left in flight: the caller makes the blocks
   * durable.
   */
  synchronized boolean done(Ticket ticket, long height) {
    room.release(ticket.signatures());
    bytesRoom.release(ticket.bytes());
    inFlight--;
    long now = System.nanoTime();
    if (height > 0) {
      if (applied == 0) {
        startedAtNanos = now;
        lastProgressNanos = now;
        startHeight = height;
      }
      applied++;
      if (now - lastProgressNanos >= PROGRESS_EVERY_NANOS) {
        lastProgressNanos = now;
        long rate = Math.round(applied / ((now - startedAtNanos) / 1e9));
        LOG.info(() -> name + " catching up: height " + height + ", " + rate + " blocks/s");
      }
    }
    if (inFlight > 0) {
      return false;
    }
    if (applied > 0) { // a pause in the stream: the end of catching up, or of a short gap
      double seconds = (now - startedAtNanos) / 1e9;
      long n = applied;
      long from = startHeight;
      LOG.log(
          n >= 100 ? java.util.logging.Level.INFO : java.util.logging.Level.FINE,
          () ->
              String.format(
                  "%s caught up: blocks %d..%d in %.1f s (%.0f blocks/s), every signature verified"
                      + " (%d verifications, %d found verified)",
                  name,
                  from,
                  from + n - 1,
                  seconds,
                  n / Math.max(seconds, 1e-3),
                  signatures.verifications(),
                  signatures.hits()));
    }
    applied = 0;
    return true;
  }

  private static int signatureCount(Block block, FinalityCertificate certificate) {
    int n =
        certificate.getSignaturesCount()
            + block.getBody().getLastCertificate().getSignaturesCount();
    for (Transaction tx : block.getBody().getTransactionsList()) {
      n += tx.getInputsCount() + tx.getKindWitnessesCount();
    }
    return Math.max(1, n);
  }

  /**
   * Verifies what needs no state, into the cache; any failure is left for the engine to find and
   * refuse.
   */
  private void verifyQuietly(
      Block block, FinalityCertificate certificate, boolean lastCertificate) {
    try {
      verify(block, certificate, lastCertificate);
    } catch (
        RuntimeException
            e) { // a peer's malformed block: the consensus thread refuses it with a reason
      LOG.fine(
          () -> name + " could not pre-verify block " + block.getHeader().getHeight() + ": " + e);
    }
  }

  private void verify(Block block, FinalityCertificate certificate, boolean lastCertificate) {
    verify(certificate);
    if (lastCertificate && block.getBody().hasLastCertificate()) {
      verify(block.getBody().getLastCertificate());
    }
    for (Transaction tx : block.getBody().getTransactionsList()) {
      TransactionRules.verifySignatures(tx, chainId, signatures);
    }
  }

  private void verify(FinalityCertificate cert) {
    byte[] precommit;
    try {
      precommit =
          CanonicalBytes.vote(
              chainId,
              VoteType.VOTE_TYPE_PRECOMMIT,
              cert.getHeight(),
              cert.getRound(),
              cert.getBlockHash());
    } catch (MalformedException e) {
      return;
    }
    for (CertificateSignature s : cert.getSignaturesList()) {
      try {
        signatures.verify(keys.get(s.getValidator()), precommit, s.getSignature());
      } catch (InvalidKeyException e) {
        return;
      }
    }
  }
}
