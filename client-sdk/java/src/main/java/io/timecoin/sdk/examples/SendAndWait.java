package io.timecoin.sdk.examples;

import com.google.protobuf.ByteString;
import io.timecoin.protocol.Units;
import io.timecoin.sdk.TimeClient;
import io.timecoin.sdk.TrustRoot;
import io.timecoin.sdk.Wallet;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Set;

/**
 * A wallet in a few lines: send TIME from a key file's address and wait until the transfer is
 * final.
 *
 * <pre>
 * java -cp server/target/timed.jar io.timecoin.sdk.examples.SendAndWait --key devnet/faucet.key --to timet1... --amount 2.5 [--target 24101] [--genesis HASH]
 * </pre>
 *
 * <p>The chain id the transfer is signed for comes from the trusted genesis ({@code --genesis}, or
 * without it the first genesis the node shows, with a WARN). The fee is the least the chain's rule
 * asks of this transaction.
 */
public final class SendAndWait {
  static final String USAGE =
      "usage: SendAndWait --key FILE --to ADDRESS --amount TIME [--target HOST:PORT|PORT]"
          + " [--genesis HASH]   (--target defaults to "
          + ExampleArgs.DEFAULT_TARGET
          + ", a bare port is on 127.0.0.1;"
          + " without --genesis the first genesis the node shows is trusted)";

  private SendAndWait() {}

  public static void main(String[] args) throws InterruptedException {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the example; returns the exit code (0 done, 1 failed or refused, 2 bad arguments). */
  public static int run(String[] args, PrintStream out, PrintStream err)
      throws InterruptedException {
    String target = null;
    try {
      ExampleArgs a =
          ExampleArgs.parse(args, Set.of("--key", "--to", "--amount", "--target", "--genesis"));
      target = a.target();
      Path keyFile = Path.of(a.required("--key"));
      String to = a.required("--to");
      long amount = amount(a.required("--amount"));
      Wallet wallet;
      try {
        wallet = Wallet.fromKeyFile(keyFile);
      } catch (IOException | RuntimeException e) {
        throw new ExampleArgs.Failure(
            1, "--key " + keyFile + ": cannot read a key: " + e.getMessage());
      }
      TimeClient.Builder builder =
          TimeClient.builder().target(target).deadline(Duration.ofSeconds(10));
      if (a.get("--genesis") != null) {
        builder.trustRoot(TrustRoot.genesis(a.get("--genesis")));
      }
      try (TimeClient client = builder.build()) {
        String from = wallet.address(client.chainId());
        out.println(
            "balance of "
                + from
                + ": "
                + Units.format(client.balance(from).getBalance())
                + " TIME");
        long started = System.nanoTime();
        ByteString txid = wallet.transfer(client, to, amount);
        out.println("submitted " + HexFormat.of().formatHex(txid.toByteArray()));
        long height = Wallet.awaitFinal(client, txid, Duration.ofSeconds(60));
        out.printf(
            "final at height %d in %d ms; %s now holds %s TIME%n",
            height,
            (System.nanoTime() - started) / 1_000_000,
            to,
            Units.format(client.balance(to).getBalance()));
        return 0;
      }
    } catch (ExampleArgs.Failure f) {
      return ExampleArgs.report(f, "SendAndWait", USAGE, out, err);
    } catch (RuntimeException e) {
      err.println("SendAndWait: " + ExampleArgs.describe(e, target));
      return 1;
    }
  }

  /**
   * TIME as typed ("2.5") in base units; more decimals than a unit has, or not a number, is a usage
   * error.
   */
  static long amount(String text) throws ExampleArgs.Failure {
    try {
      long units =
          new BigDecimal(text.strip())
              .multiply(BigDecimal.valueOf(Units.UNITS_PER_TIME))
              .longValueExact();
      if (units <= 0) {
        throw new ExampleArgs.Failure(2, "--amount " + text + ": the amount must be positive");
      }
      return units;
    } catch (NumberFormatException | ArithmeticException e) {
      throw new ExampleArgs.Failure(
          2, "--amount " + text + ": not an amount of TIME (for example 2.5)");
    }
  }
}
