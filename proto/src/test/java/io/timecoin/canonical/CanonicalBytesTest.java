package io.timecoin.canonical;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.RewardPayload;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Validator;
import io.timecoin.proto.v1.ValidatorSet;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.proto.v1.Witness;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The layouts of docs/protocol.md 2 (v2), written out by hand byte by byte. */
class CanonicalBytesTest {
  private static final HexFormat HEX = HexFormat.of();

  private static ByteString filled(int size, int value) {
    byte[] b = new byte[size];
    java.util.Arrays.fill(b, (byte) value);
    return ByteString.copyFrom(b);
  }

  private static String tag(String name) {
    String t = "TIMECOIN/v2/" + name;
    return String.format("%08x", t.length()) + HEX.formatHex(t.getBytes());
  }

  @Test
  void aVoteIsTagChainTypeHeightRoundHash() {
    Vote vote =
        Vote.newBuilder()
            .setChainId("c")
            .setType(VoteType.VOTE_TYPE_PRECOMMIT)
            .setHeight(7)
            .setRound(1)
            .setBlockHash(filled(32, 0x11))
            .setValidator(filled(32, 0x22))
            .setSignature(filled(64, 0x33))
            .build(); // not in the bytes
    String expected =
        tag("VOTE") + "00000001" + "63" + "02" + "0000000000000007" + "00000001" + "11".repeat(32);
    assertEquals(expected, HEX.formatHex(CanonicalBytes.vote(vote)));
  }

  @Test
  void aProposalSignsTheHeaderHashAndATwosComplementValidRound() {
    BlockHeader header =
        BlockHeader.newBuilder()
            .setVersion(2)
            .setChainId("c")
            .setHeight(2)
            .setTimestampMs(3)
            .setPrevHash(filled(32, 1))
            .setTxRoot(filled(32, 2))
            .setWitnessRoot(filled(32, 6))
            .setLastCertificateHash(filled(32, 3))
            .setValidatorSetHash(filled(32, 4))
            .setNextValidatorSetHash(filled(32, 7))
            .setProposer(filled(32, 5))
            .build();
    // witness_root after tx_root, next_validator_set_hash after validator_set_hash
    String headerHex =
        tag("HEADER")
            + "00000002"
            + "0000000163"
            + "0000000000000002"
            + "0000000000000003"
            + "01".repeat(32)
            + "02".repeat(32)
            + "06".repeat(32)
            + "03".repeat(32)
            + "04".repeat(32)
            + "07".repeat(32)
            + "05".repeat(32);
    assertEquals(headerHex, HEX.formatHex(CanonicalBytes.header(header)));
    Proposal p =
        Proposal.newBuilder()
            .setChainId("c")
            .setHeight(2)
            .setRound(5)
            .setValidRound(-1)
            .setBlock(Block.newBuilder().setHeader(header))
            .build();
    String blockHash = HEX.formatHex(io.timecoin.crypto.Sha256.hash(HEX.parseHex(headerHex)));
    assertEquals(
        tag("PROPOSAL") + "0000000163" + "0000000000000002" + "00000005" + "ffffffff" + blockHash,
        HEX.formatHex(CanonicalBytes.proposal(p)));
  }

  @Test
  void aTransactionIdLeavesOutTheWitnesses() {
    Transaction unsigned =
        Transaction.newBuilder()
            .setVersion(1)
            .setKind(TransactionKind.TRANSACTION_KIND_TRANSFER)
            .addInputs(
                TxInput.newBuilder()
                    .setOutpoint(OutPoint.newBuilder().setTxid(filled(32, 9)).setIndex(2)))
            .addOutputs(TxOutput.newBuilder().setAmount(5).setAddress(filled(20, 8)))
            .build();
    String expected =
        tag("TX")
            + "00000001"
            + "02"
            + "00000001"
            + "09".repeat(32)
            + "00000002"
            + "00000001"
            + "0000000000000005"
            + "08".repeat(20);
    assertEquals(expected, HEX.formatHex(CanonicalBytes.transaction(unsigned)));
    Transaction signed =
        unsigned.toBuilder()
            .setInputs(
                0,
                unsigned.getInputs(0).toBuilder()
                    .setWitness(
                        Witness.newBuilder()
                            .setPublicKey(filled(32, 1))
                            .setSignature(filled(64, 2))))
            .build();
    assertEquals(Hashes.transaction(unsigned), Hashes.transaction(signed));
  }

