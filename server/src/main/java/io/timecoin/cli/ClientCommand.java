package io.timecoin.cli;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.GetBalanceResponse;
import io.timecoin.proto.v1.GetBlockResponse;
import io.timecoin.proto.v1.GetStatusResponse;
import io.timecoin.proto.v1.GetTransactionResponse;
import io.timecoin.proto.v1.Masternode;
import io.timecoin.proto.v1.PeerInfo;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Units;
import io.timecoin.sdk.TimeClient;
import io.timecoin.sdk.TimeException;
import io.timecoin.sdk.VerifiedBlock;
import io.timecoin.sdk.Wallet;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** timed client ...: talks to a node's client API through the Java SDK. */
@Command(
    name = "client",
    description = "Talk to a node's client API (NodeService).",
    subcommands = {
      ClientCommand.StatusCommand.class, ClientCommand.WatchCommand.class,
          ClientCommand.BlockCommand.class,
      ClientCommand.TxCommand.class, ClientCommand.BalanceCommand.class,
          ClientCommand.SendCommand.class,
      ClientCommand.FaucetCommand.class, ClientCommand.MasternodesCommand.class
    })
public final class ClientCommand implements Runnable {
  private static final HexFormat HEX = HexFormat.of();
  static final String DEFAULT_TARGET = "127.0.0.1:24101";

  @Spec CommandSpec spec;

