package io.timecoin.sdk;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MerkleRoot;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockBody;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.ChainParams;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.FinalizedBlock;
import io.timecoin.proto.v1.GenesisMasternode;
import io.timecoin.proto.v1.GenesisPayload;
import io.timecoin.proto.v1.RewardPayload;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.Validator;
import io.timecoin.proto.v1.ValidatorSetChange;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.FinalityCertificates;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.List;

/**
 * A small valid chain made the way a node makes it (docs/protocol.md 3, 4.3, 8): a block 0 whose
 * GENESIS transaction names the chain, then blocks each with a REWARD transaction, the previous
 * block's certificate, and a certificate of precommits by three of the four validators of its
 * height (3 * 3 > 2 * 4: a quorum). Every header commits to the set that votes on it and on the
 * next height. With {@code changeAt} > 1, a second set of four new validators votes from that
 * height on. Two TestChains never share a key, so each is a fabricated chain to the other.
 */
final class TestChain {
  static final String CHAIN_ID = "timecoin-testnet";

  final List<Ed25519KeyPair> validators = new ArrayList<>(); // the set of height 1
  final List<Ed25519KeyPair> nextValidators =
      new ArrayList<>(); // the set from changeAt (empty without a change)
  final ValidatorSet set;
  final ValidatorSet nextSet; // null without a change
  final long changeAt; // 0: no change
  final FinalizedBlock genesis; // no certificate
  final List<FinalizedBlock> blocks = new ArrayList<>(); // index h - 1

  TestChain(int length) {
    this(length, 0);
  }

  TestChain(int length, long changeAt) {
    this.changeAt = changeAt;
    set = members(validators, 1);
    nextSet = changeAt > 1 ? members(nextValidators, changeAt) : null;
    Transaction genesisTx =
        Transaction.newBuilder()
            .setVersion(2)
            .setKind(TransactionKind.TRANSACTION_KIND_GENESIS)
            .addOutputs(
                Transactions.output(
                    1_000 * Units.UNITS_PER_TIME, Address.of(validators.get(0).publicKey())))
            .setGenesis(GenesisPayload.newBuilder().setChainId(CHAIN_ID).setParams(params()))
            .build();
    BlockHeader zero =
        BlockHeader.newBuilder()
            .setVersion(2)
            .setChainId(CHAIN_ID)
            .setHeight(0)
            .setTimestampMs(1_700_000_000_000L)
            .setPrevHash(Hashes.NIL)
            .setTxRoot(MerkleRoot.txRoot(List.of(genesisTx)))
            .setWitnessRoot(MerkleRoot.witnessRoot(List.of(genesisTx)))
            .setLastCertificateHash(Hashes.NIL)
            .setValidatorSetHash(set.hash())
            .setNextValidatorSetHash(set.hash())
            .setProposer(Hashes.NIL)
            .build();
    genesis =
        FinalizedBlock.newBuilder()
            .setBlock(
                Block.newBuilder()
                    .setHeader(zero)
                    .setBody(BlockBody.newBuilder().addTransactions(genesisTx)))
            .build();
    ByteString prev = Hashes.block(zero);
    FinalityCertificate lastCert = null;
    for (long h = 1; h <= length; h++) {
      Transaction reward =
          Transaction.newBuilder()
              .setVersion(2)
              .setKind(TransactionKind.TRANSACTION_KIND_REWARD)
              .addOutputs(
                  Transactions.output(
                      100 * Units.UNITS_PER_TIME, Address.of(validators.get(0).publicKey())))
              .setReward(RewardPayload.newBuilder().setHeight(h))
              .build();
      BlockBody.Builder body = BlockBody.newBuilder().addTransactions(reward);
      if (lastCert != null) {
        body.setLastCertificate(lastCert);
      }
      BlockHeader header =
          BlockHeader.newBuilder()
              .setVersion(2)
              .setChainId(CHAIN_ID)
              .setHeight(h)
              .setTimestampMs(1_700_000_000_000L + h * 1000)
              .setPrevHash(prev)
              .setTxRoot(MerkleRoot.txRoot(List.of(reward)))
              .setWitnessRoot(MerkleRoot.witnessRoot(List.of(reward)))
              .setLastCertificateHash(lastCert == null ? Hashes.NIL : Hashes.certificate(lastCert))
              .setValidatorSetHash(setAt(h).hash())
              .setNextValidatorSetHash(setAt(h + 1).hash())
              .setProposer(ByteString.copyFrom(signersAt(h).get((int) (h % 4)).publicKey().bytes()))
              .build();
      ByteString hash = Hashes.block(header);
      FinalityCertificate cert = certificate(h, hash, signersAt(h).subList(0, 3));
      blocks.add(
          FinalizedBlock.newBuilder()
              .setBlock(Block.newBuilder().setHeader(header).setBody(body))
              .setCertificate(cert)
              .build());
      prev = hash;
      lastCert = cert;
    }
  }