  @Test
  void theWitnessedBytesAreTheIdThenEveryWitnessInOrder() {
    Transaction tx =
        Transaction.newBuilder()
            .setVersion(2)
            .setKind(TransactionKind.TRANSACTION_KIND_DEREGISTER_MASTERNODE)
            .addInputs(
                TxInput.newBuilder()
                    .setOutpoint(OutPoint.newBuilder().setTxid(filled(32, 9)).setIndex(0))
                    .setWitness(
                        Witness.newBuilder()
                            .setPublicKey(filled(32, 1))
                            .setSignature(filled(64, 2))))
            .setDeregisterMasternode(
                io.timecoin.proto.v1.DeregisterMasternodePayload.newBuilder()
                    .setConsensusKey(filled(32, 5)))
            .addKindWitnesses(
                Witness.newBuilder().setPublicKey(filled(32, 3)).setSignature(filled(64, 4)))
            .build();
    String txid = HEX.formatHex(Hashes.transaction(tx).toByteArray());
    String expected =
        tag("TXW")
            + txid
            + "00000001"
            + "01".repeat(32)
            + "02".repeat(64)
            + "00000001"
            + "03".repeat(32)
            + "04".repeat(64);
    assertEquals(expected, HEX.formatHex(CanonicalBytes.transactionWithWitnesses(tx)));
    assertEquals(
        ByteString.copyFrom(io.timecoin.crypto.Sha256.hash(HEX.parseHex(expected))),
        Hashes.wtxid(tx));
    // one witness byte changed: the same txid, another wtxid
    Transaction altered =
        tx.toBuilder()
            .setKindWitnesses(0, tx.getKindWitnesses(0).toBuilder().setSignature(filled(64, 0x44)))
            .build();
    assertEquals(Hashes.transaction(tx), Hashes.transaction(altered));
    assertNotEquals(Hashes.wtxid(tx), Hashes.wtxid(altered));
    // a missing witness has no canonical form
    Transaction unsigned =
        tx.toBuilder().setInputs(0, tx.getInputs(0).toBuilder().clearWitness()).build();
    assertThrows(MalformedException.class, () -> CanonicalBytes.transactionWithWitnesses(unsigned));
    // a reward has no witness at all: two empty lists
    Transaction reward =
        Transaction.newBuilder()
            .setVersion(2)
            .setKind(TransactionKind.TRANSACTION_KIND_REWARD)
            .setReward(RewardPayload.newBuilder().setHeight(1))
            .build();
    assertEquals(
        tag("TXW")
            + HEX.formatHex(Hashes.transaction(reward).toByteArray())
            + "00000000"
            + "00000000",
        HEX.formatHex(CanonicalBytes.transactionWithWitnesses(reward)));
  }

  @Test
  void aGenesisCarriesItsParamsAsOneBytesItem() {
    io.timecoin.proto.v1.ChainParams params =
        io.timecoin.proto.v1.ChainParams.newBuilder()
            .setGenesisTimeMs(1)
            .setBlockIntervalMs(2)
            .setProposeMs(3)
            .setProposeDeltaMs(4)
            .setPrepareMs(5)
            .setPrepareDeltaMs(6)
            .setPrecommitMs(7)
            .setPrecommitDeltaMs(8)
            .setCapMs(9)
            .setMaxBlockTxs(10)
            .setMaxBlockBytes(11)
            .setMaxTxBytes(12)
            .setMinTxFee(13)
            .setMaxValidators(14)
            .setMinFeePerByte(15)
            .setMinOutput(16)
            .setRegistrationFee(17)
            .addMasternodes(
                io.timecoin.proto.v1.GenesisMasternode.newBuilder()
                    .setConsensusKey(filled(32, 0xaa))
                    .setOwnerAddress(filled(20, 0xbb))
                    .setRewardAddress(filled(20, 0xcc))
                    .setCollateral(18))
            .build();
    StringBuilder u64s = new StringBuilder();
    for (int i = 1; i <= 9; i++) {
      u64s.append(String.format("%016x", i));
    }
    String paramsHex =
        tag("PARAMS")
            + "0000000163"
            + u64s
            + "0000000a"
            + "0000000b"
            + "0000000c"
            + "000000000000000d"
            + "0000000e"
            + "000000000000000f"
            + "0000000000000010"
            + "0000000000000011"
            + "00000001"
            + "aa".repeat(32)
            + "bb".repeat(20)
            + "cc".repeat(20)
            + "0000000000000012";
    io.timecoin.proto.v1.GenesisPayload payload =
        io.timecoin.proto.v1.GenesisPayload.newBuilder().setChainId("c").setParams(params).build();
    assertEquals(paramsHex, HEX.formatHex(CanonicalBytes.params(payload)));
    Transaction genesis =
        Transaction.newBuilder()
            .setVersion(2)
            .setKind(TransactionKind.TRANSACTION_KIND_GENESIS)
            .setGenesis(payload)
            .build();
    assertEquals(
        tag("TX")
            + "00000002"
            + "01"
            + "00000000"
            + "00000000"
            + "0000000163"
            + String.format("%08x", paramsHex.length() / 2)
            + paramsHex,
        HEX.formatHex(CanonicalBytes.transaction(genesis)));
    // a genesis without its parameters has no canonical form
    Transaction bare = genesis.toBuilder().setGenesis(payload.toBuilder().clearParams()).build();
    assertThrows(MalformedException.class, () -> CanonicalBytes.transaction(bare));
  }

