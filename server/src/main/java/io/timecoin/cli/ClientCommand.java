package io.timecoin.cli;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.timecoin.canonical.Hashes;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.GetBalanceResponse;
import io.timecoin.proto.v1.GetBlockResponse;
import io.timecoin.proto.v1.GetStatusResponse;
import io.timecoin.proto.v1.Masternode;
import io.timecoin.proto.v1.PeerInfo;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Units;
import io.timecoin.sdk.TimeClient;
import io.timecoin.sdk.TimeException;
import io.timecoin.sdk.VerifiedBlock;
import io.timecoin.sdk.Wallet;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** timed client ...: talks to a node's client API through the Java SDK. */
@Command(name = "client", description = "Talk to a node's client API (NodeService).", subcommands = {
    ClientCommand.StatusCommand.class, ClientCommand.WatchCommand.class, ClientCommand.BlockCommand.class,
    ClientCommand.BalanceCommand.class, ClientCommand.SendCommand.class, ClientCommand.MasternodesCommand.class})
public final class ClientCommand implements Runnable {
  private static final HexFormat HEX = HexFormat.of();

  @Override
  public void run() {
    System.err.println("timed client: name a command: status, watch, block, balance, send or masternodes"
        + " (for example: timed client status --target 127.0.0.1:24101)");
  }

  /** What every client command shares: where the node is, and how a refusal is shown. */
  abstract static class Base implements Callable<Integer> {
    @Option(names = "--target", defaultValue = "127.0.0.1:24101", description = "host:port of the client API (default ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--tls-ca", paramLabel = "FILE", description = "Speak TLS, trusting this CA (a node's tls/ca.pem).")
    Path tlsCa;

    final PrintStream out = System.out;

    abstract void run(TimeClient client) throws Exception;

    @Spec
    CommandSpec spec;

    /** The subcommand's name, for messages. */
    String name() {
      return spec.name();
    }

    @Override
    public Integer call() throws Exception {
      TimeClient.Builder b = TimeClient.builder().target(target).deadline(Duration.ofSeconds(10));
      if (tlsCa != null) {
        b.tls(tlsCa);
      }
      try (TimeClient client = b.build()) {
        run(client);
        return 0;
      } catch (TimeException e) {
        System.err.println("timed client " + name() + ": " + target + ": " + describe(e));
        return 1;
      } catch (CliCommand.UserError e) {
        System.err.println("timed client " + name() + ": " + e.getMessage());
        return 1;
      }
    }

    private String describe(TimeException e) {
      String reason = e.reason() == io.timecoin.proto.v1.ErrorReason.ERROR_REASON_UNSPECIFIED ? e.code().toString()
          : io.timecoin.protocol.ErrorReasons.code(e.reason());
      String hint = e.code() != Status.Code.UNAVAILABLE ? ""
          : tlsCa == null ? " (is the node down, or does it speak TLS? then add --tls-ca NODE_HOME/tls/ca.pem)" : " (is the node up?)";
      return reason + ": " + e.getMessage() + hint;
    }
  }

  @Command(name = "status", description = "Show where a node and its chain stand.")
  static final class StatusCommand extends Base {

    @Override
    void run(TimeClient client) {
      GetStatusResponse s = client.status();
      out.println("chain            " + s.getChainId());
      out.println("genesis          " + HEX.formatHex(s.getGenesisHash().toByteArray()));
      out.println("finalized_height " + s.getFinalizedHeight());
      out.println("finalized_hash   " + HEX.formatHex(s.getFinalizedHash().toByteArray()));
      out.println("round            " + s.getRound());
      out.println("syncing          " + s.getSyncing());
      out.println("validator        " + s.getValidator() + " (" + HEX.formatHex(s.getNodeKey().toByteArray()) + ")");
      out.println("peers            " + s.getPeersCount());
      for (PeerInfo p : s.getPeersList()) {
        out.println("  " + p.getAddress() + "  height " + p.getHeight() + "  " + HEX.formatHex(p.getNodeKey().toByteArray(), 0, 8));
      }
    }
  }