  /** {@code timed client} alone: the usage, and exit code 2 (as {@code timed} alone). */
  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "name a command: status, watch, block, tx, balance, send, faucet or masternodes");
  }

  /**
   * The gRPC target of a {@code --target}: host:port as given, a bare port as 127.0.0.1:PORT; a
   * host without a port is refused (gRPC would dial it on 443, a node never listens there).
   */
  static String target(String text) {
    String t = text.strip();
    if (t.matches("\\d+")) {
      int port = Integer.parseInt(t.length() > 5 ? "0" : t);
      if (port < 1 || port > 65_535) {
        throw new CliCommand.UserError("--target " + text + ": a port goes from 1 to 65535");
      }
      return "127.0.0.1:" + port;
    }
    if (t.contains("://")) {
      return t; // a gRPC target URI (dns:///..., unix://...): the user knows what they ask
    }
    int colon = t.lastIndexOf(':');
    if (colon <= 0 || colon == t.length() - 1 || !t.substring(colon + 1).matches("\\d{1,5}")) {
      throw new CliCommand.UserError(
          "--target '"
              + text
              + "' is not host:port (for example 127.0.0.1:24101), nor a bare"
              + " port (for 127.0.0.1)");
    }
    return t;
  }

  /**
   * What every client command shares: where the node is, how it prints, and how a refusal is shown.
   */
  abstract static class Base implements Callable<Integer> {
    @Option(
        names = "--target",
        paramLabel = "HOST:PORT|PORT",
        defaultValue = DEFAULT_TARGET,
        description =
            "The node's client API: host:port, or a port on 127.0.0.1 (default ${DEFAULT-VALUE}).")
    String targetOption;

    @Option(
        names = "--tls-ca",
        paramLabel = "FILE",
        description = "Speak TLS, trusting this CA (a node's tls/ca.pem).")
    Path tlsCa;

    @Option(
        names = "--genesis",
        paramLabel = "HASH",
        description =
            "Trust only the chain with this genesis hash"
                + " (64 hex digits; 'timed client status' shows it). Without it, the first genesis the node shows is trusted.")
    String genesis;

    @Option(
        names = "--json",
        description = "Print JSON (one object a line; amounts in base units, bytes in hex).")
    boolean json;

    @Spec CommandSpec spec;

    /** Where the answer goes: the command line's out (stdout, or a test's writer). */
    PrintWriter out;

    String target;

    abstract void run(TimeClient client) throws Exception;

    @Override
    public Integer call() throws Exception {
      io.timecoin.node.Logs.configureClient();
      out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        target = ClientCommand.target(targetOption);
        TimeClient.Builder b = TimeClient.builder().target(target).deadline(Duration.ofSeconds(10));
        if (tlsCa != null) {
          if (!Files.isRegularFile(tlsCa)) {
            throw new CliCommand.UserError("--tls-ca " + tlsCa + ": no such file");
          }
          b.tls(tlsCa);
        }
        if (genesis != null) {
          try {
            b.trustRoot(io.timecoin.sdk.TrustRoot.genesis(genesis));
          } catch (IllegalArgumentException e) {
            throw new CliCommand.UserError("--genesis: " + e.getMessage());
          }
        }
        try (TimeClient client = b.build()) {
          run(client);
          return 0;
        }
      } catch (TimeException e) {
        err.println("timed client " + spec.name() + ": " + describe(e));
        return 1;
      } catch (CliCommand.UserError e) {
        err.println("timed client " + spec.name() + ": " + e.getMessage());
        return 1;
      } finally {
        out.flush();
        err.flush();
      }
    }

    /** One line: what went wrong, and what to try. */
    String describe(TimeException e) {
      String message = firstLine(e.getMessage());
      if (message.contains("HTTP status code")) {
        // gRPC got an HTTP answer that is not gRPC: a web server, most often a node's metrics or
        // web port
        return target
            + " answers HTTP, not gRPC: it is not a client port (a node's metrics or web port? on a devnet"
            + " the client port is base+10i+1: 24101, 24111, ...)";
      }
      if (e.code() == Status.Code.UNAVAILABLE) {
        if (causedBy(e, java.net.ConnectException.class)) {
          return "no node answers at " + target + " (connection refused)";
        }
        if (causedBy(e, java.net.UnknownHostException.class)
            || message.contains("Unable to resolve")) {
          return target + ": unknown host";
        }
        return target
            + ": unavailable: "
            + message
            + (tlsCa == null
                ? " (does the node speak TLS? then add --tls-ca NODE_HOME/tls/ca.pem)"
                : " (is the node up?)");
      }
      if (e.code() == Status.Code.DEADLINE_EXCEEDED) {
        return target + ": no answer in time (" + message + ")";
      }
      String reason =
          e.reason() == ErrorReason.ERROR_REASON_UNSPECIFIED
              ? e.code().toString()
              : io.timecoin.protocol.ErrorReasons.code(e.reason());
      return target + ": " + reason + ": " + message;
    }

    private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (type.isInstance(c)) {
          return true;
        }
      }
      return false;
    }

    private static String firstLine(String s) {
      if (s == null) {
        return "";
      }
      int nl = s.indexOf('\n');
      return nl < 0 ? s : s.substring(0, nl);
    }
  }

  static String hex(ByteString b) {
    return HEX.formatHex(b.toByteArray());
  }

  static String kind(Transaction tx) {
    return tx.getKind().name().substring("TRANSACTION_KIND_".length()).toLowerCase();
  }

  static String address(ByteString raw, String chainId) {
    try {
      return Address.fromBytes(raw.toByteArray()).toBech32m(chainId);
    } catch (IllegalArgumentException e) {
      return hex(raw);
    }
  }

  @Command(name = "status", description = "Show where a node and its chain stand.")
  static final class StatusCommand extends Base {

    @Override
    void run(TimeClient client) {
      GetStatusResponse s = client.status();
      if (json) {
        List<Json> peers = new ArrayList<>();
        for (PeerInfo p : s.getPeersList()) {
          peers.add(
              Json.object()
                  .put("address", p.getAddress())
                  .put("height", p.getHeight())
                  .put("node_key", hex(p.getNodeKey())));
        }
        out.println(
            Json.object()
                .put("chain_id", s.getChainId())
                .put("genesis_hash", hex(s.getGenesisHash()))
                .put("finalized_height", s.getFinalizedHeight())
                .put("finalized_hash", hex(s.getFinalizedHash()))
                .put("round", s.getRound())
                .put("syncing", s.getSyncing())
                .put("validator", s.getValidator())
                .put("node_key", hex(s.getNodeKey()))
                .put("protocol_version", s.getProtocolVersion())
                .put("peers", peers));
        return;
      }
      out.println("chain            " + s.getChainId());
      out.println("genesis          " + hex(s.getGenesisHash()));
      out.println("finalized_height " + s.getFinalizedHeight());
      out.println("finalized_hash   " + hex(s.getFinalizedHash()));
      out.println("round            " + s.getRound());
      out.println("syncing          " + s.getSyncing());
      out.println("validator        " + s.getValidator() + " (" + hex(s.getNodeKey()) + ")");
      out.println("peers            " + s.getPeersCount());
      for (PeerInfo p : s.getPeersList()) {
        out.println(
            "  "
                + p.getAddress()
                + "  height "
                + p.getHeight()
                + "  "
                + HEX.formatHex(p.getNodeKey().toByteArray(), 0, 8));
      }
    }
  }

  @Command(
      name = "watch",
      description =
          "Print each finalized block as it comes, its certificate checked (Ctrl-C stops).")
  static final class WatchCommand extends Base {
    @Option(
        names = "--from",
        paramLabel = "HEIGHT",
        defaultValue = "0",
        description = "Start at this height (default: the next block to be finalized).")
    long from;

    @Option(
        names = "--count",
        paramLabel = "N",
        defaultValue = "0",
        description = "Stop after N blocks (default: never).")
    long count;

    @Override
    void run(TimeClient client) throws Exception {
      long start = from > 0 ? from : client.status().getFinalizedHeight() + 1;
      CompletableFuture<Void> done = new CompletableFuture<>();
      client
          .subscribeFinalized(start)
          .subscribe(
              new Flow.Subscriber<>() {
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
                  if (json) {
                    out.println(
                        Json.object()
                            .put("height", b.height())
                            .put("hash", hex(b.hash()))
                            .put("txs", block.getBody().getTransactionsCount() - 1)
                            .put("round", b.certificate().getRound())
                            .put("signatures", b.certificate().getSignaturesCount())
                            .put("reward_units", paid)
                            .put("certificate_verified", true));
                  } else {
                    out.println(
                        "height "
                            + b.height()
                            + "  hash "
                            + HEX.formatHex(b.hash().toByteArray(), 0, 8)
                            + "  txs "
                            + (block.getBody().getTransactionsCount() - 1)
                            + "  round "
                            + b.certificate().getRound()
                            + "  signatures "
                            + b.certificate().getSignaturesCount()
                            + "  reward "
                            + Units.format(paid)
                            + " TIME  (certificate verified)");
                  }
                  out.flush();
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

  @Command(
      name = "block",
      description = "Show a finalized block: its header, transactions and certificate.")
  static final class BlockCommand extends Base {
    @Parameters(paramLabel = "HEIGHT|HASH", description = "A height, or a block hash in hex.")
    String which;

    @Override
    void run(TimeClient client) {
      GetBlockResponse r;
      if (which.matches("[0-9a-fA-F]{64}")) {
        r = client.blockByHash(ByteString.copyFrom(HEX.parseHex(which)));
      } else if (which.matches("\\d{1,19}")) {
        r = client.block(Long.parseLong(which));
      } else {
        throw new CliCommand.UserError(
            "'" + which + "' is neither a height nor a 64-hex-digit block hash");
      }
      BlockHeader h = r.getBlock().getHeader();
      if (json) {
        List<Json> txs = new ArrayList<>();
        for (Transaction tx : r.getBlock().getBody().getTransactionsList()) {
          txs.add(
              Json.object()
                  .put("txid", hex(Hashes.transaction(tx)))
                  .put("kind", kind(tx))
                  .put("inputs", tx.getInputsCount())
                  .put("outputs", tx.getOutputsCount())
                  .put(
                      "amount_units",
                      tx.getOutputsList().stream().mapToLong(TxOutput::getAmount).sum()));
        }
        List<String> signers =
            r.getCertificate().getSignaturesList().stream()
                .map(s -> hex(s.getValidator()))
                .toList();
        out.println(
            Json.object()
                .put("height", h.getHeight())
                .put("hash", hex(Hashes.block(h)))
                .put("prev_hash", hex(h.getPrevHash()))
                .put("timestamp_ms", h.getTimestampMs())
                .put("proposer", hex(h.getProposer()))
                .put("transactions", txs)
                .put(
                    "certificate",
                    r.hasCertificate()
                        ? Json.object()
                            .put("round", r.getCertificate().getRound())
                            .put("signers", signers)
                        : null));
        return;
      }
      out.println("height      " + h.getHeight());
      out.println("hash        " + hex(Hashes.block(h)));
      out.println("prev_hash   " + hex(h.getPrevHash()));
      out.println("timestamp   " + java.time.Instant.ofEpochMilli(h.getTimestampMs()));
      out.println("proposer    " + hex(h.getProposer()));
      out.println("transactions " + r.getBlock().getBody().getTransactionsCount());
      for (Transaction tx : r.getBlock().getBody().getTransactionsList()) {
        long total = tx.getOutputsList().stream().mapToLong(TxOutput::getAmount).sum();
        out.println(
            "  "
                + hex(Hashes.transaction(tx))
                + "  "
                + kind(tx).toUpperCase()
                + "  "
                + tx.getInputsCount()
                + " in, "
                + tx.getOutputsCount()
                + " out, "
                + Units.format(total)
                + " TIME");
      }
      if (r.hasCertificate()) {
        out.println(
            "certificate round "
                + r.getCertificate().getRound()
                + ", "
                + r.getCertificate().getSignaturesCount()
                + " signatures (more than 2/3 of the weight makes a block final; a late signer is not waited for):");
        for (CertificateSignature s : r.getCertificate().getSignaturesList()) {
          out.println("  " + hex(s.getValidator()));
        }
      }
    }
  }

  @Command(
      name = "tx",
      description = "Show a transaction: pending or final, its block, inputs and outputs.")
  static final class TxCommand extends Base {
    @Parameters(
        paramLabel = "TXID",
        description = "The transaction id, 64 hex digits (as send prints it).")
    String txid;

    @Override
    void run(TimeClient client) {
      if (!txid.matches("[0-9a-fA-F]{64}")) {
        throw new CliCommand.UserError("'" + txid + "' is not a transaction id (64 hex digits)");
      }
      String chain = client.chainId();
      GetTransactionResponse r = client.transaction(ByteString.copyFrom(HEX.parseHex(txid)));
      Transaction tx = r.getTransaction();
      String status =
          switch (r.getStatus()) {
            case TRANSACTION_STATUS_FINALIZED -> "final";
            case TRANSACTION_STATUS_PENDING -> "pending";
            default -> "unknown";
          };
      if (json) {
        List<Json> inputs = new ArrayList<>();
        for (TxInput in : tx.getInputsList()) {
          inputs.add(
              Json.object()
                  .put("txid", hex(in.getOutpoint().getTxid()))
                  .put("index", in.getOutpoint().getIndex()));
        }
        List<Json> outputs = new ArrayList<>();
        for (TxOutput o : tx.getOutputsList()) {
          outputs.add(
              Json.object()
                  .put("address", address(o.getAddress(), chain))
                  .put("amount_units", o.getAmount()));
        }
        out.println(
            Json.object()
                .put("txid", txid.toLowerCase())
                .put("status", status)
                .put("kind", kind(tx))
                .put(
                    "block_height",
                    r.getStatus()
                            == io.timecoin.proto.v1.TransactionStatus.TRANSACTION_STATUS_FINALIZED
                        ? r.getBlockHeight()
                        : null)
                .put("index", r.getIndex())
                .put("inputs", inputs)
                .put("outputs", outputs));
        return;
      }
      out.println("txid    " + txid.toLowerCase());
      out.println(
          "status  "
              + status
              + (r.getStatus()
                      == io.timecoin.proto.v1.TransactionStatus.TRANSACTION_STATUS_FINALIZED
                  ? " at height " + r.getBlockHeight() + " (index " + r.getIndex() + ")"
                  : ""));
      out.println("kind    " + kind(tx));
      out.println("inputs  " + tx.getInputsCount());
      for (TxInput in : tx.getInputsList()) {
        out.println("  " + hex(in.getOutpoint().getTxid()) + ":" + in.getOutpoint().getIndex());
      }
      out.println("outputs " + tx.getOutputsCount());
      for (TxOutput o : tx.getOutputsList()) {
        out.println(
            "  " + address(o.getAddress(), chain) + "  " + Units.format(o.getAmount()) + " TIME");
      }
    }
  }

  @Command(name = "balance", description = "Show an address's finalized balance.")
  static final class BalanceCommand extends Base {
    @Parameters(paramLabel = "ADDRESS", description = "A bech32m address (timet1... on a devnet).")
    String address;

    @Override
    void run(TimeClient client) {
      String chain = client.chainId();
      try {
        Address.parse(address, chain);
      } catch (IllegalArgumentException e) {
        throw new CliCommand.UserError(e.getMessage());
      }
      GetBalanceResponse b = client.balance(address);
      if (json) {
        out.println(
            Json.object()
                .put("address", address)
                .put("balance_units", b.getBalance())
                .put("unspent", b.getUnspentCount())
                .put("height", b.getHeight()));
      } else {
        out.println(
            Units.format(b.getBalance())
                + " TIME in "
                + b.getUnspentCount()
                + " outputs, at height "
                + b.getHeight());
      }
    }
  }

  /** What send and faucet share: pay an amount from a key file, then wait until it is final. */
  abstract static class Transfer extends Base {
    @Option(
        names = "--to",
        required = true,
        paramLabel = "ADDRESS",
        description = "The recipient's bech32m address.")
    String to;

    @Option(
        names = "--amount",
        required = true,
        paramLabel = "TIME",
        description = "How much, in TIME (up to 8 decimals).")
    String amount;

    @Option(
        names = "--fee",
        paramLabel = "UNITS",
        description =
            "The fee in base units (default: 10 units a byte of the transaction's estimated size, at least 1,000).")
    Long fee;

    @Option(names = "--no-wait", description = "Return once the node accepted the transfer.")
    boolean noWait;

    /** The paying key file. */
    abstract Path keyFile();

    @Override
    void run(TimeClient client) throws Exception {
      long units = parseTime(amount);
      if (units < TransferFee.MIN_OUTPUT) {
        throw new CliCommand.UserError(
            "--amount "
                + amount
                + " is below the least output, "
                + Units.format(TransferFee.MIN_OUTPUT)
                + " TIME ("
                + TransferFee.MIN_OUTPUT
                + " units)");
      }
      Path from = keyFile();
      Wallet wallet;
      try {
        wallet = Wallet.fromKeyFile(from);
      } catch (java.nio.file.NoSuchFileException e) {
        throw new CliCommand.UserError(from + ": no such key file");
      } catch (java.io.IOException | RuntimeException e) {
        throw new CliCommand.UserError(from + ": not a key file (" + e.getMessage() + ")");
      }
      String chain = client.chainId();
      try {
        Address.parse(to, chain);
      } catch (IllegalArgumentException e) {
        throw new CliCommand.UserError("--to: " + e.getMessage());
      }
      long paid =
          fee != null
              ? fee
              : TransferFee.forPayment(client.listUnspent(wallet.address(chain)), units);
      long started = System.currentTimeMillis();
      ByteString txid;
      try {
        txid = wallet.transfer(client, to, units, paid);
      } catch (io.timecoin.sdk.InsufficientFundsException | IllegalArgumentException e) {
        throw new CliCommand.UserError(e.getMessage());
      }
      Long height = noWait ? null : Wallet.awaitFinal(client, txid, Duration.ofSeconds(60));
      long ms = System.currentTimeMillis() - started;
      if (json) {
        out.println(
            Json.object()
                .put("txid", hex(txid))
                .put("from", wallet.address(chain))
                .put("to", to)
                .put("amount_units", units)
                .put("fee_units", paid)
                .put("final_height", height)
                .put("ms", height == null ? null : ms));
        return;
      }
      out.println(
          "sent "
              + Units.format(units)
              + " TIME from "
              + wallet.address(chain)
              + " to "
              + to
              + " (fee "
              + paid
              + " units)");
      out.println("txid " + hex(txid));
      if (height != null) {
        out.println("final at height " + height + " after " + ms + " ms");
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
        throw new CliCommand.UserError(
            "--amount '" + text + "' is not a positive amount of TIME with at most 8 decimals");
      }
    }
  }

  @Command(
      name = "send",
      description = "Send TIME from a key file's address, and wait until the transfer is final.")
  static final class SendCommand extends Transfer {
    @Option(
        names = "--from",
        required = true,
        paramLabel = "KEYFILE",
        description = "The sender's key (devnet/faucet.key on a devnet).")
    Path from;

    @Override
    Path keyFile() {
      return from;
    }
  }

  @Command(
      name = "faucet",
      description =
          "Pay TIME from a devnet's faucet (DIR/faucet.key, funded in its genesis) and wait until final.")
  static final class FaucetCommand extends Transfer {
    @Option(
        names = "--home",
        paramLabel = "DIR",
        defaultValue = "devnet",
        description = "The devnet's home, whose faucet.key pays (default ./${DEFAULT-VALUE}).")
    Path home;

    @Override
    Path keyFile() {
      Path key = home.resolve("faucet.key");
      if (!Files.isRegularFile(key)) {
        throw new CliCommand.UserError(
            home
                + " has no faucet.key: give the devnet's home with --home DIR (timed devnet or"
                + " timed init made it)");
      }
      return key;
    }
  }

  @Command(
      name = "masternodes",
      description = "List the registered masternodes (the registry of the next height).")
  static final class MasternodesCommand extends Base {
    @Option(names = "--all", description = "Also those no longer registered.")
    boolean all;

    @Override
    void run(TimeClient client) {
      List<Masternode> shown =
          client.masternodes().stream().filter(m -> all || m.getActive()).toList();
      if (json) {
        String chain = client.chainId();
        for (Masternode m : shown) {
          out.println(
              Json.object()
                  .put("consensus_key", hex(m.getConsensusKey()))
                  .put(
                      "tier",
                      m.getTier().name().substring("MASTERNODE_TIER_".length()).toLowerCase())
                  .put("weight", m.getWeight())
                  .put("active", m.getActive())
                  .put("collateral_units", m.getCollateralAmount())
                  .put("owner", address(m.getOwnerAddress(), chain))
                  .put("reward_address", address(m.getRewardAddress(), chain))
                  .put("registered_height", m.getRegisteredHeight())
                  .put("last_signed_height", m.getLastSignedHeight())
                  .put("missed_of_last_64", m.getMissedBlocks()));
        }
        return;
      }
      out.println(
          String.format(
              "%-16s  %-6s  %12s  %-8s  %11s  %s",
              "consensus key", "tier", "weight", "active", "last signed", "missed of last 64"));
      for (Masternode m : shown) {
        out.println(
            String.format(
                "%-16s  %-6s  %12d  %-8s  %11d  %d",
                HEX.formatHex(m.getConsensusKey().toByteArray(), 0, 8),
                m.getTier().name().substring("MASTERNODE_TIER_".length()).toLowerCase(),
                m.getWeight(),
                m.getActive(),
                m.getLastSignedHeight(),
                m.getMissedBlocks()));
      }
      // A block is final with more than 2/3 of the weight; the quorum does not wait for the rest,
      // so a
      // healthy validator misses some certificates (it signed, but late).
      out.println(
          "(missed: certificates without this validator's signature; a block is final with more than 2/3 of the"
              + " weight, so a healthy validator that signs late misses some)");
    }
  }
}
