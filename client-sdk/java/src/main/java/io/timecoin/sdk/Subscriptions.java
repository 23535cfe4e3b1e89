package io.timecoin.sdk;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.canonical.MerkleRoot;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.FinalizedBlock;
import io.timecoin.proto.v1.SubscribeFinalizedRequest;
import io.timecoin.proto.v1.SubscribeFinalizedResponse;
import io.timecoin.protocol.FinalityCertificates;
import io.timecoin.protocol.ValidatorSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The verified finalized-block subscription behind {@link TimeClient#subscribeFinalized(long)}. */
final class Subscriptions {
  private Subscriptions() {}

  /**
   * The subscription's clocks.
   *
   * @param idle a stream on which no message (block or keep-alive) arrives for this long, while one
   *     is requested, is dropped and resubscribed; the node sends keep-alives well within it
   * @param initialBackoff the wait before the first resubscription after a failure
   * @param maxBackoff the longest wait between resubscriptions
   */
  record Timings(Duration idle, Duration initialBackoff, Duration maxBackoff) {
    static final Timings DEFAULT =
        new Timings(Duration.ofSeconds(15), Duration.ofMillis(100), Duration.ofSeconds(5));
  }

  private static final AtomicInteger THREADS = new AtomicInteger();

  /**
   * One subscriber's subscription.
   *
   * <p>Every event (the subscriber's request and cancel, the stream's messages and closes, timers)
   * runs on one thread of its own, so the state needs no locks, the subscriber is signalled
   * serially, and the blocking lookups that verification needs (the trust root once, a validator
   * set change now and then: {@link TrustedChain}) never block a gRPC thread. Messages are pulled
   * from the stream one at a time, and only while the subscriber has demand: an unrequested
   * subscriber holds at most the stream's transport window, never an unbounded queue (the node then
   * closes it as SLOW_SUBSCRIBER and it resumes from the next height when it asks again).
   */
  static final class Finalized implements Flow.Subscription {
    private final TimeClient client;
    private final Flow.Subscriber<? super VerifiedBlock> subscriber;
    private final Timings timings;
    private final ScheduledThreadPoolExecutor executor;

    /** Set once by cancel or a terminal signal; read from any thread. */
    private volatile boolean done;

    // Touched only on the executor's thread.
    private long nextHeight; // the height the subscriber sees next
    private ByteString lastHash; // the hash of the last delivered block; null before the first
    private BlockHeader
        lastHeader; // the header of the last delivered block, certified; null before the first
    private ValidatorSet lastSet; // the set that certified it
    private ValidatorSet verifiedSet; // the set the block verify() last passed was checked with
    private long demand; // requested and not yet delivered
    private Stream stream; // the open stream, or null
    private boolean awaiting; // a message is requested from the stream and not yet received
    private ScheduledFuture<?> idleTimer;
    private ScheduledFuture<?> reopen; // a scheduled (re)subscription
    private long
        delayMs; // before the next (re)subscription: 0 at first, the backoff after a failure
    private long backoffMs;

    Finalized(
        TimeClient client,
        long fromHeight,
        Flow.Subscriber<? super VerifiedBlock> subscriber,
        Timings timings) {
      this.client = client;
      this.subscriber = subscriber;
      this.timings = timings;
      this.nextHeight = fromHeight;
      this.backoffMs = timings.initialBackoff().toMillis();
      this.executor =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread t = new Thread(r, "timecoin-subscription-" + THREADS.incrementAndGet());
                t.setDaemon(
                    true); // a subscription the application forgot does not keep the JVM alive
                return t;
              });
      // The thread ends while the subscription idles (no demand, no timers), so one that is never
      // requested again, on a closed client, holds no thread.
      executor.setKeepAliveTime(30, TimeUnit.SECONDS);
      executor.allowCoreThreadTimeOut(true);
      executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
      executor.setRemoveOnCancelPolicy(true);
    }

    void start() {
      run(() -> subscriber.onSubscribe(this));
    }

    @Override
    public void request(long n) {
      run(
          () -> {
            if (done) {
              return;
            }
            if (n <= 0) {
              fail(
                  new IllegalArgumentException(
                      "request(n) needs n > 0, got " + n + " (Flow rule 3.9)"));
              return;
            }
            demand =
                demand + n < 0 ? Long.MAX_VALUE : demand + n; // saturates: MAX_VALUE is "unbounded"
            pump();
          });
    }

    @Override
    public void cancel() {
      done = true;
      run(this::shutdown);
    }

    /** Opens the stream or asks it for one more message, when the subscriber wants more. */
    private void pump() {
      if (done || demand == 0) {
        return;
      }
      if (stream == null) {
        if (reopen == null) {
          reopen = executor.schedule(this::open, delayMs, TimeUnit.MILLISECONDS);
        }
        return;
      }
      if (!awaiting) {
        awaiting = true;
        stream.call.request(1);
        armIdleTimer();
      }
    }

    private void open() {
      reopen = null;
      if (done) {
        return;
      }
      stream = new Stream();
      awaiting = true; // the stream starts with one message requested (beforeStart)
      client
          .streamingStub()
          .subscribeFinalized(
              SubscribeFinalizedRequest.newBuilder().setFromHeight(nextHeight).build(), stream);
      armIdleTimer();
    }

    private void onMessage(Stream from, SubscribeFinalizedResponse message) {
      if (done || from != stream) {
        return; // a stream we already dropped
      }
      awaiting = false;
      cancelIdleTimer();
      if (!message.hasBlock()) { // a keep-alive (or an event this SDK does not know): not delivered
        pump();
        return;
      }
      if (Long.compareUnsigned(message.getBlock().getBlock().getHeader().getHeight(), nextHeight)
          < 0) {
        pump(); // one already delivered, sent again (docs/protocol.md 8): dropped, never delivered
        // twice
        return;
      }
      VerifiedBlock block;
      try {
        block = verify(message.getBlock());
      } catch (TimeException e) {
        if (retriable(
            e.code())) { // a lookup for the verification failed on the way: retry the block
          resubscribeLater();
        } else {
          fail(e);
        }
        return;
      } catch (RuntimeException e) { // a bug, not the node's fault; end rather than hang silently
        fail(
            new TimeException(
                Status.Code.INTERNAL,
                ErrorReason.ERROR_REASON_UNSPECIFIED,
                "verifying block " + nextHeight + " failed: " + e,
                e));
        return;
      }
      if (done) { // cancelled while the verification waited for the node
        return;
      }
      demand--; // > 0: a message is requested only while there is demand
      nextHeight++;
      lastHash = block.hash();
      lastHeader = block.block().getHeader();
      lastSet = verifiedSet;
      backoffMs = timings.initialBackoff().toMillis(); // a success resets the backoff
      try {
        subscriber.onNext(block);
      } catch (RuntimeException e) {
        // Flow rule 2.13: a subscriber must not throw; treat it as cancelled, signal nothing more.
        done = true;
        shutdown();
        return;
      }
      pump();
    }

    private void onClosed(Stream from, Throwable error) {
      if (done || from != stream) {
        return;
      }
      if (client.isClosed()) {
        fail(
            new TimeException(
                Status.Code.CANCELLED,
                ErrorReason.ERROR_REASON_UNSPECIFIED,
                "the client was closed",
                error));
        return;
      }
      if (error != null) {
        TimeException e = TimeException.from(error);
        if (!retriable(e.code())) {
          fail(e);
          return;
        }
      }
      // A retriable failure, or a stream the node ended although subscriptions never end.
      resubscribeLater();
    }

    private void onIdle(Stream from) {
      if (!done && from == stream && awaiting) {
        resubscribeLater(); // nothing, not even a keep-alive, for the idle timeout: assume it is
        // dead
      }
    }

    /**
     * The transport failures after which the subscription drops the stream and subscribes again,
     * after the backoff, from the height after the last one delivered: UNKNOWN is what a broken
     * connection often shows ("channel closed"); CANCELLED is retriable because the client's own
     * cancels are never seen here (a dropped stream's events are ignored, a closed client ends the
     * subscription first), so it can only come from the node or the transport; RESOURCE_EXHAUSTED
     * is SLOW_SUBSCRIBER.
     */
    static boolean retriable(Status.Code code) {
      return code == Status.Code.UNAVAILABLE
          || code == Status.Code.UNKNOWN
          || code == Status.Code.RESOURCE_EXHAUSTED
          || code == Status.Code.CANCELLED
          || code == Status.Code.DEADLINE_EXCEEDED;
    }

    private void resubscribeLater() {
      dropStream();
      delayMs = backoffMs;
      backoffMs = Math.min(backoffMs * 2, timings.maxBackoff().toMillis());
      pump();
    }

    private void dropStream() {
      cancelIdleTimer();
      awaiting = false;
      if (stream != null) {
        stream.call.cancel("subscription dropped by the client", null); // no-op on a closed call
        stream = null;
      }
    }

    private void fail(Throwable error) {
      boolean signal = !done; // after cancel(), nothing more is signalled
      done = true;
      shutdown();
      if (signal) {
        subscriber.onError(error);
      }
    }

    private void shutdown() {
      dropStream();
      if (reopen != null) {
        reopen.cancel(false);
        reopen = null;
      }
      executor.shutdown(); // the running task finishes; queued events are dropped as done is set
    }

    private void armIdleTimer() {
      cancelIdleTimer();
      Stream s = stream;
      idleTimer =
          executor.schedule(() -> onIdle(s), timings.idle().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void cancelIdleTimer() {
      if (idleTimer != null) {
        idleTimer.cancel(false);
        idleTimer = null;
      }
    }

    /** Runs on the subscription's thread; nothing to do once it has shut down. */
    private void run(Runnable task) {
      try {
        executor.execute(task);
      } catch (RejectedExecutionException e) {
        // terminated: late events and requests are ignored (Flow rule 3.6)
      }
    }

    /**
     * The checks before a block is delivered (docs/protocol.md 8): it is the expected next height,
     * of the trust root's chain, and extends the block before it (the last delivered, or the root);
     * its header commits to its body (tx_root, last_certificate_hash); its hash is its
     * certificate's block_hash; its validator_set_hash is the hash of the set derived from the root
     * for its height (set(h): the set of the block before, or the change its
     * next_validator_set_hash announced); and {@link FinalityCertificates#verify} accepts the
     * certificate against that set.
     */
    private VerifiedBlock verify(FinalizedBlock finalized) {
      if (!finalized.hasBlock()
          || !finalized.getBlock().hasHeader()
          || !finalized.hasCertificate()) {
        throw refused(
            ErrorReason.ERROR_REASON_MALFORMED,
            "a finalized block without a header or a certificate");
      }
      Block block = finalized.getBlock();
      BlockHeader header = block.getHeader();
      long height = header.getHeight();
      if (height != nextHeight) {
        throw refused(
            ErrorReason.ERROR_REASON_INVALID_BLOCK,
            "expected block " + nextHeight + ", got block " + height);
      }
      ByteString hash;
      ByteString txRoot;
      ByteString witnessRoot;
      ByteString lastCertificateHash;
      try {
        hash = Hashes.block(header);
        List<ByteString> txids =
            block.getBody().getTransactionsList().stream().map(Hashes::transaction).toList();
        txRoot = MerkleRoot.of(txids);
        witnessRoot = MerkleRoot.witnessRoot(txids, block.getBody().getTransactionsList());
        lastCertificateHash =
            block.getBody().hasLastCertificate()
                ? Hashes.certificate(block.getBody().getLastCertificate())
                : Hashes.NIL;
      } catch (MalformedException e) {
        throw refused(
            ErrorReason.ERROR_REASON_MALFORMED, "block " + height + ": " + e.getMessage());
      }
      TrustedChain chain = client.trusted();
      TrustedChain.Anchor root =
          chain.anchor(); // the root's header, fetched and checked once per client
      if (!root.chainId().equals(header.getChainId())) {
        throw refused(
            ErrorReason.ERROR_REASON_WRONG_CHAIN,
            "block "
                + height
                + " is of chain '"
                + header.getChainId()
                + "', the trusted one is '"
                + root.chainId()
                + "'");
      }
      if (!txRoot.equals(header.getTxRoot())) {
        throw refused(
            ErrorReason.ERROR_REASON_INVALID_BLOCK,
            "block " + height + ": its transactions do not match tx_root");
      }
      if (!witnessRoot.equals(header.getWitnessRoot())) {
        // the body was altered after it was certified: a witness differs from what the header
        // commits to
        throw refused(
            ErrorReason.ERROR_REASON_INVALID_BLOCK,
            "block " + height + ": its witnesses do not match witness_root");
      }
      if (!lastCertificateHash.equals(header.getLastCertificateHash())) {
        throw refused(
            ErrorReason.ERROR_REASON_INVALID_BLOCK,
            "block " + height + ": its last certificate does not match last_certificate_hash");
      }
      ByteString previous =
          lastHash != null ? lastHash : height == root.height() + 1 ? root.hash() : null;
      if (previous != null && !previous.equals(header.getPrevHash())) {
        throw refused(
            ErrorReason.ERROR_REASON_INVALID_BLOCK,
            "block " + height + " does not extend block " + (height - 1));
      }
      FinalityCertificate certificate = finalized.getCertificate();
      if (certificate.getHeight() != height || !certificate.getBlockHash().equals(hash)) {
        throw refused(
            ErrorReason.ERROR_REASON_INVALID_BLOCK,
            "block "
                + height
                + ": its certificate is for another block (height "
                + certificate.getHeight()
                + ")");
      }
      // set(h): from the certified header before it when there is one, else derived from the root.
      ValidatorSet set =
          lastHeader != null ? chain.nextSet(lastHeader, lastSet) : chain.setAt(height);
      if (!set.hash().equals(header.getValidatorSetHash())) {
        throw refused(
            ErrorReason.ERROR_REASON_INVALID_BLOCK,
            "block "
                + height
                + ": its validator_set_hash is not that of the set derived from the trust root");
      }
      try {
        FinalityCertificates.verify(certificate, root.chainId(), set, SignatureVerifier.ED25519);
      } catch (FinalityCertificates.InvalidCertificateException e) {
        throw refused(e.reason(), "block " + height + ": " + e.getMessage());
      }
      verifiedSet = set;
      return new VerifiedBlock(finalized, height, hash);
    }

    private static TimeException refused(ErrorReason reason, String message) {
      return TrustedChain.refused(reason, message);
    }

    /** One SubscribeFinalized call, pulled one message at a time. */
    private final class Stream
        implements ClientResponseObserver<SubscribeFinalizedRequest, SubscribeFinalizedResponse> {
      private ClientCallStreamObserver<SubscribeFinalizedRequest> call;

      @Override
      public void beforeStart(ClientCallStreamObserver<SubscribeFinalizedRequest> call) {
        this.call = call;
        call.disableAutoRequestWithInitial(1); // gRPC flow control: we ask for each next message
      }

      @Override
      public void onNext(SubscribeFinalizedResponse message) {
        run(() -> onMessage(this, message));
      }

      @Override
      public void onError(Throwable t) {
        run(() -> onClosed(this, t));
      }

      @Override
      public void onCompleted() {
        run(() -> onClosed(this, null));
      }
    }
  }
}
