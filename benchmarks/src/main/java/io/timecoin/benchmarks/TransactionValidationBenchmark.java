package io.timecoin.benchmarks;

import com.google.protobuf.ByteString;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.ledger.LedgerParams;
import io.timecoin.ledger.MasternodeRecord;
import io.timecoin.ledger.Registry;
import io.timecoin.ledger.TransactionRules;
import io.timecoin.ledger.UtxoView;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Transactions per second through {@link TransactionRules} for a 2-input, 2-output TRANSFER, on one
 * thread: the full check with both signatures verified (mempool admission), the same check with the
 * signatures taken as verified (what a block pays for a transaction its mempool already admitted),
 * and the stateless signature check alone (what runs off the consensus thread).
 *
 * <p>4,096 distinct transactions, signed in setup by 256 owner keys, are checked in turn against an
 * in-memory UTXO set (a HashMap) of their 8,192 inputs and a registry of 4 masternodes; checking
 * changes no state, so each one stays valid. Run: {@code java -jar benchmarks/target/benchmarks.jar
 * TransactionValidationBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class TransactionValidationBenchmark {
  private static final String CHAIN = "timecoin-bench";
  private static final int TXS = 4_096; // a power of two: the index wraps with a mask
  private static final int OWNERS = 256;
  private static final int MASTERNODES = 4;
  private static final long INPUT_AMOUNT = 10 * Units.UNITS_PER_TIME;
  private static final long FEE = 10_000;
  private static final LedgerParams PARAMS =
      new LedgerParams(
          CHAIN, 1_000, 10, 10_000, 100_000_000, 64 << 10, 10_000, 4 << 20, 100); // the v2 defaults

  private final Map<OutPoint, TxOutput> outputs = new HashMap<>();
  private final UtxoView utxos =
      new UtxoView() {
        @Override
        public TxOutput unspent(OutPoint outpoint) {
          return outputs.get(outpoint);
        }

        @Override
        public boolean created(OutPoint outpoint) {
          return outputs.containsKey(outpoint);
        }
      };
  private Registry registry;
  private Transaction[] txs;
  private int next;

  @Setup
  public void setUp() {
    List<Ed25519KeyPair> owners = new ArrayList<>();
    for (int i = 0; i < OWNERS; i++) {
      owners.add(Ed25519KeyPair.fromSeed(Sha256.hash(new byte[] {(byte) i, 2})));
    }
    // the outputs of one funding transaction: two per benchmarked transfer, then the collaterals
    ByteString funding = ByteString.copyFrom(Sha256.hash(new byte[] {7}));
    List<MasternodeRecord> masternodes = new ArrayList<>();
    for (int i = 0; i < MASTERNODES; i++) {
      Ed25519KeyPair node = Ed25519KeyPair.fromSeed(Sha256.hash(new byte[] {(byte) i, 3}));
      ByteString owner = ByteString.copyFrom(Address.of(owners.get(i).publicKey()).bytes());
      OutPoint collateral = outPoint(funding, 2 * TXS + i);
      outputs.put(
          collateral,
          TxOutput.newBuilder()
              .setAmount(MasternodeRecord.MIN_COLLATERAL)
              .setAddress(owner)
              .build());
      masternodes.add(
          new MasternodeRecord(
              ByteString.copyFrom(node.publicKey().bytes()),
              collateral,
              MasternodeRecord.MIN_COLLATERAL,
              owner,
              owner,
              0,
              true,
              0,
              0));
    }
    registry = Registry.of(masternodes);
    txs = new Transaction[TXS];
    for (int t = 0; t < TXS; t++) {
      Ed25519KeyPair a = owners.get((2 * t) % OWNERS);
      Ed25519KeyPair b = owners.get((2 * t + 1) % OWNERS);
      OutPoint inA = outPoint(funding, 2 * t);
      OutPoint inB = outPoint(funding, 2 * t + 1);
      outputs.put(inA, Transactions.output(INPUT_AMOUNT, Address.of(a.publicKey())));
      outputs.put(inB, Transactions.output(INPUT_AMOUNT, Address.of(b.publicKey())));
      long half = (2 * INPUT_AMOUNT - FEE) / 2;
      txs[t] =
          Transactions.sign(
              Transactions.transfer(
                  List.of(inA, inB),
                  List.of(
                      Transactions.output(
                          half, Address.of(owners.get((t + 7) % OWNERS).publicKey())),
                      Transactions.output(
                          2 * INPUT_AMOUNT - FEE - half, Address.of(b.publicKey())))),
              CHAIN,
              List.of(a, b),
              List.of());
    }
    for (Transaction tx : txs) {
      TransactionRules.Verdict v =
          TransactionRules.check(tx, utxos, registry, PARAMS, SignatureVerifier.ED25519, false);
      if (!v.valid()
          || v.fee() != FEE
          || TransactionRules.verifySignatures(tx, CHAIN, SignatureVerifier.ED25519) != null) {
        throw new IllegalStateException("benchmark transaction refused: " + v);
      }
    }
  }

  private static OutPoint outPoint(ByteString txid, int index) {
    return OutPoint.newBuilder().setTxid(txid).setIndex(index).build();
  }

  private Transaction nextTx() {
    Transaction tx = txs[next];
    next = (next + 1) & (TXS - 1);
    return tx;
  }

  /** Mempool admission: every rule, both signatures verified (strict Ed25519). */
  @Benchmark
  public TransactionRules.Verdict checkWithSignatures() {
    return TransactionRules.check(
        nextTx(), utxos, registry, PARAMS, SignatureVerifier.ED25519, false);
  }

  /**
   * In a block, admitted already: every rule but the signature verification (keys still decoded and
   * matched).
   */
  @Benchmark
  public TransactionRules.Verdict checkSignaturesAlreadyChecked() {
    return TransactionRules.check(
        nextTx(), utxos, registry, PARAMS, SignatureVerifier.ED25519, true);
  }

  /** The stateless part alone: txid, TXSIG bytes, key decoding and both verifications. */
  @Benchmark
  public TransactionRules.Verdict verifySignaturesOnly() {
    return TransactionRules.verifySignatures(nextTx(), CHAIN, SignatureVerifier.ED25519);
  }
}
