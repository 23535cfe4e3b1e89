package io.timecoin.node.config;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MerkleRoot;
import io.timecoin.consensus.statemachine.ConsensusConfig;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.ledger.LedgerParams;
import io.timecoin.ledger.MasternodeRecord;
import io.timecoin.ledger.Registry;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockBody;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.ChainParams;
import io.timecoin.proto.v1.GenesisMasternode;
import io.timecoin.proto.v1.GenesisPayload;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.ProtocolVersion;
import io.timecoin.protocol.Units;
import io.timecoin.protocol.ValidatorSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A chain's genesis (docs/protocol.md 3): its parameters, initial masternodes and allocations, and
 * the block 0 and validator set of height 1 they define. Every Genesis is valid: the constructor
 * checks the rules of {@link io.timecoin.node.config the package documentation} and throws {@link
 * GenesisException} naming the JSON field at fault. Read and write it with {@link GenesisFile}.
 *
 * @param minTxFee base units (u64): the least fee of any transaction
 * @param minFeePerByte base units (u64) per byte of a transaction's TX and TXW bytes together
 * @param minOutput base units (u64): the least output of a user transaction (smaller is DUST)
 * @param registrationFee base units (u64): the least fee of a REGISTER_MASTERNODE
 * @param masternodes in file order, which is the order of their collateral outputs in block 0
 * @param allocations in file order, which is the order of their outputs in block 0
 */
