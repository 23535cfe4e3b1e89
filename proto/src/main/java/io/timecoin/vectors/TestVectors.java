package io.timecoin.vectors;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MerkleRoot;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockBody;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.ChainParams;
import io.timecoin.proto.v1.DeregisterMasternodePayload;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.GenesisMasternode;
import io.timecoin.proto.v1.GenesisPayload;
import io.timecoin.proto.v1.Hello;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.RegisterMasternodePayload;
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
import io.timecoin.protocol.ProtocolVersion;
import io.timecoin.protocol.Subsidy;
import io.timecoin.protocol.Units;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generates the language-neutral test vectors (testvectors/v2.json; format in
 * testvectors/README.md). Everything is derived from fixed seeds and Ed25519 is deterministic, so
 * the output is the same on every run: the Java tests compare it byte for byte with the file.
 *
 * <p>Run {@code mvn -pl proto compile exec:java} (or pass the output path) to rewrite the file
 * after an intended change to the canonical bytes.
 */
public final class TestVectors {
  static final String CHAIN_ID = "timecoin-devnet";

  /** The weights of the set after the sample header's block (one registration changed it). */
  private static final long[] NEXT_WEIGHTS = {1_000, 2_000, 3_000, 4_000, 1_500};

  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] NON_CANONICAL_POINT =
      HEX.parseHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  private static final byte[] IDENTITY_POINT =
      HEX.parseHex("0100000000000000000000000000000000000000000000000000000000000000");

  private TestVectors() {}

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args.length > 0 ? args[0] : "proto/testvectors/v2.json");
    String json = render();
    Files.writeString(out, json, StandardCharsets.UTF_8);
    System.out.println("wrote " + json.length() + " bytes of test vectors to " + out);
  }

  /** The seed of test key {@code i}: SHA-256 of "timecoin test vector key i". */
  public static Ed25519KeyPair key(int i) {
    return Ed25519KeyPair.fromSeed(Sha256.hash(utf8("timecoin test vector key " + i)));
  }

  /** The whole file. */
  public static String render() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("format", "timecoin-test-vectors/2");
    root.put("chain_id", CHAIN_ID);
    root.put("keys", keys());
    root.put("structures", structures());
    root.put("signed_vote", signedVote());
    root.put("certificates", certificates());
    root.put("signature_checks", signatureChecks());
    root.put("merkle_roots", merkleRoots());
    root.put("witness_roots", witnessRoots());
    root.put("genesis_block", genesisBlock());
    root.put("subsidy", subsidy());
    root.put("proposers", proposers());
    root.put("ed25519", Ed25519Cases.cases());
    root.put("fees", FeeVectors.fees());
    return Json.write(root);
  }

  private static List<Object> keys() {
    List<Object> keys = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Ed25519KeyPair k = key(i);
      Address address = Address.of(k.publicKey());
      keys.add(
          map(
              "seed", HEX.formatHex(k.seed()),
              "public_key", k.publicKey().toHex(),
              "address", HEX.formatHex(address.bytes()),
              "address_mainnet", address.toBech32m(Address.MAINNET_CHAIN_ID),
              "address_testnet", address.toBech32m(CHAIN_ID)));
    }
    return keys;
  }

  private static List<Object> structures() {
    List<Object> out = new ArrayList<>();
    Vote prepare = vote(VoteType.VOTE_TYPE_PREPARE, 7, 1, sha("block 7"));
    out.add(structure("vote/prepare", "VOTE", ProtoJson.of(prepare), CanonicalBytes.vote(prepare)));
    Vote nilPrecommit = vote(VoteType.VOTE_TYPE_PRECOMMIT, 7, 2, Hashes.NIL);
    out.add(
        structure(
            "vote/precommit-nil",
            "VOTE",
            ProtoJson.of(nilPrecommit),
            CanonicalBytes.vote(nilPrecommit)));

    BlockHeader header = header();
    out.add(structure("header", "HEADER", ProtoJson.of(header), CanonicalBytes.header(header)));
    for (int validRound : new int[] {-1, 3}) {
      Proposal p =
          Proposal.newBuilder()
              .setChainId(CHAIN_ID)
              .setHeight(header.getHeight())
              .setRound(4)
              .setValidRound(validRound)
              .setBlock(Block.newBuilder().setHeader(header))
              .build();
      out.add(
          structure(
              "proposal/valid_round=" + validRound,
              "PROPOSAL",
              ProtoJson.of(p),
              CanonicalBytes.proposal(p)));
    }

    for (Transaction tx : transactions()) {
      String name =
          "tx/" + tx.getKind().name().substring("TRANSACTION_KIND_".length()).toLowerCase();
      out.add(structure(name, "TX", ProtoJson.of(tx), CanonicalBytes.transaction(tx)));
    }
    for (Transaction tx : transactions()) {
      String name =
          "txw/" + tx.getKind().name().substring("TRANSACTION_KIND_".length()).toLowerCase();
      out.add(
          structure(name, "TXW", ProtoJson.of(tx), CanonicalBytes.transactionWithWitnesses(tx)));
    }
    ChainParams params = chainParams();
    out.add(
        structure(
            "params",
            "PARAMS",
            map("chain_id", CHAIN_ID, "params", ProtoJson.of(params)),
            CanonicalBytes.params(CHAIN_ID, params)));
    byte[] txid = Hashes.transaction(transfer()).toByteArray();
    out.add(
        structure(
            "txsig/transfer",
            "TXSIG",
            map("chain_id", CHAIN_ID, "txid", HEX.formatHex(txid)),
            CanonicalBytes.transactionSignature(CHAIN_ID, txid)));

    ValidatorSet set = validatorSet(new long[] {1_000, 2_000, 3_000, 4_000});
    out.add(
        structure("validator_set", "VALSET", ProtoJson.of(set), CanonicalBytes.validatorSet(set)));
    ValidatorSet next = validatorSet(NEXT_WEIGHTS);
    out.add(
        structure(
            "validator_set/next", "VALSET", ProtoJson.of(next), CanonicalBytes.validatorSet(next)));
    FinalityCertificate cert = certificate(new int[] {0, 2, 3});
    out.add(structure("certificate", "CERT", ProtoJson.of(cert), CanonicalBytes.certificate(cert)));

    Hello hello =
        Hello.newBuilder()
            .setChainId(CHAIN_ID)
            .setGenesisHash(sha("genesis"))
            .setProtocolVersion(ProtocolVersion.PEER)
            .setNodeKey(pub(0))
            .setHeight(42)
            .setNonce(ByteString.copyFrom(HEX.parseHex("000102030405060708090a0b0c0d0e0f")))
            .setPeerNonce(ByteString.copyFrom(HEX.parseHex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")))
            .build();
    out.add(structure("hello", "HELLO", ProtoJson.of(hello), CanonicalBytes.hello(hello)));

    out.add(
        structure(
            "proposer_seed",
            "PROPOSER",
            map("chain_id", CHAIN_ID, "height", "8", "round", 2),
            CanonicalBytes.proposerSeed(CHAIN_ID, 8, 2)));
    return out;
  }

  private static Map<String, Object> signedVote() {
    Ed25519KeyPair signer = key(1);
    Vote unsigned =
        vote(VoteType.VOTE_TYPE_PRECOMMIT, 7, 1, sha("block 7")).toBuilder()
            .setValidator(pub(1))
            .build();
    byte[] bytes = CanonicalBytes.vote(unsigned);
    byte[] signature = signer.sign(bytes);
    Vote signed = unsigned.toBuilder().setSignature(ByteString.copyFrom(signature)).build();
    return map(
        "signer_seed",
        HEX.formatHex(signer.seed()),
        "vote",
        ProtoJson.of(signed),
        "bytes",
        HEX.formatHex(bytes),
        "signature",
        HEX.formatHex(signature));
  }

  private static List<Object> certificates() {
    List<Object> out = new ArrayList<>();
    ValidatorSet set =
        validatorSet(new long[] {1_000, 2_000, 3_000, 4_000}).toBuilder().setHeight(7).build();
    for (int[] signers : new int[][] {{0, 2, 3}, {1, 3}}) {
      FinalityCertificate cert = certificate(signers);
      long total = 0;
      long signed = 0;
      for (Validator v : set.getValidatorsList()) {
        total += v.getWeight();
        for (CertificateSignature s : cert.getSignaturesList()) {
          if (s.getValidator().equals(v.getKey())) {
            signed += v.getWeight();
          }
        }
      }
      out.add(
          map(
              "chain_id", CHAIN_ID,
              "validator_set", ProtoJson.of(set),
              "certificate", ProtoJson.of(cert),
              "bytes", HEX.formatHex(CanonicalBytes.certificate(cert)),
              "hash", hex(Hashes.certificate(cert)),
              "signed_weight", Long.toString(signed),
              "total_weight", Long.toString(total),
              "quorum", 3 * signed > 2 * total));
    }
    return out;
  }

  private static List<Object> signatureChecks() {
    Ed25519KeyPair k = key(2);
    byte[] message = utf8("timecoin signature check");
    byte[] sig = k.sign(message);
    byte[] pk = k.publicKey().bytes();
    List<Object> out = new ArrayList<>();
    out.add(check("valid", pk, message, sig, true));
    out.add(check("flipped bit in signature R", pk, message, flip(sig, 0), false));
    out.add(check("flipped bit in signature S", pk, message, flip(sig, 40), false));
    out.add(check("flipped bit in message", pk, flip(message, 3), sig, false));
    out.add(check("flipped bit in public key", flip(pk, 5), message, sig, false));
    out.add(check("non-canonical S (S + L)", pk, message, plusOrder(sig), false));
    byte[] rNotCanonical = sig.clone();
    System.arraycopy(NON_CANONICAL_POINT, 0, rNotCanonical, 0, 32);
    out.add(check("non-canonical R (y = p)", pk, message, rNotCanonical, false));
    out.add(check("non-canonical public key (y = p)", NON_CANONICAL_POINT, message, sig, false));
    out.add(check("small-order public key (the identity)", IDENTITY_POINT, message, sig, false));
    return out;
  }

  private static Map<String, Object> check(
      String name, byte[] pk, byte[] msg, byte[] sig, boolean valid) {
    if (verifies(pk, msg, sig) != valid) {
      throw new IllegalStateException("signature check '" + name + "' does not give " + valid);
    }
    return map(
        "name",
        name,
        "public_key",
        HEX.formatHex(pk),
        "message",
        HEX.formatHex(msg),
        "signature",
        HEX.formatHex(sig),
        "valid",
        valid);
  }

  private static boolean verifies(byte[] pk, byte[] msg, byte[] sig) {
    try {
      return io.timecoin.crypto.Ed25519PublicKey.of(pk).verify(msg, sig);
    } catch (io.timecoin.crypto.InvalidKeyException e) {
      return false;
    }
  }

  private static List<Object> merkleRoots() {
    List<Object> out = new ArrayList<>();
    for (int n : new int[] {0, 1, 2, 3, 5}) {
      List<ByteString> leaves = new ArrayList<>();
      List<Object> hexLeaves = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        leaves.add(sha("tx " + i));
        hexLeaves.add(hex(leaves.get(i)));
      }
      out.add(map("leaves", hexLeaves, "root", hex(MerkleRoot.of(leaves))));
    }
    return out;
  }

  /** witness_root over the first n of the sample transactions, their wtxids in order. */
  private static List<Object> witnessRoots() {
    List<Transaction> txs = transactions();
    List<Object> out = new ArrayList<>();
    for (int n : new int[] {0, 1, 2, 5}) {
      List<Transaction> first = txs.subList(0, n);
      out.add(
          map(
              "transactions",
              first.stream().map(t -> (Object) ProtoJson.of(t)).toList(),
              "txids",
              first.stream().map(t -> (Object) hex(Hashes.transaction(t))).toList(),
              "wtxids",
              first.stream().map(t -> (Object) hex(Hashes.wtxid(t))).toList(),
              "tx_root",
              hex(MerkleRoot.txRoot(first)),
              "witness_root",
              hex(MerkleRoot.witnessRoot(first))));
    }
    return out;
  }

  /**
   * Block 0 of a small genesis (docs/protocol.md 3): its one GENESIS transaction (allocations, then
   * one collateral output per masternode, owner's address), the set of height 1 its masternodes
   * give, and its hash, which commits to every parameter.
   */
  private static Map<String, Object> genesisBlock() {
    Block block = genesis();
    ValidatorSet set = genesisSet(block.getBody().getTransactions(0).getGenesis().getParams());
    return map(
        "block",
        ProtoJson.of(block),
        "validator_set",
        ProtoJson.of(set.toBuilder().setHeight(1).build()),
        "header_bytes",
        HEX.formatHex(CanonicalBytes.header(block.getHeader())),
        "hash",
        hex(Hashes.block(block.getHeader())));
  }

  /** The sample genesis block (also rebuilt by the node's tests from its own genesis code). */
  public static Block genesis() {
    ChainParams params =
        ChainParams.newBuilder()
            .setGenesisTimeMs(1_790_000_000_000L)
            .setBlockIntervalMs(1_000)
            .setProposeMs(1_000)
            .setProposeDeltaMs(500)
            .setPrepareMs(500)
            .setPrepareDeltaMs(250)
            .setPrecommitMs(500)
            .setPrecommitDeltaMs(250)
            .setCapMs(30_000)
            .setMaxBlockTxs(10_000)
            .setMaxBlockBytes(4 << 20)
            .setMaxTxBytes(64 << 10)
            .setMinTxFee(1_000)
            .setMaxValidators(2)
            .setMinFeePerByte(10)
            .setMinOutput(10_000)
            .setRegistrationFee(Units.UNITS_PER_TIME)
            .addMasternodes(masternode(0, 1_000))
            .addMasternodes(masternode(1, 3_000))
            .addMasternodes(
                masternode(2, 3_000)) // max_validators 2: the lighter key 0 waits outside the set
            .build();
    Transaction.Builder tx =
        Transaction.newBuilder()
            .setVersion(ProtocolVersion.TRANSACTION)
            .setKind(TransactionKind.TRANSACTION_KIND_GENESIS)
            .addOutputs(output(50_000 * Units.UNITS_PER_TIME, 3))
            .setGenesis(GenesisPayload.newBuilder().setChainId(CHAIN_ID).setParams(params));
    for (GenesisMasternode m : params.getMasternodesList()) {
      tx.addOutputs(
          TxOutput.newBuilder().setAmount(m.getCollateral()).setAddress(m.getOwnerAddress()));
    }
    List<Transaction> txs = List.of(tx.build());
    ByteString setHash = Hashes.validatorSet(genesisSet(params));
    BlockHeader header =
        BlockHeader.newBuilder()
            .setVersion(ProtocolVersion.BLOCK)
            .setChainId(CHAIN_ID)
            .setHeight(0)
            .setTimestampMs(params.getGenesisTimeMs())
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

  /** A genesis masternode of test key i: it owns its collateral and is paid at its own address. */
  private static GenesisMasternode masternode(int key, long time) {
    return GenesisMasternode.newBuilder()
        .setConsensusKey(pub(key))
        .setOwnerAddress(addr(key))
        .setRewardAddress(addr(key))
        .setCollateral(time * Units.UNITS_PER_TIME)
        .build();
  }

  /**
   * set(1): weight = collateral in whole TIME; the max_validators heaviest with weight > 0, the
   * lower key first among equal weights; written in key order (docs/protocol.md 4.1).
   */
  private static ValidatorSet genesisSet(ChainParams params) {
    Comparator<ByteString> byKey = ByteString.unsignedLexicographicalComparator();
    List<Validator> chosen =
        params.getMasternodesList().stream()
            .map(
                m ->
                    Validator.newBuilder()
                        .setKey(m.getConsensusKey())
                        .setWeight(Long.divideUnsigned(m.getCollateral(), Units.UNITS_PER_TIME))
                        .build())
            .filter(v -> v.getWeight() > 0)
            .sorted(
                Comparator.comparingLong(Validator::getWeight)
                    .reversed()
                    .thenComparing(Validator::getKey, byKey))
            .limit(params.getMaxValidators())
            .sorted(Comparator.comparing(Validator::getKey, byKey))
            .toList();
    return ValidatorSet.newBuilder().addAllValidators(chosen).build();
  }

  /**
   * The parameters of the sample GENESIS transaction and PARAMS structure: distinct values, so a
   * swap shows.
   */
  private static ChainParams chainParams() {
    return ChainParams.newBuilder()
        .setGenesisTimeMs(1_790_000_000_000L)
        .setBlockIntervalMs(600_000)
        .setProposeMs(1_001)
        .setProposeDeltaMs(502)
        .setPrepareMs(503)
        .setPrepareDeltaMs(254)
        .setPrecommitMs(505)
        .setPrecommitDeltaMs(256)
        .setCapMs(30_007)
        .setMaxBlockTxs(10_008)
        .setMaxBlockBytes(4_194_309)
        .setMaxTxBytes(65_546)
        .setMinTxFee(1_011)
        .setMaxValidators(112)
        .setMinFeePerByte(13)
        .setMinOutput(10_014)
        .setRegistrationFee(100_000_015L)
        .addMasternodes(masternode(0, 1_000))
        .addMasternodes(
            GenesisMasternode.newBuilder()
                .setConsensusKey(pub(1))
                .setOwnerAddress(addr(2))
                .setRewardAddress(addr(3))
                .setCollateral(2_500 * Units.UNITS_PER_TIME + 1))
        .build();
  }

  private static List<Object> subsidy() {
    List<Object> out = new ArrayList<>();
    for (long h : new long[] {1, 2, 100, 1_000_000, 1L << 40}) {
      out.add(map("height", Long.toString(h), "units", Long.toString(Subsidy.at(h))));
    }
    return out;
  }

  /**
   * proposer(h, r) of docs/protocol.md 5.1 for a set of unequal weights, over a few heights and
   * rounds.
   */
  private static Map<String, Object> proposers() {
    io.timecoin.protocol.ValidatorSet set =
        io.timecoin.protocol.ValidatorSet.fromProto(
            validatorSet(new long[] {1_000, 2_000, 3_000, 4_000}));
    List<Object> picks = new ArrayList<>();
    for (long h = 8; h <= 9; h++) {
      for (int r = 0; r < 8; r++) {
        picks.add(
            map(
                "height",
                Long.toString(h),
                "round",
                r,
                "proposer",
                hex(set.proposer(CHAIN_ID, h, r).keyBytes())));
      }
    }
    return map(
        "validator_set",
        ProtoJson.of(set.toProto().toBuilder().clearHeight().build()),
        "chain_id",
        CHAIN_ID,
        "picks",
        picks);
  }

  // ---- the sample structures ----

  private static Vote vote(VoteType type, long height, int round, ByteString blockHash) {
    return Vote.newBuilder()
        .setChainId(CHAIN_ID)
        .setType(type)
        .setHeight(height)
        .setRound(round)
        .setBlockHash(blockHash)
        .build();
  }

  private static BlockHeader header() {
    return BlockHeader.newBuilder()
        .setVersion(ProtocolVersion.BLOCK)
        .setChainId(CHAIN_ID)
        .setHeight(8)
        .setTimestampMs(1_790_000_000_000L)
        .setPrevHash(sha("block 7"))
        .setTxRoot(MerkleRoot.txRoot(transactions()))
        .setWitnessRoot(MerkleRoot.witnessRoot(transactions()))
        .setLastCertificateHash(Hashes.certificate(certificate(new int[] {0, 2, 3})))
        .setValidatorSetHash(
            Hashes.validatorSet(validatorSet(new long[] {1_000, 2_000, 3_000, 4_000})))
        .setNextValidatorSetHash(Hashes.validatorSet(validatorSet(NEXT_WEIGHTS)))
        .setProposer(pub(3))
        .build();
  }

  private static List<Transaction> transactions() {
    Transaction genesis =
        Transaction.newBuilder()
            .setVersion(ProtocolVersion.TRANSACTION)
            .setKind(TransactionKind.TRANSACTION_KIND_GENESIS)
            .addOutputs(output(5_000 * Units.UNITS_PER_TIME, 0))
            .addOutputs(output(2_500 * Units.UNITS_PER_TIME, 1))
            .setGenesis(GenesisPayload.newBuilder().setChainId(CHAIN_ID).setParams(chainParams()))
            .build();
    Transaction register =
        signed(
            Transaction.newBuilder()
                .setVersion(ProtocolVersion.TRANSACTION)
                .setKind(TransactionKind.TRANSACTION_KIND_REGISTER_MASTERNODE)
                .addInputs(input(sha("funding"), 0))
                .addOutputs(output(9_999_000L, 1))
                .setRegisterMasternode(
                    RegisterMasternodePayload.newBuilder()
                        .setCollateral(OutPoint.newBuilder().setTxid(sha("collateral")).setIndex(1))
                        .setConsensusKey(pub(2))
                        .setRewardAddress(addr(2))),
            new int[] {1},
            new int[] {1, 2});
    Transaction deregister =
        signed(
            Transaction.newBuilder()
                .setVersion(ProtocolVersion.TRANSACTION)
                .setKind(TransactionKind.TRANSACTION_KIND_DEREGISTER_MASTERNODE)
                .addInputs(input(sha("fee"), 3))
                .addOutputs(output(9_990_000L, 1))
                .setDeregisterMasternode(
                    DeregisterMasternodePayload.newBuilder().setConsensusKey(pub(2))),
            new int[] {1},
            new int[] {1});
    Transaction reward =
        Transaction.newBuilder()
            .setVersion(ProtocolVersion.TRANSACTION)
            .setKind(TransactionKind.TRANSACTION_KIND_REWARD)
            .addOutputs(output(1_000_000_000L, 3))
            .addOutputs(output(9_000_000_000L, 0))
            .setReward(RewardPayload.newBuilder().setHeight(8))
            .build();
    return List.of(reward, genesis, transfer(), register, deregister);
  }

  private static Transaction transfer() {
    return signed(
        Transaction.newBuilder()
            .setVersion(ProtocolVersion.TRANSACTION)
            .setKind(TransactionKind.TRANSACTION_KIND_TRANSFER)
            .addInputs(input(sha("genesis tx"), 0))
            .addInputs(input(sha("genesis tx"), 1))
            .addOutputs(output(1_250 * Units.UNITS_PER_TIME, 2))
            .addOutputs(output(6_249 * Units.UNITS_PER_TIME, 0)),
        new int[] {0, 1},
        new int[0]);
  }

  /** Signs each input with key inputKeys[i] and adds a kind witness for each of kindKeys. */
  private static Transaction signed(Transaction.Builder tx, int[] inputKeys, int[] kindKeys) {
    byte[] message =
        CanonicalBytes.transactionSignature(CHAIN_ID, Hashes.transaction(tx.build()).toByteArray());
    for (int i = 0; i < inputKeys.length; i++) {
      tx.getInputsBuilder(i).setWitness(witness(inputKeys[i], message));
    }
    for (int k : kindKeys) {
      tx.addKindWitnesses(witness(k, message));
    }
    return tx.build();
  }

  private static Witness witness(int key, byte[] message) {
    return Witness.newBuilder()
        .setPublicKey(pub(key))
        .setSignature(ByteString.copyFrom(key(key).sign(message)))
        .build();
  }

  private static TxInput input(ByteString txid, int index) {
    return TxInput.newBuilder()
        .setOutpoint(OutPoint.newBuilder().setTxid(txid).setIndex(index))
        .build();
  }

  private static TxOutput output(long amount, int key) {
    return TxOutput.newBuilder().setAmount(amount).setAddress(addr(key)).build();
  }

  private static ValidatorSet validatorSet(long[] weights) {
    List<Validator> validators = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      validators.add(Validator.newBuilder().setKey(pub(i)).setWeight(weights[i]).build());
    }
    validators.sort(
        Comparator.comparing(Validator::getKey, ByteString.unsignedLexicographicalComparator()));
    return ValidatorSet.newBuilder().addAllValidators(validators).build();
  }

  /** A certificate for the header's block at height 7, round 1, signed by the given test keys. */
  private static FinalityCertificate certificate(int[] signers) {
    ByteString blockHash = sha("block 7");
    byte[] precommit = CanonicalBytes.vote(CHAIN_ID, VoteType.VOTE_TYPE_PRECOMMIT, 7, 1, blockHash);
    List<CertificateSignature> sigs = new ArrayList<>();
    for (int i : signers) {
      sigs.add(
          CertificateSignature.newBuilder()
              .setValidator(pub(i))
              .setSignature(ByteString.copyFrom(key(i).sign(precommit)))
              .build());
    }
    sigs.sort(
        Comparator.comparing(
            CertificateSignature::getValidator, ByteString.unsignedLexicographicalComparator()));
    return FinalityCertificate.newBuilder()
        .setHeight(7)
        .setRound(1)
        .setBlockHash(blockHash)
        .addAllSignatures(sigs)
        .build();
  }

  // ---- small helpers ----

  private static ByteString pub(int i) {
    return ByteString.copyFrom(key(i).publicKey().bytes());
  }

  private static ByteString addr(int i) {
    return ByteString.copyFrom(Address.of(key(i).publicKey()).bytes());
  }

  private static ByteString sha(String s) {
    return ByteString.copyFrom(Sha256.hash(utf8(s)));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String hex(ByteString b) {
    return HEX.formatHex(b.toByteArray());
  }

  private static byte[] flip(byte[] in, int index) {
    byte[] out = in.clone();
    out[index] ^= 0x01;
    return out;
  }

  /** The same signature with S replaced by S + L: it passes a lax check of the equation alone. */
  static byte[] plusOrder(byte[] sig) {
    byte[] order = HEX.parseHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
    byte[] out = sig.clone();
    int carry = 0;
    for (int i = 0; i < 32; i++) {
      int sum = (sig[32 + i] & 0xff) + (order[i] & 0xff) + carry;
      out[32 + i] = (byte) sum;
      carry = sum >>> 8;
    }
    return out;
  }

  private static Map<String, Object> structure(
      String name, String domain, Map<String, Object> fields, byte[] bytes) {
    return map(
        "name",
        name,
        "domain",
        "TIMECOIN/v2/" + domain,
        "fields",
        fields,
        "bytes",
        HEX.formatHex(bytes),
        "sha256",
        HEX.formatHex(Sha256.hash(bytes)));
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
