package io.timecoin.sdk.examples;

import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Units;
import io.timecoin.sdk.TimeClient;
import io.timecoin.sdk.TrustRoot;
import io.timecoin.sdk.VerifiedBlock;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;

/**
 * An explorer's tail: every finalized block from a height on, each checked against the validator
 * set derived from the trusted genesis before it is printed; reconnects by itself, never skipping
 * or repeating one. Give the genesis hash (GetStatus's genesis_hash of a node you trust, or {@code
 * timed client status}) so that the node you tail cannot feed you another chain.
 *
 * <pre>
 * java -cp server/target/timed.jar io.timecoin.sdk.examples.ExplorerTail [--target 24101] [--from-height 1] [--genesis HASH]
 * </pre>
 */
public final class ExplorerTail {
  static final String USAGE =
      "usage: ExplorerTail [--target HOST:PORT|PORT] [--from-height N] [--genesis HASH]"
          + "   (--target defaults to "
          + ExampleArgs.DEFAULT_TARGET
          + ", a bare port is on 127.0.0.1; --from-height to the"
          + " next block; without --genesis the first genesis the node shows is trusted)";

  private ExplorerTail() {}

  public static void main(String[] args) throws InterruptedException {
    System.exit(run(args, System.out, System.err));
  }

  /** Tails until Ctrl-C; returns the exit code when it cannot (1 failed, 2 bad arguments). */
  public static int run(String[] args, PrintStream out, PrintStream err)
      throws InterruptedException {
    String target = null;
    try {
      ExampleArgs a = ExampleArgs.parse(args, Set.of("--target", "--from-height", "--genesis"));
      target = a.target();
      Long fromHeight = null;
      if (a.get("--from-height") != null) {
        try {
          fromHeight = Long.parseLong(a.get("--from-height").strip());
        } catch (NumberFormatException e) {
          fromHeight = -1L;
        }
        if (fromHeight < 0) {
          throw new ExampleArgs.Failure(
              2, "--from-height " + a.get("--from-height") + ": not a height (0, 1, 2, ...)");
        }
      }
      // Without a genesis hash the SDK trusts the first genesis it sees (and logs a WARN saying
      // so).
      TimeClient.Builder builder =
          TimeClient.builder().target(target).deadline(Duration.ofSeconds(10));
      if (a.get("--genesis") != null) {
        builder.trustRoot(TrustRoot.genesis(a.get("--genesis")));
      }
      try (TimeClient client = builder.build()) {
        // Asked first even with --from-height: a node that is not there answers now, in one line,
        // rather than through a subscription that keeps reconnecting.
        long next = client.status().getFinalizedHeight() + 1;
        return tail(client, fromHeight != null ? fromHeight : next, target, out, err);
      }
    } catch (ExampleArgs.Failure f) {
      return ExampleArgs.report(f, "ExplorerTail", USAGE, out, err);
    } catch (RuntimeException e) {
      err.println("ExplorerTail: " + ExampleArgs.describe(e, target));
      return 1;
    }
  }

  private static int tail(
      TimeClient client, long from, String target, PrintStream out, PrintStream err)
      throws InterruptedException {
    CountDownLatch ended = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    client
        .subscribeFinalized(from)
        .subscribe(
            new Flow.Subscriber<>() {
              private Flow.Subscription subscription;

              @Override
              public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(16); // a small window: the node and the SDK keep nothing more in flight
              }

              @Override
              public void onNext(VerifiedBlock b) {
                var header = b.block().getHeader();
                out.printf(
                    "#%d %s %s proposer %s, %d signatures%n",
                    b.height(),
                    HexFormat.of().formatHex(b.hash().toByteArray(), 0, 8),
                    Instant.ofEpochMilli(header.getTimestampMs()),
                    HexFormat.of().formatHex(header.getProposer().toByteArray(), 0, 4),
                    b.certificate().getSignaturesCount());
                for (Transaction tx : b.block().getBody().getTransactionsList()) {
                  long sum = tx.getOutputsList().stream().mapToLong(TxOutput::getAmount).sum();
                  out.printf(
                      "    %s %s TIME in %d outputs%n",
                      tx.getKind().name().substring("TRANSACTION_KIND_".length()),
                      Units.format(sum),
                      tx.getOutputsCount());
                }
                subscription.request(1);
              }

              @Override
              public void onError(Throwable t) {
                failure.set(t);
                ended.countDown();
              }

              @Override
              public void onComplete() {
                ended.countDown();
              }
            });
    ended.await(); // runs until Ctrl-C, or until a block fails verification
    if (failure.get() != null) {
      err.println(
          "ExplorerTail: subscription ended: " + ExampleArgs.describe(failure.get(), target));
      return 1;
    }
    return 0;
  }
}