  @Command(name = "watch", description = "Print each finalized block as it comes, its certificate checked (Ctrl-C stops).")
  static final class WatchCommand extends Base {
    @Option(names = "--from", paramLabel = "HEIGHT", defaultValue = "0",
        description = "Start at this height (default: the next block to be finalized).")
    long from;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0", description = "Stop after N blocks (default: never).")
    long count;


    @Override
    void run(TimeClient client) throws Exception {
      long start = from > 0 ? from : client.status().getFinalizedHeight() + 1;
      CompletableFuture<Void> done = new CompletableFuture<>();
      client.subscribeFinalized(start).subscribe(new Flow.Subscriber<>() {
        private Flow.Subscription subscription;
        private long seen;

        @Override
        public void onSubscribe(Flow.Subscription s) {
          subscription = s;
          s.request(1);
        }

        @Override
        public void onNext(VerifiedBlock b) {
          Block block = b.block();
          Transaction reward = block.getBody().getTransactions(0);
          long paid = reward.getOutputsList().stream().mapToLong(TxOutput::getAmount).sum();
          out.println("height " + b.height() + "  hash " + HEX.formatHex(b.hash().toByteArray(), 0, 8)
              + "  txs " + (block.getBody().getTransactionsCount() - 1)
              + "  round " + b.certificate().getRound() + "  signatures " + b.certificate().getSignaturesCount()
              + "  reward " + Units.format(paid) + " TIME  (certificate verified)");
          if (count > 0 && ++seen >= count) {
            subscription.cancel();
            done.complete(null);
          } else {
            subscription.request(1);
          }
        }

        @Override
        public void onError(Throwable t) {
          done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
          done.complete(null);
        }
      });
      try {
        done.join();
      } catch (java.util.concurrent.CompletionException e) {
        throw e.getCause() instanceof TimeException te ? te : e;
      }
    }
  }

  @Command(name = "block", description = "Show a finalized block: its header, transactions and certificate.")
  static final class BlockCommand extends Base {
    @Parameters(paramLabel = "HEIGHT|HASH", description = "A height, or a block hash in hex.")
    String which;


    @Override
    void run(TimeClient client) {
      GetBlockResponse r;
      if (which.length() == 64) {
        r = client.blockByHash(ByteString.copyFrom(HEX.parseHex(which)));
      } else {
        try {
          r = client.block(Long.parseLong(which));
        } catch (NumberFormatException e) {
          throw new CliCommand.UserError("'" + which + "' is neither a height nor a 64-hex-digit block hash");
        }
      }
      BlockHeader h = r.getBlock().getHeader();
      out.println("height      " + h.getHeight());
      out.println("hash        " + HEX.formatHex(Hashes.block(h).toByteArray()));
      out.println("prev_hash   " + HEX.formatHex(h.getPrevHash().toByteArray()));
      out.println("timestamp   " + java.time.Instant.ofEpochMilli(h.getTimestampMs()));
      out.println("proposer    " + HEX.formatHex(h.getProposer().toByteArray()));
      out.println("transactions " + r.getBlock().getBody().getTransactionsCount());
      for (Transaction tx : r.getBlock().getBody().getTransactionsList()) {
        long total = tx.getOutputsList().stream().mapToLong(TxOutput::getAmount).sum();
        out.println("  " + HEX.formatHex(Hashes.transaction(tx).toByteArray()) + "  "
            + tx.getKind().name().substring("TRANSACTION_KIND_".length()) + "  " + tx.getInputsCount() + " in, "
            + tx.getOutputsCount() + " out, " + Units.format(total) + " TIME");
      }
      if (r.hasCertificate()) {
        out.println("certificate round " + r.getCertificate().getRound() + ", " + r.getCertificate().getSignaturesCount() + " signatures:");
        for (CertificateSignature s : r.getCertificate().getSignaturesList()) {
          out.println("  " + HEX.formatHex(s.getValidator().toByteArray()));
        }
      }
    }
  }

