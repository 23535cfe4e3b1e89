package io.timecoin.sdk;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.crypto.KeyFile;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.GetTransactionResponse;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionStatus;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.UnspentOutput;
import io.timecoin.protocol.Fees;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One Ed25519 key and the coins of its address: pays from them with TRANSFER transactions.
 *
 * <p>The wallet keeps no state besides its key: each payment reads the address's finalized unspent
 * outputs from the node. Two payments in a row, before the first is final, may therefore pick the
 * same outputs; the node refuses the second (MEMPOOL_CONFLICT). Wait for the first with {@link
 * #awaitFinal} before the next.
 */
public final class Wallet {
  /** How often {@link #awaitFinal} asks the node. */
  static final Duration POLL = Duration.ofMillis(250);

  private final Ed25519KeyPair key;
  private final Fees fees;

  private Wallet(Ed25519KeyPair key) {
    this(key, Fees.DEFAULTS);
  }

  private Wallet(Ed25519KeyPair key, Fees fees) {
    this.key = key;
    this.fees = fees;
  }

  /** A wallet with a new random key. Save it with {@link KeyFile#write} to keep the coins. */
  public static Wallet generate() {
    return new Wallet(Ed25519KeyPair.generate());
  }

  /** The wallet of a key file (mode 0600, as {@code timed keygen} writes them). */
  public static Wallet fromKeyFile(Path path) throws IOException {
    return new Wallet(KeyFile.read(path));
  }

  /** The wallet of this key. */
  public static Wallet of(Ed25519KeyPair key) {
    return new Wallet(Objects.requireNonNull(key, "key"));
  }

  public Ed25519KeyPair keyPair() {
    return key;
  }

  public Ed25519PublicKey publicKey() {
    return key.publicKey();
  }

  /** The address: the first 20 bytes of SHA-256 of the public key. */
  public Address address() {
    return Address.of(key.publicKey());
  }

  /** The bech32m address on {@code chainId} ("time1..." on mainnet, "timet1..." elsewhere). */
  public String address(String chainId) {
    return address().toBech32m(chainId);
  }

  /**
   * Pays {@code amountUnits} to {@code toAddress} with the least fee the chain's rule requires
   * ({@link #fees()}, docs/protocol.md 4.3). See {@link #transfer(TimeClient, String, long, long)}.
   */
  public ByteString transfer(TimeClient client, String toAddress, long amountUnits) {
    return transfer(client, toAddress, amountUnits, 0);
  }

  /**
   * Pays {@code amountUnits} to {@code toAddress} with a fee of {@code feeUnits}, or more when the
   * chain's rule requires more of this transaction ({@link #fees()}: a floor, a price per byte of
   * its TX and TXW bytes): selects the wallet's largest finalized unspent outputs until they cover
   * amount plus fee, sends the rest back to the wallet as change (unless the change would be dust,
   * then it goes to the fee), signs every input, and submits.
   *
   * @return the transaction id (32 bytes)
   * @throws InsufficientFundsException when the finalized balance is below amount plus fee
   * @throws IllegalArgumentException for an amount that is not positive or is dust, a negative fee,
   *     or an address that is not of the node's chain
   * @throws TimeException when the node refuses (FEE_TOO_LOW, MEMPOOL_CONFLICT, ...) or fails
   */
  public ByteString transfer(TimeClient client, String toAddress, long amountUnits, long feeUnits) {
    if (amountUnits <= 0) {
      throw new IllegalArgumentException("the amount must be positive, got " + amountUnits);
    }
    if (fees.dust(amountUnits)) {
      throw new IllegalArgumentException(
          "the amount " + amountUnits + " is dust: the least output is " + fees.minOutput());
    }
    if (feeUnits < 0) {
      throw new IllegalArgumentException("the fee must not be negative, got " + feeUnits);
    }
    String chainId = client.chainId();
    Address to = Address.parse(toAddress, chainId); // before any call: a typo costs nothing
    String from = address(chainId);

    // Largest first: the fewest inputs, so the smallest transaction and fee. Ties by outpoint so
    // the same coins give the same transaction.
    List<UnspentOutput> coins = new ArrayList<>(client.listUnspent(from));
    coins.sort(
        Comparator.comparing((UnspentOutput u) -> u.getOutput().getAmount(), Long::compareUnsigned)
            .reversed()
            .thenComparing(
                u -> u.getOutpoint().getTxid(), ByteString.unsignedLexicographicalComparator())
            .thenComparingInt(u -> u.getOutpoint().getIndex()));
    List<OutPoint> inputs = new ArrayList<>();
    long selected = 0;
    List<TxOutput> outputs = new ArrayList<>(List.of(Transactions.output(amountUnits, to)));
    while (true) {
      long withoutChange =
          Units.addExact(amountUnits, fee(inputs, to, amountUnits, false, feeUnits));
      if (!inputs.isEmpty() && Long.compareUnsigned(selected, withoutChange) >= 0) {
        long withChange = Units.addExact(amountUnits, fee(inputs, to, amountUnits, true, feeUnits));
        // A change output only when it is legal: not zero (ZERO_OUTPUT), not dust (DUST). Otherwise
        // the rest (less than min_output plus the change output's price) goes to the fee.
        if (Long.compareUnsigned(selected, withChange) >= 0
            && selected != withChange
            && !fees.dust(selected - withChange)) {
          outputs.add(Transactions.output(selected - withChange, address()));
        }
        break;
      }
      if (inputs.size() == coins.size()) {
        throw new InsufficientFundsException(from, selected, withoutChange);
      }
      UnspentOutput coin = coins.get(inputs.size());
      inputs.add(coin.getOutpoint());
      selected = Units.addExact(selected, coin.getOutput().getAmount());
    }
    Transaction tx =
        Transactions.sign(
            Transactions.transfer(inputs, outputs),
            chainId,
            Collections.nCopies(inputs.size(), key),
            List.of());
    ByteString txid = Hashes.transaction(tx);
    ByteString reported = client.submit(tx);
    if (!reported.isEmpty() && !reported.equals(txid)) {
      // The node hashes the transaction differently: its canonical bytes and ours disagree.
      throw new TimeException(
          Status.Code.INTERNAL,
          ErrorReason.ERROR_REASON_UNSPECIFIED,
          "the node accepted the transaction under id " + hex(reported) + ", not " + hex(txid));
    }
    return txid;
  }

  /**
   * The fee of a transfer of these inputs, with or without a change output: at least {@code
   * atLeast}.
   */
  private long fee(List<OutPoint> inputs, Address to, long amount, boolean change, long atLeast) {
    List<TxOutput> outputs = new ArrayList<>(List.of(Transactions.output(amount, to)));
    if (change) {
      outputs.add(Transactions.output(1, address())); // the amount does not change the size
    }
    long required = fees.required(Transactions.transfer(inputs, outputs).build());
    return Long.compareUnsigned(required, atLeast) >= 0 ? required : atLeast;
  }

  /** The fee rule this wallet pays by: the defaults unless {@link #withFees} gave the chain's. */
  public Fees fees() {
    return fees;
  }

  /** The same key, paying by {@code fees} (the chain's genesis parameters: {@link Fees#of}). */
  public Wallet withFees(Fees fees) {
    return new Wallet(key, Objects.requireNonNull(fees, "fees"));
  }

  /**
   * Waits until the transaction is in a finalized block, asking the node every 250 ms. A
   * transaction the node does not know (yet), or a node unreachable for a moment, is waited for
   * too, until the timeout.
   *
   * @return the height of its block
   * @throws TimeException DEADLINE_EXCEEDED when it is not final within {@code timeout}, or the
   *     node's failure
   */
  public static long awaitFinal(TimeClient client, ByteString txid, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    GetTransactionResponse last = null;
    while (true) {
      try {
        last = client.transaction(txid);
        if (last.getStatus() == TransactionStatus.TRANSACTION_STATUS_FINALIZED) {
          return last.getBlockHeight();
        }
      } catch (TimeException e) {
        if (e.code() != Status.Code.NOT_FOUND && e.code() != Status.Code.UNAVAILABLE) {
          throw e;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new TimeException(
            Status.Code.DEADLINE_EXCEEDED,
            ErrorReason.ERROR_REASON_UNSPECIFIED,
            "transaction "
                + hex(txid)
                + " is not final after "
                + timeout
                + " ("
                + (last == null ? "unknown to the node" : last.getStatus())
                + ")");
      }
      Thread.sleep(Math.min(POLL.toMillis(), Math.max(1, left / 1_000_000)));
    }
  }

  private static String hex(ByteString b) {
    return HexFormat.of().formatHex(b.toByteArray());
  }

  @Override
  public String toString() {
    return "Wallet(" + key.publicKey().toHex() + ")"; // never the seed
  }
}
