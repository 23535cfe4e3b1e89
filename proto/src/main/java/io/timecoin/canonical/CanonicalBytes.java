package io.timecoin.canonical;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.ChainParams;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.GenesisMasternode;
import io.timecoin.proto.v1.GenesisPayload;
import io.timecoin.proto.v1.Hello;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Validator;
import io.timecoin.proto.v1.ValidatorSet;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.proto.v1.Witness;
import java.util.List;
import java.util.function.Function;

/**
 * The canonical bytes of every hashed or signed structure of docs/protocol.md 2 (v2 layouts), built
 * from the protobuf messages' fields. These bytes, never protobuf's, are what is hashed and signed.
 *
 * @throws MalformedException (from every method) when a field has no canonical form
 */
public final class CanonicalBytes {
  private CanonicalBytes() {}

  /** VOTE: chain_id, type u8 (1 prepare, 2 precommit), height, round, block_hash (nil = zeros). */
  public static byte[] vote(Vote vote) {
    return vote(
        vote.getChainId(), vote.getType(), vote.getHeight(), vote.getRound(), vote.getBlockHash());
  }

  /** VOTE bytes of a vote given by its fields; certificates are checked with these. */
  public static byte[] vote(
      String chainId, VoteType type, long height, int round, ByteString blockHash) {
    if (type != VoteType.VOTE_TYPE_PREPARE && type != VoteType.VOTE_TYPE_PRECOMMIT) {
      throw new MalformedException("vote type must be prepare or precommit, got " + type);
    }
    return new CanonicalWriter(Domain.VOTE)
        .string(chainId)
        .u8(type.getNumber())
        .u64(height)
        .u32(round)
        .hash(blockHash, "block_hash")
        .toByteArray();
  }

  /**
   * PROPOSAL: chain_id, height, round, valid_round i32 (-1 none), block_hash of the block's header.
   */
  public static byte[] proposal(Proposal proposal) {
    if (!proposal.hasBlock() || !proposal.getBlock().hasHeader()) {
      throw new MalformedException("a proposal carries a block with a header");
    }
    if (proposal.getValidRound() < -1) {
      throw new MalformedException(
          "valid_round must be -1 or a round, got " + proposal.getValidRound());
    }
    return new CanonicalWriter(Domain.PROPOSAL)
        .string(proposal.getChainId())
        .u64(proposal.getHeight())
        .u32(proposal.getRound())
        .i32(proposal.getValidRound())
        .hash(Hashes.block(proposal.getBlock().getHeader()), "block_hash")
        .toByteArray();
  }

  /**
   * HEADER: version, chain_id, height, timestamp_ms, prev_hash, tx_root, witness_root,
   * last_certificate_hash, validator_set_hash, next_validator_set_hash, proposer. With witness_root
   * the hash commits to every witness of the body; with next_validator_set_hash, to the set that
   * votes at height + 1 (docs/protocol.md 2, 4.3).
   */
  public static byte[] header(BlockHeader header) {
    return new CanonicalWriter(Domain.HEADER)
        .u32(header.getVersion())
        .string(header.getChainId())
        .u64(header.getHeight())
        .u64(header.getTimestampMs())
        .hash(header.getPrevHash(), "prev_hash")
        .hash(header.getTxRoot(), "tx_root")
        .hash(header.getWitnessRoot(), "witness_root")
        .hash(header.getLastCertificateHash(), "last_certificate_hash")
        .hash(header.getValidatorSetHash(), "validator_set_hash")
        .hash(header.getNextValidatorSetHash(), "next_validator_set_hash")
        .key(header.getProposer(), "proposer")
        .toByteArray();
  }