  @Test
  void theKindAndThePayloadMustAgree() {
    Transaction transferWithReward =
        Transaction.newBuilder()
            .setVersion(1)
            .setKind(TransactionKind.TRANSACTION_KIND_TRANSFER)
            .setReward(RewardPayload.newBuilder().setHeight(1))
            .build();
    assertThrows(MalformedException.class, () -> CanonicalBytes.transaction(transferWithReward));
    Transaction rewardWithout =
        Transaction.newBuilder()
            .setVersion(1)
            .setKind(TransactionKind.TRANSACTION_KIND_REWARD)
            .build();
    assertThrows(MalformedException.class, () -> CanonicalBytes.transaction(rewardWithout));
    Transaction unknownKind = Transaction.newBuilder().setVersion(1).setKindValue(99).build();
    assertThrows(MalformedException.class, () -> CanonicalBytes.transaction(unknownKind));
    Transaction noKind = Transaction.newBuilder().setVersion(1).build();
    assertThrows(MalformedException.class, () -> CanonicalBytes.transaction(noKind));
  }

  @Test
  void fixedSizeFieldsOfTheWrongSizeAreMalformedNotPadded() {
    Vote shortHash =
        Vote.newBuilder()
            .setChainId("c")
            .setType(VoteType.VOTE_TYPE_PREPARE)
            .setBlockHash(filled(31, 0))
            .build();
    assertThrows(MalformedException.class, () -> CanonicalBytes.vote(shortHash));
    Vote emptyHash = shortHash.toBuilder().setBlockHash(ByteString.EMPTY).build();
    assertThrows(MalformedException.class, () -> CanonicalBytes.vote(emptyHash));
    Vote noType =
        shortHash.toBuilder()
            .setBlockHash(Hashes.NIL)
            .setType(VoteType.VOTE_TYPE_UNSPECIFIED)
            .build();
    assertThrows(MalformedException.class, () -> CanonicalBytes.vote(noType));
  }

  @Test
  void setsAndCertificatesMustBeStrictlySortedByKey() {
    Validator a = Validator.newBuilder().setKey(filled(32, 1)).setWeight(10).build();
    Validator b = Validator.newBuilder().setKey(filled(32, 0xf0)).setWeight(20).build();
    ValidatorSet sorted = ValidatorSet.newBuilder().addValidators(a).addValidators(b).build();
    assertEquals(
        tag("VALSET")
            + "00000002"
            + "01".repeat(32)
            + "000000000000000a"
            + "f0".repeat(32)
            + "0000000000000014",
        HEX.formatHex(CanonicalBytes.validatorSet(sorted)));
    assertThrows(
        MalformedException.class,
        () ->
            CanonicalBytes.validatorSet(
                ValidatorSet.newBuilder().addValidators(b).addValidators(a).build()));
    assertThrows(
        MalformedException.class,
        () ->
            CanonicalBytes.validatorSet(
                ValidatorSet.newBuilder().addValidators(a).addValidators(a).build()));

    CertificateSignature sa =
        CertificateSignature.newBuilder()
            .setValidator(filled(32, 1))
            .setSignature(filled(64, 7))
            .build();
    CertificateSignature sb =
        CertificateSignature.newBuilder()
            .setValidator(filled(32, 0xf0))
            .setSignature(filled(64, 8))
            .build();
    FinalityCertificate cert =
        FinalityCertificate.newBuilder()
            .setHeight(3)
            .setRound(0)
            .setBlockHash(filled(32, 6))
            .addSignatures(sa)
            .addSignatures(sb)
            .build();
    assertEquals(
        tag("CERT")
            + "0000000000000003"
            + "00000000"
            + "06".repeat(32)
            + "00000002"
            + "01".repeat(32)
            + "07".repeat(64)
            + "f0".repeat(32)
            + "08".repeat(64),
        HEX.formatHex(CanonicalBytes.certificate(cert)));
    assertThrows(
        MalformedException.class,
        () ->
            CanonicalBytes.certificate(
                cert.toBuilder().clearSignatures().addSignatures(sb).addSignatures(sa).build()));
  }

  @Test
  void domainTagsKeepOneSignatureFromServingAnotherPurpose() {
    // a prepare and a precommit for the same slot differ in their type byte
    Vote prepare =
        Vote.newBuilder()
            .setChainId("c")
            .setType(VoteType.VOTE_TYPE_PREPARE)
            .setBlockHash(Hashes.NIL)
            .build();
    Vote precommit = prepare.toBuilder().setType(VoteType.VOTE_TYPE_PRECOMMIT).build();
    assertNotEquals(
        HEX.formatHex(CanonicalBytes.vote(prepare)), HEX.formatHex(CanonicalBytes.vote(precommit)));
    // and a vote on another chain differs in its chain id
    assertNotEquals(
        HEX.formatHex(CanonicalBytes.vote(prepare)),
        HEX.formatHex(CanonicalBytes.vote(prepare.toBuilder().setChainId("d").build())));
  }
}
