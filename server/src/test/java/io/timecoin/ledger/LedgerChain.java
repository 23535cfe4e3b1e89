package io.timecoin.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.types.BlockTemplate;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.node.config.Genesis;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.RewardPayload;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.ProtocolVersion;
import io.timecoin.protocol.Subsidy;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.ValidatorSet;
import io.timecoin.storage.ChainStore;
import io.timecoin.storage.StorageException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * One node's ledger over its own RocksDB store, driven as {@code Node} drives it: block 0 stored
 * with {@link Ledger#genesisChanges}, then per height a template from "consensus" (a proposer of
 * the set, the certificate of the last block), {@link Ledger#propose} or {@link Ledger#validate},
 * {@link Ledger#execution}, {@link ChainStore#putFinalized}, {@link Ledger#stored}.
 *
 * <p>Also the test's own, independent arithmetic of docs/protocol.md 4.4 (what a REWARD must pay),
 * so a test can hand-build blocks the mempool would never produce (a double spend, too many
 * transactions) that are valid in every other respect.
 */
final class LedgerChain implements AutoCloseable {
  static final String CHAIN_ID = "timecoin-ledgertest";
  static final long GENESIS_TIME_MS = 1_700_000_000_000L;
  static final long TIME = 100_000_000L;
  static final Comparator<ByteString> KEY_ORDER = ByteString.unsignedLexicographicalComparator();

  final Genesis genesis;
  final Block genesisBlock;
  final LedgerParams params;
  final Path dir;
  ChainStore store;
  Ledger ledger;

  /** The certificate of the tip (null at height 0): what the next block carries. */
  FinalityCertificate lastCertificate;

  private LedgerChain(Genesis genesis, LedgerParams params, Path dir) {
    this.genesis = genesis;
    this.genesisBlock = genesis.block();
    this.params = params;
    this.dir = dir;
  }

  static LedgerChain open(Path dir, Genesis genesis) throws StorageException {
    return open(dir, genesis, genesis.ledgerParams());
  }

  /** Opens (or reopens) the store in {@code dir} and builds a ledger on its tip, as Node does. */
  static LedgerChain open(Path dir, Genesis genesis, LedgerParams params) throws StorageException {
    LedgerChain c = new LedgerChain(genesis, params, dir);
    c.load();
    return c;
  }

  private void load() throws StorageException {
    store = ChainStore.open(dir);
    store.putGenesis(
        genesisBlock,
        Ledger.genesisChanges(genesisBlock, genesis.masternodeRecords(), genesis.maxValidators()));
    long tip = store.tipHeight();
    ByteString tipHash = Hashes.block(store.blockAt(tip).orElseThrow().getHeader());
    ledger =
        new Ledger(
            params,
            store,
            tip,
            tipHash,
            new Mempool(100_000, 256L << 20),
            SignatureVerifier.ED25519);
    lastCertificate = tip == 0 ? null : store.certificateAt(tip).orElseThrow();
  }

  /**
   * Closes the store and opens it again with a new Ledger (and an empty mempool), as a restarted
   * node.
   */
  void reopen() throws StorageException {
    store.close();
    load();
  }

  @Override
  public void close() {
    store.close();
  }

  long height() {
    return ledger.state().height();
  }

  ByteString tipHash() {
    return ledger.state().blockHash();
  }

  /** The validator set of the next height. */
  ValidatorSet nextSet() {
    return ledger.validatorSetAt(height() + 1);
  }

  /** What consensus hands the proposer of the next height. */
  BlockTemplate template(ByteString proposer) {
    long h = height() + 1;
    return new BlockTemplate(
        params.chainId(),
        h,
        GENESIS_TIME_MS + h * 1_000,
        tipHash(),
        lastCertificate,
        ledger.validatorSetAt(h).hash(),
        proposer);
  }

  Block propose(ByteString proposer) {
    return ledger.propose(template(proposer));
  }

  /** A random member of the next height's set. */
  ByteString randomProposer(Random random) {
    List<ValidatorSet.Member> members = nextSet().members();
    return members.get(random.nextInt(members.size())).keyBytes();
  }

  /** Finalizes the next block with a random quorum of its set; returns its execution. */
  BlockExecution finalize(Block block, Random random) throws StorageException {
    ValidatorSet set = ledger.validatorSetAt(block.getHeader().getHeight());
    return finalize(
        block,
        certificate(block.getHeader().getHeight(), Hashes.block(block.getHeader()), set, random));
  }

  /**
   * The host's part once the block is final: execute, store with its certificate, hand the ledger
   * the result.
   */
  BlockExecution finalize(Block block, FinalityCertificate certificate) throws StorageException {
    BlockExecution exec = ledger.execution(block);
    store.putFinalized(block, certificate, exec.changes());
    ledger.stored(exec);
    lastCertificate = certificate;
    assertEquals(block.getHeader().getHeight(), height());
    assertEquals(exec.blockHash(), tipHash());
    return exec;
  }

  /**
   * A certificate of (h, blockHash) for {@code set}: a random subset of its members holding
   * strictly more than two thirds of its weight (docs/protocol.md 4.2), sorted by key. The ledger
   * does not check signatures (consensus does), so they are random bytes.
   */
  static FinalityCertificate certificate(
      long h, ByteString blockHash, ValidatorSet set, Random random) {
    List<ValidatorSet.Member> members = new ArrayList<>(set.members());
    Collections.shuffle(members, random);
    List<ValidatorSet.Member> signers = new ArrayList<>();
    long signed = 0;
    for (ValidatorSet.Member m : members) {
      if (!set.isQuorum(signed) || random.nextInt(3) == 0) {
        signers.add(m);
        signed += m.weight();
      }
    }
    assertTrue(set.isQuorum(signed));
    signers.sort(Comparator.comparing(ValidatorSet.Member::keyBytes, KEY_ORDER));
    FinalityCertificate.Builder cert =
        FinalityCertificate.newBuilder()
            .setHeight(h)
            .setRound(random.nextInt(3))
            .setBlockHash(blockHash);
    for (ValidatorSet.Member m : signers) {
      byte[] sig = new byte[64];
      random.nextBytes(sig);
      cert.addSignatures(
          CertificateSignature.newBuilder()
              .setValidator(m.keyBytes())
              .setSignature(ByteString.copyFrom(sig)));
    }
    return cert.build();
  }

  /** A certificate of (h, blockHash) signed by every member of {@code set}. */
  static FinalityCertificate certificateOfAll(long h, ByteString blockHash, ValidatorSet set) {
    FinalityCertificate.Builder cert =
        FinalityCertificate.newBuilder().setHeight(h).setBlockHash(blockHash);
    for (ValidatorSet.Member m : set.members()) { // already in key order
      cert.addSignatures(
          CertificateSignature.newBuilder()
              .setValidator(m.keyBytes())
              .setSignature(ByteString.copyFrom(new byte[64])));
    }
    return cert.build();
  }

  /** Finalizes the next block with a certificate of its whole set. */
  BlockExecution finalizeByAll(Block block) throws StorageException {
    long h = block.getHeader().getHeight();
    return finalize(
        block, certificateOfAll(h, Hashes.block(block.getHeader()), ledger.validatorSetAt(h)));
  }

  /**
   * The same header fields (height, parent, certificate, proposer...) with other transactions: a
   * new tx_root, a new hash.
   */
  static Block reassemble(Block block, List<Transaction> txs) {
    BlockHeader h = block.getHeader();
    BlockTemplate t =
        new BlockTemplate(
            h.getChainId(),
            h.getHeight(),
            h.getTimestampMs(),
            h.getPrevHash(),
            block.getBody().hasLastCertificate() ? block.getBody().getLastCertificate() : null,
            h.getValidatorSetHash(),
            h.getProposer());
    return t.assemble(txs, h.getNextValidatorSetHash());
  }

  /**
   * A block at the next height by {@code proposer} holding {@code txs} after a REWARD the test
   * computes itself for {@code fees}: valid in every respect but those the test breaks on purpose.
   */
  Block handBuilt(ByteString proposer, List<Transaction> txs, long fees) {
    long h = height() + 1;
    Registry registry = ledger.state().registry();
    List<Transaction> all = new ArrayList<>();
    all.add(
        rewardTransaction(
            h,
            expectedReward(
                h, fees, proposer, rewardSigners(h), k -> registry.get(k).rewardAddress())));
    all.addAll(txs);
    return template(proposer).assemble(all, nextSetHash(all));
  }

  /**
   * The hash of the set of the next height after these transactions (REWARD first): the registry as
   * applying the valid ones leaves it, so a hand-built block is refused only for what it breaks.
   */
  private ByteString nextSetHash(List<Transaction> all) {
    BlockExecutor work = new BlockExecutor(ledger.state(), params, SignatureVerifier.ED25519);
    for (Transaction tx : all.subList(1, all.size())) {
      work.apply(tx, false);
    }
    return work.seal(all.get(0), lastCertificate).hash();
  }

  /**
   * Who shares the 90% at height h, with the weight each is paid by: the signers of cert(h-1) as
   * members of set(h-1); at height 1 the whole genesis set.
   */
  List<ValidatorSet.Member> rewardSigners(long h) {
    if (h == 1) {
      return ledger.validatorSetAt(1).members();
    }
    ValidatorSet previous = ledger.validatorSetAt(h - 1);
    List<ValidatorSet.Member> out = new ArrayList<>();
    for (CertificateSignature s : lastCertificate.getSignaturesList()) {
      out.add(previous.member(s.getValidator()));
    }
    return out;
  }

  /**
   * docs/protocol.md 4.4, computed apart from the main code: reward = subsidy(h) + fees; the
   * proposer gets floor(reward / 10); each signer floor(floor(reward * 9 / 10) * weight / signed
   * weight); the remainder goes to the proposer. One output per consensus key (both roles summed),
   * to its reward address, in key order, zeros left out.
   */
  static List<TxOutput> expectedReward(
      long h,
      long fees,
      ByteString proposer,
      List<ValidatorSet.Member> signers,
      Function<ByteString, ByteString> rewardAddress) {
    BigInteger reward = BigInteger.valueOf(Subsidy.at(h)).add(BigInteger.valueOf(fees));
    BigInteger pool = reward.multiply(BigInteger.valueOf(9)).divide(BigInteger.TEN);
    BigInteger signed = BigInteger.ZERO;
    for (ValidatorSet.Member m : signers) {
      signed = signed.add(BigInteger.valueOf(m.weight()));
    }
    Map<ByteString, BigInteger> amounts = new TreeMap<>(KEY_ORDER);
    BigInteger shares = BigInteger.ZERO;
    for (ValidatorSet.Member m : signers) {
      BigInteger share = pool.multiply(BigInteger.valueOf(m.weight())).divide(signed);
      amounts.merge(m.keyBytes(), share, BigInteger::add);
      shares = shares.add(share);
    }
    amounts.merge(proposer, reward.subtract(shares), BigInteger::add); // base + every remainder
    List<TxOutput> out = new ArrayList<>();
    amounts.forEach(
        (key, amount) -> {
          if (amount.signum() > 0) {
            out.add(
                TxOutput.newBuilder()
                    .setAmount(amount.longValueExact())
                    .setAddress(rewardAddress.apply(key))
                    .build());
          }
        });
    return out;
  }

  static Transaction rewardTransaction(long h, List<TxOutput> outputs) {
    return Transaction.newBuilder()
        .setVersion(ProtocolVersion.TRANSACTION)
        .setKind(TransactionKind.TRANSACTION_KIND_REWARD)
        .setReward(RewardPayload.newBuilder().setHeight(h))
        .addAllOutputs(outputs)
        .build();
  }

  static long sum(List<TxOutput> outputs) {
    long s = 0;
    for (TxOutput o : outputs) {
      s = Math.addExact(s, o.getAmount());
    }
    return s;
  }

  static Ed25519KeyPair key(Random random) {
    byte[] seed = new byte[Ed25519KeyPair.SEED_SIZE];
    random.nextBytes(seed);
    return Ed25519KeyPair.fromSeed(seed);
  }

  static Address address(Ed25519KeyPair key) {
    return Address.of(key.publicKey());
  }

  static ByteString addressBytes(Ed25519KeyPair key) {
    return ByteString.copyFrom(address(key).bytes());
  }

  static ByteString keyBytes(Ed25519KeyPair key) {
    return ByteString.copyFrom(key.publicKey().bytes());
  }

  static OutPoint outpoint(ByteString txid, int index) {
    return OutPoint.newBuilder().setTxid(txid).setIndex(index).build();
  }

  /** A signed TRANSFER of {@code inputs} (owned by {@code keys}, in order) into {@code outputs}. */
  static Transaction transfer(
      List<OutPoint> inputs, List<Ed25519KeyPair> keys, List<TxOutput> outputs) {
    return Transactions.sign(Transactions.transfer(inputs, outputs), CHAIN_ID, keys, List.of());
  }

  /** A genesis of chain {@link #CHAIN_ID} with the default parameters. */
  static Genesis genesis(
      List<Genesis.Masternode> masternodes, List<Genesis.Allocation> allocations) {
    return Genesis.withDefaults(CHAIN_ID, GENESIS_TIME_MS, 1_000, masternodes, allocations);
  }
}
