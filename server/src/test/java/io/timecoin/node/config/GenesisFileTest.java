package io.timecoin.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MerkleRoot;
import io.timecoin.consensus.statemachine.ConsensusConfig;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.protocol.ValidatorSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenesisFileTest {
  private static final String CHAIN = "timecoin-devnet";
  private static final long TIME = 100_000_000L;

  /**
   * Two masternodes (1,000 and 100,000 TIME) and one allocation: the example of the package docs.
   */
  private static final String VALID =
      """
      {
        "chain_id": "timecoin-devnet",
        "genesis_time_ms": 1790000000000,
        "block_interval_ms": 1000,
        "timeouts": {"propose_ms": 1000, "propose_delta_ms": 500, "prepare_ms": 500, "prepare_delta_ms": 250,
                     "precommit_ms": 500, "precommit_delta_ms": 250, "cap_ms": 30000},
        "max_block_txs": 10000, "max_block_bytes": 4194304, "max_tx_bytes": 65536,
        "min_tx_fee": "1000", "max_validators": 100,
        "masternodes": [
          {"consensus_key": "@K1@", "owner": "@A1@", "reward_address": "@A2@", "collateral": "100000000000"},
          {"consensus_key": "@K2@", "owner": "@A3@", "reward_address": "@A3@", "collateral": "10000000000000"}
        ],
        "allocations": [{"address": "@A4@", "amount": "500000000000000"}]
      }
      """
          .replace("@K1@", key(1).toHex())
          .replace("@K2@", key(2).toHex())
          .replace("@A1@", address(11))
          .replace("@A2@", address(12))
          .replace("@A3@", address(13))
          .replace("@A4@", address(14));

  @TempDir Path tmp;

  static Ed25519PublicKey key(int i) {
    byte[] seed = new byte[32];
    Arrays.fill(seed, (byte) i);
    return Ed25519KeyPair.fromSeed(seed).publicKey();
  }

  static String address(int i) {
    return Address.of(key(i)).toBech32m(CHAIN);
  }

  /**
   * {@code text} with its one occurrence of {@code from} replaced: a test edit that cannot miss.
   */
  private static String edit(String text, String from, String to) {
    int at = text.indexOf(from);
    assertTrue(at >= 0 && text.indexOf(from, at + 1) < 0, "exactly one '" + from + "' in the text");
    return text.substring(0, at) + to + text.substring(at + from.length());
  }

  private static void assertRefused(String json, String field, String problem) {
    GenesisException e = assertThrows(GenesisException.class, () -> GenesisFile.parse(json));
    assertEquals(field, e.field(), e.getMessage());
    assertTrue(
        e.getMessage().contains(problem), "'" + e.getMessage() + "' should say '" + problem + "'");
    assertTrue(e.getMessage().startsWith(field.isEmpty() ? "" : field + ": "), e.getMessage());
  }

  @Test
  void readsTheDocumentedExample() {
    Genesis g = GenesisFile.parse(VALID);
    assertEquals(CHAIN, g.chainId());
    assertEquals(1_790_000_000_000L, g.genesisTimeMs());
    assertEquals(ConsensusConfig.Timeouts.DEFAULTS, g.timeouts());
    assertEquals(1_000, g.minTxFee());
    assertEquals(
        List.of(
            new Genesis.Masternode(key(1), Address.of(key(11)), Address.of(key(12)), 1_000 * TIME),
            new Genesis.Masternode(
                key(2), Address.of(key(13)), Address.of(key(13)), 100_000 * TIME)),
        g.masternodes());
    assertEquals(
        List.of(new Genesis.Allocation(Address.of(key(14)), 5_000_000 * TIME)), g.allocations());
  }

  @Test
  void writeThenReadGivesAnEqualGenesis() throws Exception {
    Genesis g = GenesisFile.parse(VALID);
    Path file = tmp.resolve("genesis.json");
    GenesisFile.write(file, g);
    assertEquals(g, GenesisFile.read(file));
    String text = Files.readString(file);
    // The documented field order.
    List<String> order =
        List.of(
            "\"chain_id\"",
            "\"genesis_time_ms\"",
            "\"block_interval_ms\"",
            "\"timeouts\"",
            "\"propose_ms\"",
            "\"cap_ms\"",
            "\"max_block_txs\"",
            "\"max_block_bytes\"",
            "\"max_tx_bytes\"",
            "\"min_tx_fee\": \"1000\"",
            "\"max_validators\"",
            "\"masternodes\"",
            "\"consensus_key\"",
            "\"owner\"",
            "\"reward_address\"",
            "\"collateral\": \"100000000000\"",
            "\"allocations\"",
            "\"amount\"");
    for (int i = 1; i < order.size(); i++) {
      assertTrue(
          text.indexOf(order.get(i - 1)) < text.indexOf(order.get(i)),
          order.get(i) + " in\n" + text);
    }
    assertEquals(text, GenesisFile.toJson(GenesisFile.parse(text)));
  }

  @Test
  void leftOutFieldsTakeTheirDefaults() {
    String minimal =
        """
        {"chain_id": "c1", "genesis_time_ms": 0, "timeouts": {"cap_ms": 60000},
         "masternodes": [{"consensus_key": "%s", "owner": "%s", "reward_address": "%s", "collateral": "100000000000"}],
         "allocations": []}
        """
            .formatted(key(1).toHex(), address(2), address(2));
    Genesis g = GenesisFile.parse(minimal);
    assertEquals(1_000, g.blockIntervalMs());
    assertEquals(
        new ConsensusConfig.Timeouts(1_000, 500, 500, 250, 500, 250, 60_000), g.timeouts());
    assertEquals(10_000, g.maxBlockTxs());
    assertEquals(4_194_304, g.maxBlockBytes());
    assertEquals(65_536, g.maxTxBytes());
    assertEquals(1_000, g.minTxFee());
    assertEquals(100, g.maxValidators());
    assertEquals(
        new Genesis(
            "c1",
            0,
            1_000,
            g.timeouts(),
            10_000,
            4 << 20,
            64 << 10,
            1_000,
            10,
            10_000,
            100_000_000,
            100,
            g.masternodes(),
            List.of()),
        g);
  }

  @Test
  void refusesUnknownFieldsAnywhere() {
    assertRefused(
        edit(VALID, "\"max_validators\": 100", "\"max_validators\": 100, \"max_validator\": 7"),
        "max_validator",
        "unknown field");
    assertRefused(
        edit(VALID, "\"cap_ms\": 30000", "\"cap_ms\": 30000, \"commit_ms\": 1"),
        "timeouts.commit_ms",
        "unknown field");
    assertRefused(
        edit(
            VALID,
            "\"collateral\": \"10000000000000\"",
            "\"collateral\": \"10000000000000\", \"tier\": 3"),
        "masternodes[1].tier",
        "unknown field");
    assertRefused(
        edit(
            VALID,
            "\"amount\": \"500000000000000\"",
            "\"amount\": \"500000000000000\", \"memo\": \"x\""),
        "allocations[0].memo",
        "unknown field");
  }

  @Test
  void refusesDuplicateKeys() {
    assertRefused(
        edit(
            VALID,
            "\"block_interval_ms\": 1000,",
            "\"block_interval_ms\": 1000, \"block_interval_ms\": 5,"),
        "block_interval_ms",
        "Duplicate field 'block_interval_ms'");
    assertRefused(
        edit(VALID, "\"cap_ms\": 30000", "\"cap_ms\": 30000, \"cap_ms\": 30000"),
        "timeouts.cap_ms",
        "Duplicate field 'cap_ms'");
  }

  @Test
  void refusesMissingRequiredFields() {
    assertRefused(edit(VALID, "\"chain_id\": \"timecoin-devnet\",", ""), "chain_id", "missing");
    assertRefused(
        edit(VALID, "\"genesis_time_ms\": 1790000000000,", ""), "genesis_time_ms", "missing");
    String noMasternodes =
        VALID.substring(0, VALID.indexOf("\"masternodes\""))
            + VALID.substring(VALID.indexOf("\"allocations\""));
    assertRefused(noMasternodes, "masternodes", "missing");
    String noAllocations = VALID.substring(0, VALID.indexOf(",\n  \"allocations\"")) + "\n}";
    assertRefused(noAllocations, "allocations", "missing");
    assertRefused(
        edit(VALID, "\"owner\": \"" + address(11) + "\", ", ""), "masternodes[0].owner", "missing");
  }

  @Test
  void refusesWrongTypes() {
    assertRefused(
        edit(VALID, "1790000000000", "\"1790000000000\""), "genesis_time_ms", "must be an integer");
    assertRefused(
        edit(VALID, "\"block_interval_ms\": 1000", "\"block_interval_ms\": 1000.5"),
        "block_interval_ms",
        "must be an integer");
    assertRefused(
        edit(VALID, "\"max_validators\": 100", "\"max_validators\": null"),
        "max_validators",
        "must be an integer");
    assertRefused(
        edit(VALID, "\"max_validators\": 100", "\"max_validators\": 0"),
        "max_validators",
        "must be an integer from 1");
    assertRefused(
        edit(VALID, "\"min_tx_fee\": \"1000\"", "\"min_tx_fee\": 1000"),
        "min_tx_fee",
        "decimal string");
    assertRefused(
        edit(VALID, "\"collateral\": \"100000000000\"", "\"collateral\": \"1e11\""),
        "masternodes[0].collateral",
        "decimal string");
    assertRefused(
        edit(VALID, "\"amount\": \"500000000000000\"", "\"amount\": \"18446744073709551616\""),
        "allocations[0].amount",
        "does not fit in 64 bits");
    assertRefused(
        edit(VALID, "\"chain_id\": \"timecoin-devnet\"", "\"chain_id\": 5"),
        "chain_id",
        "must be a string");
    assertRefused(
        VALID.replaceFirst("\"timeouts\": \\{[^}]*}", "\"timeouts\": []"),
        "timeouts",
        "must be an object");
    assertRefused("[]", "", "must be a JSON object");
    assertRefused(VALID + "{}", "", "after the document");
    assertRefused("{\"chain_id\": ", "chain_id", "not valid JSON: Unexpected end-of-input");
  }

  @Test
  void refusesBadKeys() {
    assertRefused(
        edit(VALID, key(1).toHex(), "zz" + key(1).toHex().substring(2)),
        "masternodes[0].consensus_key",
        "64 hex digits");
    assertRefused(
        edit(VALID, key(1).toHex(), key(1).toHex().substring(2)),
        "masternodes[0].consensus_key",
        "64 hex digits");
    // The identity point (small order) and a non-canonical y: hex, but no usable key.
    assertRefused(
        edit(VALID, key(1).toHex(), "01" + "00".repeat(31)),
        "masternodes[0].consensus_key",
        "not a usable Ed25519 public key");
    assertRefused(
        edit(VALID, key(1).toHex(), "ff".repeat(32)),
        "masternodes[0].consensus_key",
        "not a usable Ed25519 public key");
    assertRefused(
        edit(VALID, key(2).toHex(), key(1).toHex()),
        "masternodes[1].consensus_key",
        "already masternodes[0]'s");
  }

  @Test
  void refusesBadAndWrongChainAddresses() {
    assertRefused(
        edit(VALID, "\"owner\": \"" + address(11), "\"owner\": \"" + address(11) + "x"),
        "masternodes[0].owner",
        "not a bech32m address");
    String mainnet = Address.of(key(14)).toBech32m(Address.MAINNET_CHAIN_ID);
    assertRefused(edit(VALID, address(14), mainnet), "allocations[0].address", "is not 'timet'");
    assertRefused(
        edit(
            VALID,
            "\"reward_address\": \"" + address(12),
            "\"reward_address\": \"" + key(12).toHex()),
        "masternodes[0].reward_address",
        "not a bech32m address");
    assertRefused(
        edit(VALID, "\"chain_id\": \"timecoin-devnet\"", "\"chain_id\": \"timecoin devnet\""),
        "chain_id",
        "is not 1 to 64 letters");
  }

  @Test
  void refusesAmountsAgainstTheRules() {
    assertRefused(
        edit(VALID, "\"amount\": \"500000000000000\"", "\"amount\": \"0\""),
        "allocations[0].amount",
        "must be more than 0");
    assertRefused(
        edit(VALID, "\"collateral\": \"100000000000\"", "\"collateral\": \"99999999999\""),
        "masternodes[0].collateral",
        "below the minimum collateral of 1,000 TIME");
    assertRefused(
        edit(VALID, "\"amount\": \"500000000000000\"", "\"amount\": \"18446744073709551615\""),
        "masternodes[0].collateral",
        "more than 2^64-1 units");
    String none =
        VALID.substring(0, VALID.indexOf("\"masternodes\""))
            + "\"masternodes\": [],\n  "
            + VALID.substring(VALID.indexOf("\"allocations\""));
    assertRefused(none, "masternodes", "at least one masternode");
    assertRefused(
        edit(VALID, "\"max_tx_bytes\": 65536", "\"max_tx_bytes\": 4194305"),
        "max_tx_bytes",
        "above max_block_bytes");
    assertRefused(
        edit(VALID, "\"cap_ms\": 30000", "\"cap_ms\": 999"), "timeouts.cap_ms", "at least each");
  }

  @Test
  void aFileErrorNamesTheFile() throws Exception {
    Path file = tmp.resolve("genesis.json");
    Files.writeString(file, edit(VALID, "\"amount\": \"500000000000000\"", "\"amount\": \"0\""));
    GenesisException e = assertThrows(GenesisException.class, () -> GenesisFile.read(file));
    assertEquals(file + ": allocations[0].amount: must be more than 0", e.getMessage());
  }

  @Test
  void blockZeroIsDeterministicAndChecksOut() {
    Genesis g = GenesisFile.parse(VALID);
    Block block = g.block();
    assertEquals(block, GenesisFile.parse(VALID).block());
    assertEquals(g.hash(), Hashes.block(block.getHeader()));

    assertEquals(1, block.getBody().getTransactionsCount());
    assertTrue(!block.getBody().hasLastCertificate());
    Transaction tx = block.getBody().getTransactions(0);
    assertEquals(2, tx.getVersion());
    assertEquals(TransactionKind.TRANSACTION_KIND_GENESIS, tx.getKind());
    assertEquals(CHAIN, tx.getGenesis().getChainId());
    assertEquals(g.chainParams(), tx.getGenesis().getParams());
    assertEquals(2, tx.getGenesis().getParams().getMasternodesCount());
    assertEquals(0, tx.getInputsCount());
    // Allocations first, then the collaterals, each in file order.
    assertEquals(3, tx.getOutputsCount());
    assertEquals(5_000_000 * TIME, tx.getOutputs(0).getAmount());
    assertEquals(bytes(Address.of(key(14))), tx.getOutputs(0).getAddress());
    assertEquals(1_000 * TIME, tx.getOutputs(1).getAmount());
    assertEquals(bytes(Address.of(key(11))), tx.getOutputs(1).getAddress());
    assertEquals(100_000 * TIME, tx.getOutputs(2).getAmount());
    assertEquals(bytes(Address.of(key(13))), tx.getOutputs(2).getAddress());
    assertEquals(Hashes.transaction(tx), g.collateralOutPoint(1).getTxid());
    assertEquals(2, g.collateralOutPoint(1).getIndex());

    BlockHeader h = block.getHeader();
    assertEquals(2, h.getVersion());
    assertEquals(CHAIN, h.getChainId());
    assertEquals(0, h.getHeight());
    assertEquals(1_790_000_000_000L, h.getTimestampMs());
    assertEquals(Hashes.NIL, h.getPrevHash());
    assertEquals(Hashes.NIL, h.getLastCertificateHash());
    assertEquals(Hashes.NIL, h.getProposer());
    assertEquals(MerkleRoot.of(List.of(Hashes.transaction(tx))), h.getTxRoot());
    assertEquals(MerkleRoot.of(List.of(Hashes.wtxid(tx))), h.getWitnessRoot());
    assertEquals(g.validatorSet().hash(), h.getValidatorSetHash());
    assertEquals(
        g.validatorSet().hash(),
        h.getNextValidatorSetHash(),
        "block 0 names set(1) as the next set too");
    io.timecoin.protocol.GenesisBlocks.check(block);

    // Anything in block 0 changes the genesis hash.
    Genesis later = GenesisFile.parse(edit(VALID, "1790000000000", "1790000000001"));
    assertTrue(!later.hash().equals(g.hash()));
  }

  @Test
  void validatorWeightsAreCollateralInWholeTime() {
    // 1,000.5 TIME weighs 1,000: whole TIME, rounded down.
    Genesis g =
        GenesisFile.parse(
            edit(VALID, "\"collateral\": \"100000000000\"", "\"collateral\": \"100050000000\""));
    ValidatorSet set = g.validatorSet();
    assertEquals(1, set.height());
    assertEquals(2, set.size());
    assertEquals(1_000, set.member(bytes(key(1))).weight());
    assertEquals(100_000, set.member(bytes(key(2))).weight());
    assertEquals(101_000, set.totalWeight());
  }

  @Test
  void maxValidatorsKeepsTheHeaviestAndBreaksTiesByKey() {
    String third =
        ",\n    {\"consensus_key\": \"%s\", \"owner\": \"%s\", \"reward_address\": \"%s\", \"collateral\": \"%s\"}";
    String json =
        edit(
            VALID,
            "\"collateral\": \"10000000000000\"}",
            "\"collateral\": \"10000000000000\"}"
                + third.formatted(key(3).toHex(), address(15), address(15), "100000000000")
                + third.formatted(key(4).toHex(), address(16), address(16), "100000000000"));
    json = edit(json, "\"max_validators\": 100", "\"max_validators\": 2");
    // key(1), key(3) and key(4) tie at 1,000 TIME: the lowest of their keys joins key(2) (100,000
    // TIME).
    Ed25519PublicKey lowest =
        List.of(key(1), key(3), key(4)).stream().sorted().findFirst().orElseThrow();
    ValidatorSet set = GenesisFile.parse(json).validatorSet();
    assertEquals(2, set.size());
    assertEquals(100_000, set.member(bytes(key(2))).weight());
    assertEquals(1_000, set.member(bytes(lowest)).weight());
    assertEquals(101_000, set.totalWeight());
  }

  private static ByteString bytes(Address a) {
    return ByteString.copyFrom(a.bytes());
  }

  private static ByteString bytes(Ed25519PublicKey k) {
    return ByteString.copyFrom(k.bytes());
  }
}
