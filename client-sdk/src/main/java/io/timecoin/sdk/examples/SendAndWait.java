package io.timecoin.sdk.examples;

import com.google.protobuf.ByteString;
import io.timecoin.protocol.Units;
import io.timecoin.sdk.TimeClient;
import io.timecoin.sdk.TimeException;
import io.timecoin.sdk.TrustRoot;
import io.timecoin.sdk.Wallet;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;

/**
 * A wallet in a few lines: send TIME from a key file's address and wait until the transfer is final.
 *
 * <pre>java -cp server/target/timed.jar io.timecoin.sdk.examples.SendAndWait devnet/faucet.key timet1... 2.5 [TARGET] [GENESIS_HASH]</pre>
 *
 * <p>The chain id the transfer is signed for comes from the trusted genesis (GENESIS_HASH, or without
 * it the first genesis the node shows, with a WARN).
 */
public final class SendAndWait {
  private SendAndWait() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: SendAndWait KEYFILE TO_ADDRESS AMOUNT_TIME [TARGET] [GENESIS_HASH]"
          + "   (TARGET defaults to 127.0.0.1:24101)");
      System.exit(2);
    }
    Wallet wallet = Wallet.fromKeyFile(Path.of(args[0]));
    long amount = new java.math.BigDecimal(args[2]).multiply(java.math.BigDecimal.valueOf(Units.UNITS_PER_TIME)).longValueExact();
    String target = args.length > 3 ? args[3] : "127.0.0.1:24101";
    TimeClient.Builder builder = TimeClient.builder().target(target).deadline(Duration.ofSeconds(10));
    if (args.length > 4) {
      builder.trustRoot(TrustRoot.genesis(args[4]));
    }
    try (TimeClient client = builder.build()) {
      String from = wallet.address(client.chainId());
      System.out.println("balance of " + from + ": " + Units.format(client.balance(from).getBalance()) + " TIME");
      long started = System.nanoTime();
      ByteString txid = wallet.transfer(client, args[1], amount, 10_000); // 10,000 units of fee
      System.out.println("submitted " + HexFormat.of().formatHex(txid.toByteArray()));
      long height = Wallet.awaitFinal(client, txid, Duration.ofSeconds(60));
      System.out.printf("final at height %d in %d ms; %s now holds %s TIME%n", height, (System.nanoTime() - started) / 1_000_000,
          args[1], Units.format(client.balance(args[1]).getBalance()));
    } catch (TimeException e) {
      System.err.println("refused: " + e.reason() + ": " + e.getMessage());
      System.exit(1);
    }
  }
}