  /**
   * TX: version, kind u8, inputs list of (txid, index u32), outputs list of (amount u64, addr), and
   * the kind's payload (GENESIS: chain_id, then its PARAMS bytes as one {@code bytes} item).
   * Witnesses are left out, so signing does not change the id; TXW covers them.
   */
  public static byte[] transaction(Transaction tx) {
    CanonicalWriter w = new CanonicalWriter(Domain.TX).u32(tx.getVersion());
    switch (tx.getKind()) {
      case TRANSACTION_KIND_GENESIS,
          TRANSACTION_KIND_TRANSFER,
          TRANSACTION_KIND_REGISTER_MASTERNODE,
          TRANSACTION_KIND_DEREGISTER_MASTERNODE,
          TRANSACTION_KIND_REWARD ->
          w.u8(tx.getKind().getNumber());
      default -> throw new MalformedException("unknown transaction kind " + tx.getKindValue());
    }
    w.count(tx.getInputsCount());
    for (TxInput input : tx.getInputsList()) {
      w.hash(input.getOutpoint().getTxid(), "input txid").u32(input.getOutpoint().getIndex());
    }
    w.count(tx.getOutputsCount());
    for (TxOutput output : tx.getOutputsList()) {
      w.u64(output.getAmount()).addr(output.getAddress(), "output address");
    }
    Transaction.PayloadCase expected =
        switch (tx.getKind()) {
          case TRANSACTION_KIND_GENESIS -> Transaction.PayloadCase.GENESIS;
          case TRANSACTION_KIND_REGISTER_MASTERNODE -> Transaction.PayloadCase.REGISTER_MASTERNODE;
          case TRANSACTION_KIND_DEREGISTER_MASTERNODE ->
              Transaction.PayloadCase.DEREGISTER_MASTERNODE;
          case TRANSACTION_KIND_REWARD -> Transaction.PayloadCase.REWARD;
          default -> Transaction.PayloadCase.PAYLOAD_NOT_SET;
        };
    if (tx.getPayloadCase() != expected) {
      throw new MalformedException(
          tx.getKind() + " needs payload " + expected + ", got " + tx.getPayloadCase());
    }
    switch (expected) {
      case GENESIS ->
          w.string(tx.getGenesis().getChainId())
              .bytes(ByteString.copyFrom(params(tx.getGenesis())));
      case REGISTER_MASTERNODE ->
          w.hash(tx.getRegisterMasternode().getCollateral().getTxid(), "collateral txid")
              .u32(tx.getRegisterMasternode().getCollateral().getIndex())
              .key(tx.getRegisterMasternode().getConsensusKey(), "consensus_key")
              .addr(tx.getRegisterMasternode().getRewardAddress(), "reward_address");
      case DEREGISTER_MASTERNODE ->
          w.key(tx.getDeregisterMasternode().getConsensusKey(), "consensus_key");
      case REWARD -> w.u64(tx.getReward().getHeight());
      default -> {} // TRANSFER has no payload
    }
    return w.toByteArray();
  }

  /**
   * TXW: txid, the input witnesses as (key, sig) in input order, then the kind witnesses in their
   * order. Its SHA-256 is the wtxid, the leaf of witness_root (docs/protocol.md 2). GENESIS and
   * REWARD have two empty lists.
   */
  public static byte[] transactionWithWitnesses(Transaction tx) {
    return transactionWithWitnesses(Hashes.transaction(tx), tx);
  }

  /** TXW bytes of {@code tx}, whose id {@code txid} the caller has already computed. */
  public static byte[] transactionWithWitnesses(ByteString txid, Transaction tx) {
    CanonicalWriter w =
        new CanonicalWriter(Domain.TXW).hash(txid, "txid").count(tx.getInputsCount());
    for (TxInput input : tx.getInputsList()) {
      witness(w, input.getWitness(), "input witness");
    }
    w.count(tx.getKindWitnessesCount());
    for (Witness kindWitness : tx.getKindWitnessesList()) {
      witness(w, kindWitness, "kind witness");
    }
    return w.toByteArray();
  }

  /**
   * PARAMS: chain_id, genesis_time_ms, block_interval_ms, propose_ms, propose_delta_ms, prepare_ms,
   * prepare_delta_ms, precommit_ms, precommit_delta_ms, cap_ms (u64 each), max_block_txs,
   * max_block_bytes, max_tx_bytes (u32), min_tx_fee (u64), max_validators (u32), min_fee_per_byte,
   * min_output, registration_fee (u64), masternodes as (consensus_key, owner addr, reward addr,
   * collateral u64) in genesis order (docs/protocol.md 3). Refused when the params are absent.
   */
  public static byte[] params(GenesisPayload genesis) {
    if (!genesis.hasParams()) {
      throw new MalformedException("a GENESIS payload carries its chain parameters");
    }
    return params(genesis.getChainId(), genesis.getParams());
  }

