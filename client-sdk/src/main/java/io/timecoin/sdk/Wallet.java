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
 * same outputs; the node refuses the second (MEMPOOL_CONFLICT). Wait for the first with
 * {@link #awaitFinal} before the next.
 */
public final class Wallet {
  /** How often {@link #awaitFinal} asks the node. */
  static final Duration POLL = Duration.ofMillis(250);

  private final Ed25519KeyPair key;

  private Wallet(Ed25519KeyPair key) {
    this.key = key;
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
   * Pays {@code amountUnits} to {@code toAddress} with a fee of {@code feeUnits}: selects the
   * wallet's largest finalized unspent outputs until they cover amount plus fee, sends the rest back
   * to the wallet as change, signs every input, and submits.
   *
   * @return the transaction id (32 bytes)
   * @throws InsufficientFundsException when the finalized balance is below amount plus fee
   * @throws IllegalArgumentException for a non-positive amount, a negative fee, or an address that
   *     is not of the node's chain
   * @throws TimeException when the node refuses (FEE_TOO_LOW, MEMPOOL_CONFLICT, ...) or fails
   */
  public ByteString transfer(TimeClient client, String toAddress, long amountUnits, long feeUnits) {
    if (amountUnits <= 0) {
      throw new IllegalArgumentException("the amount must be positive, got " + amountUnits);
    }
    if (feeUnits < 0) {
      throw new IllegalArgumentException("the fee must not be negative, got " + feeUnits);
    }
    String chainId = client.chainId();
    Address to = Address.parse(toAddress, chainId); // before any call: a typo costs nothing
    long required = Units.addExact(amountUnits, feeUnits);
    String from = address(chainId);

    // Largest first: the fewest inputs, so the smallest transaction and fee. Ties by outpoint so
    // the same coins give the same transaction.
    List<UnspentOutput> coins = new ArrayList<>(client.listUnspent(from));
    coins.sort(Comparator.comparing((UnspentOutput u) -> u.getOutput().getAmount(), Long::compareUnsigned).reversed()
        .thenComparing(u -> u.getOutpoint().getTxid(), ByteString.unsignedLexicographicalComparator())
        .thenComparingInt(u -> u.getOutpoint().getIndex()));
    List<OutPoint> inputs = new ArrayList<>();
    long selected = 0;
    for (UnspentOutput coin : coins) {
      if (Long.compareUnsigned(selected, required) >= 0) {
        break;
      }
      inputs.add(coin.getOutpoint());
      selected = Units.addExact(selected, coin.getOutput().getAmount());
    }
    if (Long.compareUnsigned(selected, required) < 0) {
      throw new InsufficientFundsException(from, selected, required);
    }

    List<TxOutput> outputs = new ArrayList<>();
    outputs.add(Transactions.output(amountUnits, to));
    long change = selected - required;
    if (change != 0) { // a zero output is invalid (ZERO_OUTPUT): no change output then
      outputs.add(Transactions.output(change, address()));
    }
    Transaction tx = Transactions.sign(Transactions.transfer(inputs, outputs), chainId,
        Collections.nCopies(inputs.size(), key), List.of());
    ByteString txid = Hashes.transaction(tx);
    ByteString reported = client.submit(tx);
    if (!reported.isEmpty() && !reported.equals(txid)) {
      // The node hashes the transaction differently: its canonical bytes and ours disagree.
      throw new TimeException(Status.Code.INTERNAL, ErrorReason.ERROR_REASON_UNSPECIFIED,
          "the node accepted the transaction under id " + hex(reported) + ", not " + hex(txid));
    }
    return txid;
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
  public static long awaitFinal(TimeClient client, ByteString txid, Duration timeout) throws InterruptedException {
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
        throw new TimeException(Status.Code.DEADLINE_EXCEEDED, ErrorReason.ERROR_REASON_UNSPECIFIED,
            "transaction " + hex(txid) + " is not final after " + timeout + " ("
                + (last == null ? "unknown to the node" : last.getStatus()) + ")");
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