  @Command(name = "balance", description = "Show an address's finalized balance.")
  static final class BalanceCommand extends Base {
    @Parameters(paramLabel = "ADDRESS", description = "A bech32m address (timet1... on a devnet).")
    String address;


    @Override
    void run(TimeClient client) {
      GetBalanceResponse b = client.balance(address);
      out.println(Units.format(b.getBalance()) + " TIME in " + b.getUnspentCount() + " outputs, at height " + b.getHeight());
    }
  }

  @Command(name = "send", description = "Send TIME from a key file's address, and wait until the transfer is final.")
  static final class SendCommand extends Base {
    @Option(names = "--from", required = true, paramLabel = "KEYFILE", description = "The sender's key (devnet/faucet.key on a devnet).")
    Path from;

    @Option(names = "--to", required = true, paramLabel = "ADDRESS", description = "The recipient's bech32m address.")
    String to;

    @Option(names = "--amount", required = true, paramLabel = "TIME", description = "How much, in TIME (up to 8 decimals).")
    String amount;

    @Option(names = "--fee", paramLabel = "UNITS", defaultValue = "10000", description = "The fee in base units, raised to what the chain requires of the transaction when that is more (default ${DEFAULT-VALUE}).")
    long fee;

    @Option(names = "--no-wait", description = "Return once the node accepted the transfer.")
    boolean noWait;


    @Override
    void run(TimeClient client) throws Exception {
      long units = parseTime(amount);
      Wallet wallet;
      try {
        wallet = Wallet.fromKeyFile(from);
      } catch (java.io.IOException e) {
        throw new CliCommand.UserError(from + ": " + e.getMessage());
      }
      String chain = client.chainId();
      long started = System.currentTimeMillis();
      ByteString txid;
      try {
        txid = wallet.transfer(client, to, units, fee);
      } catch (io.timecoin.sdk.InsufficientFundsException | IllegalArgumentException e) {
        throw new CliCommand.UserError(e.getMessage());
      }
      out.println("sent " + Units.format(units) + " TIME from " + wallet.address(chain) + " to " + to + " (fee at least " + fee + " units)");
      out.println("txid " + HEX.formatHex(txid.toByteArray()));
      if (!noWait) {
        long height = Wallet.awaitFinal(client, txid, Duration.ofSeconds(60));
        out.println("final at height " + height + " after " + (System.currentTimeMillis() - started) + " ms");
      }
    }

    static long parseTime(String text) {
      try {
        BigDecimal units = new BigDecimal(text).multiply(BigDecimal.valueOf(Units.UNITS_PER_TIME));
        long value = units.longValueExact(); // refuses fractions of a unit and overflow
        if (value <= 0) {
          throw new ArithmeticException();
        }
        return value;
      } catch (NumberFormatException | ArithmeticException e) {
        throw new CliCommand.UserError("--amount '" + text + "' is not a positive amount of TIME with at most 8 decimals");
      }
    }
  }

  @Command(name = "masternodes", description = "List the registered masternodes (the registry of the next height).")
  static final class MasternodesCommand extends Base {
    @Option(names = "--all", description = "Also those no longer registered.")
    boolean all;


    @Override
    void run(TimeClient client) {
      out.println(String.format("%-16s  %-6s  %12s  %-8s  %11s  %s", "consensus key", "tier", "weight", "active",
          "last signed", "missed of last 64"));
      for (Masternode m : client.masternodes()) {
        if (!all && !m.getActive()) {
          continue;
        }
        out.println(String.format("%-16s  %-6s  %12d  %-8s  %11d  %d", HEX.formatHex(m.getConsensusKey().toByteArray(), 0, 8),
            m.getTier().name().substring("MASTERNODE_TIER_".length()).toLowerCase(), m.getWeight(), m.getActive(),
            m.getLastSignedHeight(), m.getMissedBlocks()));
      }
    }
  }
}