  /** PARAMS bytes of {@code params} for chain {@code chainId}. */
  public static byte[] params(String chainId, ChainParams params) {
    CanonicalWriter w =
        new CanonicalWriter(Domain.PARAMS)
            .string(chainId)
            .u64(params.getGenesisTimeMs())
            .u64(params.getBlockIntervalMs())
            .u64(params.getProposeMs())
            .u64(params.getProposeDeltaMs())
            .u64(params.getPrepareMs())
            .u64(params.getPrepareDeltaMs())
            .u64(params.getPrecommitMs())
            .u64(params.getPrecommitDeltaMs())
            .u64(params.getCapMs())
            .u32(params.getMaxBlockTxs())
            .u32(params.getMaxBlockBytes())
            .u32(params.getMaxTxBytes())
            .u64(params.getMinTxFee())
            .u32(params.getMaxValidators())
            .u64(params.getMinFeePerByte())
            .u64(params.getMinOutput())
            .u64(params.getRegistrationFee())
            .count(params.getMasternodesCount());
    for (GenesisMasternode m : params.getMasternodesList()) {
      w.key(m.getConsensusKey(), "masternode consensus_key")
          .addr(m.getOwnerAddress(), "masternode owner_address")
          .addr(m.getRewardAddress(), "masternode reward_address")
          .u64(m.getCollateral());
    }
    return w.toByteArray();
  }

  /** TXSIG: chain_id, txid. What every input's and kind witness's key signs. */
  public static byte[] transactionSignature(String chainId, byte[] txid) {
    return new CanonicalWriter(Domain.TXSIG).string(chainId).hash(txid, "txid").toByteArray();
  }

  /** VALSET: list of (key, weight u64), strictly ascending by key. */
  public static byte[] validatorSet(ValidatorSet set) {
    List<Validator> validators = set.getValidatorsList();
    requireAscending(validators, Validator::getKey, "validator set");
    CanonicalWriter w = new CanonicalWriter(Domain.VALSET).count(validators.size());
    for (Validator v : validators) {
      w.key(v.getKey(), "validator key").u64(v.getWeight());
    }
    return w.toByteArray();
  }

  /** CERT: height, round, block_hash, list of (key, sig) strictly ascending by key. */
  public static byte[] certificate(FinalityCertificate cert) {
    List<CertificateSignature> signatures = cert.getSignaturesList();
    requireAscending(signatures, CertificateSignature::getValidator, "certificate");
    CanonicalWriter w =
        new CanonicalWriter(Domain.CERT)
            .u64(cert.getHeight())
            .u32(cert.getRound())
            .hash(cert.getBlockHash(), "block_hash")
            .count(signatures.size());
    for (CertificateSignature s : signatures) {
      w.key(s.getValidator(), "signer key").sig(s.getSignature(), "signature");
    }
    return w.toByteArray();
  }

  /**
   * HELLO: chain_id, genesis_hash, protocol_version u32, node_key, height u64, nonce bytes,
   * peer_nonce bytes.
   */
  public static byte[] hello(Hello hello) {
    return new CanonicalWriter(Domain.HELLO)
        .string(hello.getChainId())
        .hash(hello.getGenesisHash(), "genesis_hash")
        .u32(hello.getProtocolVersion())
        .key(hello.getNodeKey(), "node_key")
        .u64(hello.getHeight())
        .bytes(hello.getNonce())
        .bytes(hello.getPeerNonce())
        .toByteArray();
  }

  /**
   * PROPOSER: chain_id, height u64, round u32; hashed to pick proposer(h, r) (docs/protocol.md 2,
   * 5.1). No input any validator chooses enters it, so no proposer can steer the next one.
   */
  public static byte[] proposerSeed(String chainId, long height, int round) {
    return new CanonicalWriter(Domain.PROPOSER)
        .string(chainId)
        .u64(height)
        .u32(round)
        .toByteArray();
  }

  private static void witness(CanonicalWriter w, Witness witness, String what) {
    w.key(witness.getPublicKey(), what + " public_key")
        .sig(witness.getSignature(), what + " signature");
  }

  private static <T> void requireAscending(
      List<T> items, Function<T, ByteString> key, String what) {
    for (int i = 1; i < items.size(); i++) {
      if (ByteString.unsignedLexicographicalComparator()
              .compare(key.apply(items.get(i - 1)), key.apply(items.get(i)))
          >= 0) {
        throw new MalformedException(
            what + " keys must be strictly ascending (sorted, no repeats)");
      }
    }
  }
}
