package io.timecoin.sdk.examples;

import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Units;
import io.timecoin.sdk.TimeClient;
import io.timecoin.sdk.TrustRoot;
import io.timecoin.sdk.VerifiedBlock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;

/**
 * An explorer's tail: every finalized block from a height on, each checked against the validator set
 * derived from the trusted genesis before it is printed; reconnects by itself, never skipping or
 * repeating one. Give the genesis hash (GetStatus's genesis_hash of a node you trust, or
 * {@code timed client status}) so that the node you tail cannot feed you another chain.
 *
 * <pre>java -cp server/target/timed.jar io.timecoin.sdk.examples.ExplorerTail [FROM_HEIGHT] [TARGET] [GENESIS_HASH]</pre>
 */
public final class ExplorerTail {
  private ExplorerTail() {}

  public static void main(String[] args) throws Exception {
    String target = args.length > 1 ? args[1] : "127.0.0.1:24101";
    CountDownLatch failed = new CountDownLatch(1);
    // Without a genesis hash the SDK trusts the first genesis it sees (and logs a WARN saying so).
    TimeClient.Builder builder = TimeClient.builder().target(target).deadline(Duration.ofSeconds(10));
    if (args.length > 2) {
      builder.trustRoot(TrustRoot.genesis(args[2]));
    }
    try (TimeClient client = builder.build()) {
      long from = args.length > 0 ? Long.parseLong(args[0]) : client.status().getFinalizedHeight() + 1;
      client.subscribeFinalized(from).subscribe(new Flow.Subscriber<>() {
        private Flow.Subscription subscription;

        @Override
        public void onSubscribe(Flow.Subscription s) {
          subscription = s;
          s.request(16); // a small window: the node and the SDK keep nothing more in flight
        }

        @Override
        public void onNext(VerifiedBlock b) {
          var header = b.block().getHeader();
          System.out.printf("#%d %s %s proposer %s, %d signatures%n", b.height(),
              HexFormat.of().formatHex(b.hash().toByteArray(), 0, 8), Instant.ofEpochMilli(header.getTimestampMs()),
              HexFormat.of().formatHex(header.getProposer().toByteArray(), 0, 4), b.certificate().getSignaturesCount());
          for (Transaction tx : b.block().getBody().getTransactionsList()) {
            long out = tx.getOutputsList().stream().mapToLong(TxOutput::getAmount).sum();
            System.out.printf("    %s %s TIME in %d outputs%n", tx.getKind().name().substring("TRANSACTION_KIND_".length()),
                Units.format(out), tx.getOutputsCount());
          }
          subscription.request(1);
        }

        @Override
        public void onError(Throwable t) {
          System.err.println("subscription ended: " + t.getMessage());
          failed.countDown();
        }

        @Override
        public void onComplete() {
          failed.countDown();
        }
      });
      failed.await(); // runs until Ctrl-C, or until a block fails verification
    }
  }
}
