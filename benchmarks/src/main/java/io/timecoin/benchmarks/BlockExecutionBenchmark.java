package io.timecoin.benchmarks;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.consensus.types.BlockTemplate;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.ledger.BlockExecution;
import io.timecoin.ledger.BlockExecutor;
import io.timecoin.ledger.LedgerParams;
import io.timecoin.ledger.LedgerState;
import io.timecoin.ledger.MasternodeRecord;
import io.timecoin.ledger.Registry;
import io.timecoin.ledger.TransactionRules;
import io.timecoin.ledger.UtxoView;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Validator;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.FinalityCertificates;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Blocks per second through {@link BlockExecutor#execute}, judging a received block of {@code txs}
 * 2-input, 2-output transfers plus its REWARD on one thread: once verifying every signature (a
 * block whose transactions this node never saw), once with every transaction's signatures taken as
 * checked (all of them admitted to its mempool already).
 *
 * <p>Height 2 over a parent state of height 1: an in-memory UTXO set (a HashMap) holding the
 * transfers' inputs and the collaterals of 4 masternodes (real Ed25519 consensus keys, equal
 * weights), set(1) = set(2) = those 4. The block is built as a proposer builds it ({@code apply}
 * each transfer, then {@code assemble}), with the proposer one of the 4 and a last certificate for
 * block 1 signed (for real, over the precommit's VOTE bytes) by 3 of them; executing it changes no
 * state, so the same block is judged again each time.
 *
 * <p>The primary score is blocks/s; the secondary {@code transfers} score is the same rate counted
 * in transfers (blocks/s x txs). Run: {@code java -jar benchmarks/target/benchmarks.jar
 * BlockExecutionBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class BlockExecutionBenchmark {
  private static final String CHAIN = "timecoin-bench";
  private static final int MASTERNODES = 4;
  private static final int OWNERS = 256;
  private static final long INPUT_AMOUNT = 10 * Units.UNITS_PER_TIME;
  private static final long FEE = 10_000;
  private static final LedgerParams PARAMS =
      new LedgerParams(
          CHAIN, 1_000, 10, 10_000, 100_000_000, 64 << 10, 10_000, 4 << 20, 100); // the v2 defaults

  /** Transfers per block (the REWARD comes on top). */
  @Param({"100", "1000"})
  int txs;

  /** The transfers executed, reported by JMH as a rate beside blocks/s. */
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  @State(Scope.Thread)
  public static class Transfers {
    public long transfers;

    @Setup(Level.Iteration)
    public void reset() {
      transfers = 0;
    }
  }

  private LedgerState parent;
  private Block block;
  private ByteString blockHash;

  @Setup
  public void setUp()
      throws BlockExecutor.UnpayableException, FinalityCertificates.InvalidCertificateException {
    List<Ed25519KeyPair> owners = new ArrayList<>();
    for (int i = 0; i < OWNERS; i++) {
      owners.add(Ed25519KeyPair.fromSeed(Sha256.hash(new byte[] {(byte) i, 2})));
    }
    Map<OutPoint, TxOutput> outputs = new HashMap<>();
    ByteString funding = ByteString.copyFrom(Sha256.hash(new byte[] {7}));

    // 4 masternodes backed by outputs of the funding transaction; set(1) = set(2) = all of them
    List<Ed25519KeyPair> nodes = new ArrayList<>();
    List<MasternodeRecord> records = new ArrayList<>();
    List<Validator> validators = new ArrayList<>();
    for (int i = 0; i < MASTERNODES; i++) {
      Ed25519KeyPair node = Ed25519KeyPair.fromSeed(Sha256.hash(new byte[] {(byte) i, 3}));
      nodes.add(node);
      ByteString key = ByteString.copyFrom(node.publicKey().bytes());
      ByteString owner = ByteString.copyFrom(Address.of(owners.get(i).publicKey()).bytes());
      OutPoint collateral = outPoint(funding, 2 * txs + i);
      outputs.put(
          collateral,
          TxOutput.newBuilder()
              .setAmount(MasternodeRecord.MIN_COLLATERAL)
              .setAddress(owner)
              .build());
      MasternodeRecord record =
          new MasternodeRecord(
              key, collateral, MasternodeRecord.MIN_COLLATERAL, owner, owner, 0, true, 0, 0);
      records.add(record);
      validators.add(Validator.newBuilder().setKey(key).setWeight(record.weight()).build());
    }
    Registry registry = Registry.of(records);
    ValidatorSet set1 = ValidatorSet.of(1, validators);
    ValidatorSet set2 = ValidatorSet.of(2, validators);

    // the transfers, each spending two outputs of the parent state
    List<Transaction> transfers = new ArrayList<>();
    for (int t = 0; t < txs; t++) {
      Ed25519KeyPair a = owners.get((2 * t) % OWNERS);
      Ed25519KeyPair b = owners.get((2 * t + 1) % OWNERS);
      OutPoint inA = outPoint(funding, 2 * t);
      OutPoint inB = outPoint(funding, 2 * t + 1);
      outputs.put(inA, Transactions.output(INPUT_AMOUNT, Address.of(a.publicKey())));
      outputs.put(inB, Transactions.output(INPUT_AMOUNT, Address.of(b.publicKey())));
      long half = (2 * INPUT_AMOUNT - FEE) / 2;
      transfers.add(
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
              List.of()));
    }
    UtxoView utxos =
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
    ByteString block1 = ByteString.copyFrom(Sha256.hash(new byte[] {1}));
    parent = new LedgerState(1, block1, utxos, registry, set1, set2);

    // block 1's certificate: precommits of 3 of the 4 members, really signed
    List<Vote> precommits = new ArrayList<>();
    for (Ed25519KeyPair node : nodes.subList(0, 3)) {
      Vote unsigned =
          Vote.newBuilder()
              .setChainId(CHAIN)
              .setType(VoteType.VOTE_TYPE_PRECOMMIT)
              .setHeight(1)
              .setRound(0)
              .setBlockHash(block1)
              .setValidator(ByteString.copyFrom(node.publicKey().bytes()))
              .build();
      precommits.add(
          unsigned.toBuilder()
              .setSignature(ByteString.copyFrom(node.sign(CanonicalBytes.vote(unsigned))))
              .build());
    }
    FinalityCertificate lastCertificate = FinalityCertificates.build(1, 0, block1, precommits);
    FinalityCertificates.verify(lastCertificate, CHAIN, set1);

    // the proposer's flow: apply each transfer, then assemble the block around its REWARD
    BlockExecutor proposer = new BlockExecutor(parent, PARAMS, SignatureVerifier.ED25519);
    for (Transaction tx : transfers) {
      TransactionRules.Verdict v = proposer.apply(tx, false);
      if (!v.valid()) {
        throw new IllegalStateException("benchmark transaction refused: " + v);
      }
    }
    BlockExecution built =
        proposer.assemble(
            new BlockTemplate(
                CHAIN,
                2,
                1_700_000_000_000L,
                block1,
                lastCertificate,
                set2.hash(),
                ByteString.copyFrom(nodes.get(3).publicKey().bytes())));
    block = built.block();
    blockHash = built.blockHash();
    for (boolean checked : new boolean[] {false, true}) {
      BlockExecutor.Outcome outcome =
          BlockExecutor.execute(
              block, blockHash, parent, PARAMS, SignatureVerifier.ED25519, (id, tx) -> checked);
      if (!outcome.valid() || outcome.execution().fees() != FEE * txs) {
        throw new IllegalStateException("benchmark block refused: " + outcome.detail());
      }
    }
  }

  private static OutPoint outPoint(ByteString txid, int index) {
    return OutPoint.newBuilder().setTxid(txid).setIndex(index).build();
  }

  /** A block none of whose transactions this node has seen: every signature verified. */
  @Benchmark
  public BlockExecutor.Outcome executeVerifyingSignatures(Transfers counter) {
    counter.transfers += txs;
    return BlockExecutor.execute(
        block, blockHash, parent, PARAMS, SignatureVerifier.ED25519, (id, tx) -> false);
  }

  /** A block of transactions all admitted to this node's mempool: no signature verified. */
  @Benchmark
  public BlockExecutor.Outcome executeSignaturesAlreadyChecked(Transfers counter) {
    counter.transfers += txs;
    return BlockExecutor.execute(
        block, blockHash, parent, PARAMS, SignatureVerifier.ED25519, (id, tx) -> true);
  }
}