public record Genesis(
    String chainId,
    long genesisTimeMs,
    long blockIntervalMs,
    ConsensusConfig.Timeouts timeouts,
    int maxBlockTxs,
    int maxBlockBytes,
    int maxTxBytes,
    long minTxFee,
    long minFeePerByte,
    long minOutput,
    long registrationFee,
    int maxValidators,
    List<Masternode> masternodes,
    List<Allocation> allocations) {

  public static final String DEFAULT_CHAIN_ID = "timecoin-devnet";
  public static final long DEFAULT_BLOCK_INTERVAL_MS = 1_000;
  public static final int DEFAULT_MAX_BLOCK_TXS = 10_000;
  public static final int DEFAULT_MAX_BLOCK_BYTES = 4 << 20;
  public static final int DEFAULT_MAX_TX_BYTES = 64 << 10;
  public static final long DEFAULT_MIN_TX_FEE = 1_000;
  public static final long DEFAULT_MIN_FEE_PER_BYTE = 10;
  public static final long DEFAULT_MIN_OUTPUT = 10_000;
  public static final long DEFAULT_REGISTRATION_FEE = Units.UNITS_PER_TIME;
  public static final int DEFAULT_MAX_VALIDATORS = 100;

  /** The least collateral that gives a vote (Bronze tier, docs/protocol.md 4.1): 1,000 TIME. */

  /**
   * Letters, digits, '.', '_' and '-', 1 to 64 of them. The chain id is in every signed message;
   * plain ASCII means no two spellings (Unicode normalization, invisible characters) of one id.
   */
  private static final Pattern CHAIN_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** A masternode of the genesis: registered from height 1 with a collateral output of block 0. */
  public record Masternode(
      Ed25519PublicKey consensusKey, Address owner, Address rewardAddress, long collateral) {
    public Masternode {
      Objects.requireNonNull(consensusKey, "consensusKey");
      Objects.requireNonNull(owner, "owner");
      Objects.requireNonNull(rewardAddress, "rewardAddress");
    }

    /** Its weight: the collateral in whole TIME (docs/protocol.md 4.1). */
    public long weight() {
      return Long.divideUnsigned(collateral, Units.UNITS_PER_TIME);
    }
  }

  /** An initial balance: one output of block 0. */
  public record Allocation(Address address, long amount) {
    public Allocation {
      Objects.requireNonNull(address, "address");
    }
  }

  public Genesis {
    checkChainId(chainId);
    check(genesisTimeMs >= 0, "genesis_time_ms", "must not be negative");
    check(blockIntervalMs >= 0, "block_interval_ms", "must not be negative");
    Objects.requireNonNull(timeouts, "timeouts");
    check(timeouts.proposeBase() > 0, "timeouts.propose_ms", "must be positive");
    check(timeouts.prepareBase() > 0, "timeouts.prepare_ms", "must be positive");
    check(timeouts.precommitBase() > 0, "timeouts.precommit_ms", "must be positive");
    check(timeouts.proposeDelta() >= 0, "timeouts.propose_delta_ms", "must not be negative");
    check(timeouts.prepareDelta() >= 0, "timeouts.prepare_delta_ms", "must not be negative");
    check(timeouts.precommitDelta() >= 0, "timeouts.precommit_delta_ms", "must not be negative");
    check(
        timeouts.cap()
            >= Math.max(
                timeouts.proposeBase(), Math.max(timeouts.prepareBase(), timeouts.precommitBase())),
        "timeouts.cap_ms",
        "must be at least each of propose_ms, prepare_ms and precommit_ms");
    check(maxBlockTxs > 0, "max_block_txs", "must be positive");
    check(maxBlockBytes > 0, "max_block_bytes", "must be positive");
    check(maxTxBytes > 0, "max_tx_bytes", "must be positive");
    check(
        maxTxBytes <= maxBlockBytes,
        "max_tx_bytes",
        maxTxBytes
            + " is above max_block_bytes "
            + maxBlockBytes
            + ": such a transaction would fit no block");
    check(maxValidators > 0, "max_validators", "must be positive");

    masternodes = List.copyOf(masternodes);
    allocations = List.copyOf(allocations);
    check(
        !masternodes.isEmpty(),
        "masternodes",
        "at least one masternode is needed: they are the validators of height 1");
    Map<Ed25519PublicKey, Integer> seen = new HashMap<>();
    for (int i = 0; i < masternodes.size(); i++) {
      Masternode m = masternodes.get(i);
      Integer earlier = seen.putIfAbsent(m.consensusKey(), i);
      check(
          earlier == null,
          "masternodes[" + i + "].consensus_key",
          "key " + m.consensusKey().toHex() + " is already masternodes[" + earlier + "]'s");
      check(
          Long.compareUnsigned(m.collateral(), MasternodeRecord.MIN_COLLATERAL) >= 0,
          "masternodes[" + i + "].collateral",
          Long.toUnsignedString(m.collateral())
              + " units is below the minimum collateral of 1,000 TIME ("
              + MasternodeRecord.MIN_COLLATERAL
              + " units)");
    }
    // Every output of block 0 together must fit in a u64 amount (docs/protocol.md 1: never wrap).
    long total = 0;
    for (int i = 0; i < allocations.size(); i++) {
      check(
          allocations.get(i).amount() != 0, "allocations[" + i + "].amount", "must be more than 0");
      total = addToTotal(total, allocations.get(i).amount(), "allocations[" + i + "].amount");
    }
    for (int i = 0; i < masternodes.size(); i++) {
      total =
          addToTotal(total, masternodes.get(i).collateral(), "masternodes[" + i + "].collateral");
    }
  }

  /** A genesis with the default parameters of the package documentation. */
  public static Genesis withDefaults(
      String chainId,
      long genesisTimeMs,
      long blockIntervalMs,
      List<Masternode> masternodes,
      List<Allocation> allocations) {
    return new Genesis(
        chainId,
        genesisTimeMs,
        blockIntervalMs,
        ConsensusConfig.Timeouts.DEFAULTS,
        DEFAULT_MAX_BLOCK_TXS,
        DEFAULT_MAX_BLOCK_BYTES,
        DEFAULT_MAX_TX_BYTES,
        DEFAULT_MIN_TX_FEE,
        DEFAULT_MIN_FEE_PER_BYTE,
        DEFAULT_MIN_OUTPUT,
        DEFAULT_REGISTRATION_FEE,
        DEFAULT_MAX_VALIDATORS,
        masternodes,
        allocations);
  }

  /** Refuses a chain id that is not 1 to 64 ASCII letters, digits, '.', '_' or '-'. */
  public static void checkChainId(String chainId) {
    check(
        chainId != null && CHAIN_ID.matcher(chainId).matches(),
        "chain_id",
        "'" + chainId + "' is not 1 to 64 letters, digits, '.', '_' or '-'");
  }

  /**
   * The validator set of height 1: the registry of the genesis masternodes gives it, as every later
   * registry gives the set after it. Computed on each call; keep the result.
   */
  public ValidatorSet validatorSet() {
    return Registry.of(masternodeRecords()).validatorSet(1, maxValidators);
  }

  /**
   * The genesis masternodes as registered at height 0, each backed by its collateral output of
   * block 0.
   */
  public List<MasternodeRecord> masternodeRecords() {
    List<MasternodeRecord> records = new java.util.ArrayList<>();
    ByteString txid =
        Hashes.transaction(transaction()); // once: the transaction holds every allocation
    for (int i = 0; i < masternodes.size(); i++) {
      Masternode m = masternodes.get(i);
      OutPoint collateral =
          OutPoint.newBuilder().setTxid(txid).setIndex(allocations.size() + i).build();
      records.add(
          new MasternodeRecord(
              ByteString.copyFrom(m.consensusKey().bytes()),
              collateral,
              m.collateral(),
              ByteString.copyFrom(m.owner().bytes()),
              ByteString.copyFrom(m.rewardAddress().bytes()),
              0,
              true,
              0,
              0));
    }
    return records;
  }

  /** The chain parameters the ledger applies. */
  public LedgerParams ledgerParams() {
    return new LedgerParams(
        chainId,
        minTxFee,
        minFeePerByte,
        minOutput,
        registrationFee,
        maxTxBytes,
        maxBlockTxs,
        maxBlockBytes,
        maxValidators);
  }

  /**
   * Every parameter of this genesis, masternodes included, as the GENESIS payload carries them:
   * their PARAMS bytes are part of block 0's transaction id, so the genesis hash commits to each
   * one (docs/protocol.md 3).
   */
  public ChainParams chainParams() {
    ChainParams.Builder p =
        ChainParams.newBuilder()
            .setGenesisTimeMs(genesisTimeMs)
            .setBlockIntervalMs(blockIntervalMs)
            .setProposeMs(timeouts.proposeBase())
            .setProposeDeltaMs(timeouts.proposeDelta())
            .setPrepareMs(timeouts.prepareBase())
            .setPrepareDeltaMs(timeouts.prepareDelta())
            .setPrecommitMs(timeouts.precommitBase())
            .setPrecommitDeltaMs(timeouts.precommitDelta())
            .setCapMs(timeouts.cap())
            .setMaxBlockTxs(maxBlockTxs)
            .setMaxBlockBytes(maxBlockBytes)
            .setMaxTxBytes(maxTxBytes)
            .setMinTxFee(minTxFee)
            .setMaxValidators(maxValidators)
            .setMinFeePerByte(minFeePerByte)
            .setMinOutput(minOutput)
            .setRegistrationFee(registrationFee);
    for (Masternode m : masternodes) {
      p.addMasternodes(
          GenesisMasternode.newBuilder()
              .setConsensusKey(ByteString.copyFrom(m.consensusKey().bytes()))
              .setOwnerAddress(ByteString.copyFrom(m.owner().bytes()))
              .setRewardAddress(ByteString.copyFrom(m.rewardAddress().bytes()))
              .setCollateral(m.collateral()));
    }
    return p.build();
  }

  /**
   * The single GENESIS transaction of block 0: outputs are the allocations in file order, then one
   * collateral output (owner, collateral) per masternode in file order; no inputs; its payload
   * carries the chain id and every parameter.
   */
  public Transaction transaction() {
    Transaction.Builder tx =
        Transaction.newBuilder()
            .setVersion(ProtocolVersion.TRANSACTION)
            .setKind(TransactionKind.TRANSACTION_KIND_GENESIS)
            .setGenesis(GenesisPayload.newBuilder().setChainId(chainId).setParams(chainParams()));
    for (Allocation a : allocations) {
      tx.addOutputs(output(a.amount(), a.address()));
    }
    for (Masternode m : masternodes) {
      tx.addOutputs(output(m.collateral(), m.owner()));
    }
    return tx.build();
  }

  /**
   * The outpoint of masternode {@code index}'s collateral: after all the allocations in block 0.
   */
  public OutPoint collateralOutPoint(int index) {
    Objects.checkIndex(index, masternodes.size());
    return OutPoint.newBuilder()
        .setTxid(Hashes.transaction(transaction()))
        .setIndex(allocations.size() + index)
        .build();
  }

  /**
   * Block 0 (docs/protocol.md 3): no proposer (zeros), no certificate, prev_hash zeros, its one
   * GENESIS transaction, and the hash of the validator set of height 1 as both validator_set_hash
   * and next_validator_set_hash. Computed on each call; keep the result.
   */
  public Block block() {
    List<Transaction> txs = List.of(transaction());
    ByteString setHash = validatorSet().hash();
    BlockHeader header =
        BlockHeader.newBuilder()
            .setVersion(ProtocolVersion.BLOCK)
            .setChainId(chainId)
            .setHeight(0)
            .setTimestampMs(genesisTimeMs)
            .setPrevHash(Hashes.NIL)
            .setTxRoot(MerkleRoot.txRoot(txs))
            .setWitnessRoot(MerkleRoot.witnessRoot(txs))
            .setLastCertificateHash(Hashes.NIL)
            .setValidatorSetHash(setHash)
            .setNextValidatorSetHash(setHash)
            .setProposer(Hashes.NIL)
            .build();
    return Block.newBuilder()
        .setHeader(header)
        .setBody(BlockBody.newBuilder().addAllTransactions(txs))
        .build();
  }

  /** The genesis hash: block 0's hash, which peers compare in their Hello. */
  public ByteString hash() {
    return Hashes.block(block().getHeader());
  }

  private static TxOutput output(long amount, Address address) {
    return TxOutput.newBuilder()
        .setAmount(amount)
        .setAddress(ByteString.copyFrom(address.bytes()))
        .build();
  }

  private static long addToTotal(long total, long amount, String field) {
    try {
      return Units.addExact(total, amount);
    } catch (ArithmeticException e) {
      throw new GenesisException(
          field,
          "the genesis outputs (allocations and collaterals) add up to more than "
              + "2^64-1 units");
    }
  }

  private static void check(boolean ok, String field, String problem) {
    if (!ok) {
      throw new GenesisException(field, problem);
    }
  }
}