  /**
   * Every chain parameter, as a v2 genesis carries them (docs/protocol.md 3), with the genesis
   * masternodes.
   */
  private ChainParams params() {
    ChainParams.Builder p =
        ChainParams.newBuilder()
            .setGenesisTimeMs(1_700_000_000_000L)
            .setBlockIntervalMs(1_000)
            .setProposeMs(1_000)
            .setProposeDeltaMs(500)
            .setPrepareMs(1_000)
            .setPrepareDeltaMs(500)
            .setPrecommitMs(1_000)
            .setPrecommitDeltaMs(500)
            .setCapMs(30_000)
            .setMaxBlockTxs(10_000)
            .setMaxBlockBytes(4 << 20)
            .setMaxTxBytes(100_000)
            .setMinTxFee(1_000)
            .setMaxValidators(100)
            .setMinFeePerByte(10)
            .setMinOutput(10_000)
            .setRegistrationFee(Units.UNITS_PER_TIME);
    for (Ed25519KeyPair k : validators) {
      ByteString address = ByteString.copyFrom(Address.of(k.publicKey()).bytes());
      p.addMasternodes(
          GenesisMasternode.newBuilder()
              .setConsensusKey(ByteString.copyFrom(k.publicKey().bytes()))
              .setOwnerAddress(address)
              .setRewardAddress(address)
              .setCollateral(1_000 * Units.UNITS_PER_TIME));
    }
    return p.build();
  }

  /**
   * Four new validators of equal weight, added to {@code keys}: the set that votes from {@code
   * height}.
   */
  private static ValidatorSet members(List<Ed25519KeyPair> keys, long height) {
    List<Validator> members = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Ed25519KeyPair k = Ed25519KeyPair.generate();
      keys.add(k);
      members.add(
          Validator.newBuilder()
              .setKey(ByteString.copyFrom(k.publicKey().bytes()))
              .setWeight(1000)
              .build());
    }
    return ValidatorSet.of(height, members);
  }

  /** A certificate of precommits for (h, round 0, hash) by {@code signers}. */
  static FinalityCertificate certificate(long h, ByteString hash, List<Ed25519KeyPair> signers) {
    byte[] precommit = CanonicalBytes.vote(CHAIN_ID, VoteType.VOTE_TYPE_PRECOMMIT, h, 0, hash);
    List<Vote> votes = new ArrayList<>();
    for (Ed25519KeyPair k : signers) {
      votes.add(
          Vote.newBuilder()
              .setChainId(CHAIN_ID)
              .setType(VoteType.VOTE_TYPE_PRECOMMIT)
              .setHeight(h)
              .setBlockHash(hash)
              .setValidator(ByteString.copyFrom(k.publicKey().bytes()))
              .setSignature(ByteString.copyFrom(k.sign(precommit)))
              .build());
    }
    return FinalityCertificates.build(h, 0, hash, votes);
  }

  ValidatorSet setAt(long height) {
    return nextSet != null && height >= changeAt ? nextSet : set;
  }

  List<Ed25519KeyPair> signersAt(long height) {
    return nextSet != null && height >= changeAt ? nextValidators : validators;
  }

  /** Block {@code height}; 0 is the genesis block (without a certificate). */
  FinalizedBlock block(long height) {
    return height == 0 ? genesis : blocks.get((int) (height - 1));
  }

  ByteString hash(long height) {
    return Hashes.block(block(height).getBlock().getHeader());
  }

  ByteString genesisHash() {
    return hash(0);
  }

  io.timecoin.proto.v1.ValidatorSet setProto(long height) {
    return setAt(height).atHeight(height).toProto();
  }

  /**
   * The changes a node answers GetValidatorSetChanges with: c = 1, and changeAt if the set changes.
   */
  List<ValidatorSetChange> changes() {
    List<ValidatorSetChange> out = new ArrayList<>();
    out.add(
        ValidatorSetChange.newBuilder()
            .setHeight(1)
            .setHeader(genesis.getBlock().getHeader())
            .setValidatorSet(setProto(1))
            .build());
    if (nextSet != null && changeAt <= blocks.size() + 1) {
      FinalizedBlock before = block(changeAt - 1);
      out.add(
          ValidatorSetChange.newBuilder()
              .setHeight(changeAt)
              .setHeader(before.getBlock().getHeader())
              .setCertificate(before.getCertificate())
              .setValidatorSet(setProto(changeAt))
              .build());
    }
    return out;
  }
}
