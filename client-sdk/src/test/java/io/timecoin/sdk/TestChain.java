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
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.FinalizedBlock;
import io.timecoin.proto.v1.RewardPayload;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.Validator;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.FinalityCertificates;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.List;

/**
 * A small valid chain made the way a node makes it: four equal validators with real Ed25519 keys,
 * each block with a REWARD transaction, the previous block's certificate, and a certificate of
 * precommits by three of the four (3 * 3 > 2 * 4: a quorum).
 */
final class TestChain {
  static final String CHAIN_ID = "timecoin-testnet";

  final List<Ed25519KeyPair> validators = new ArrayList<>();
  final ValidatorSet set;
  final List<FinalizedBlock> blocks = new ArrayList<>(); // index h - 1

  TestChain(int length) {
    List<Validator> members = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Ed25519KeyPair k = Ed25519KeyPair.generate();
      validators.add(k);
      members.add(Validator.newBuilder().setKey(ByteString.copyFrom(k.publicKey().bytes())).setWeight(1000).build());
    }
    set = ValidatorSet.of(1, members);
    ByteString prev = ByteString.copyFrom(new byte[32]);
    FinalityCertificate lastCert = null;
    for (long h = 1; h <= length; h++) {
      Transaction reward = Transaction.newBuilder().setVersion(2).setKind(TransactionKind.TRANSACTION_KIND_REWARD)
          .addOutputs(Transactions.output(100 * Units.UNITS_PER_TIME, Address.of(validators.get(0).publicKey())))
          .setReward(RewardPayload.newBuilder().setHeight(h)).build();
      BlockBody.Builder body = BlockBody.newBuilder().addTransactions(reward);
      if (lastCert != null) {
        body.setLastCertificate(lastCert);
      }
      BlockHeader header = BlockHeader.newBuilder().setVersion(2).setChainId(CHAIN_ID).setHeight(h)
          .setTimestampMs(1_700_000_000_000L + h * 1000).setPrevHash(prev)
          .setTxRoot(MerkleRoot.txRoot(List.of(reward)))
          .setWitnessRoot(MerkleRoot.witnessRoot(List.of(reward)))
          .setLastCertificateHash(lastCert == null ? Hashes.NIL : Hashes.certificate(lastCert))
          .setValidatorSetHash(set.hash())
          .setNextValidatorSetHash(set.hash()) // one set for the whole chain
          .setProposer(ByteString.copyFrom(validators.get((int) (h % 4)).publicKey().bytes()))
          .build();
      ByteString hash = Hashes.block(header);
      FinalityCertificate cert = certificate(h, hash, validators.subList(0, 3));
      blocks.add(FinalizedBlock.newBuilder().setBlock(Block.newBuilder().setHeader(header).setBody(body))
          .setCertificate(cert).build());
      prev = hash;
      lastCert = cert;
    }
  }

  /** A certificate of precommits for (h, round 0, hash) by {@code signers}. */
  static FinalityCertificate certificate(long h, ByteString hash, List<Ed25519KeyPair> signers) {
    byte[] precommit = CanonicalBytes.vote(CHAIN_ID, VoteType.VOTE_TYPE_PRECOMMIT, h, 0, hash);
    List<Vote> votes = new ArrayList<>();
    for (Ed25519KeyPair k : signers) {
      votes.add(Vote.newBuilder().setChainId(CHAIN_ID).setType(VoteType.VOTE_TYPE_PRECOMMIT).setHeight(h)
          .setBlockHash(hash).setValidator(ByteString.copyFrom(k.publicKey().bytes()))
          .setSignature(ByteString.copyFrom(k.sign(precommit))).build());
    }
    return FinalityCertificates.build(h, 0, hash, votes);
  }

  FinalizedBlock block(long height) {
    return blocks.get((int) (height - 1));
  }

  ByteString hash(long height) {
    return Hashes.block(block(height).getBlock().getHeader());
  }

  io.timecoin.proto.v1.ValidatorSet setProto(long height) {
    return set.atHeight(height).toProto();
  }
}
