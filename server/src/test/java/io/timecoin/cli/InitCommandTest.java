package io.timecoin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.consensus.signer.RecordKeepingSigner;
import io.timecoin.consensus.signer.SignerRecord;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.node.config.NodeConfig;
import io.timecoin.storage.FileSignerRecordStore;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitCommandTest {
  private static final long TIME = 100_000_000L;

  @TempDir Path tmp;

  private final TimedRun run = new TimedRun();
  private final StringWriter out = run.out;
  private final StringWriter err = run.err;

  private int timed(String... args) {
    return run.timed(args);
  }

  @Test
  void eachHomeHasAnEmptySignerRecordAndOneWhoseRecordWasDeletedDoesNotOpen() throws Exception {
    assertEquals(
        0,
        timed("init", "--validators", "2", "--standby", "1", "--home", tmp.toString()),
        err.toString());
    for (int i = 0; i < 3; i++) {
      Path node = tmp.resolve("node-" + i);
      Path data = NodeConfig.read(node.resolve(NodeConfig.FILE_NAME)).dataDir(node);
      Ed25519KeyPair key = KeyFile.read(node.resolve("keys/validator.key"));
      RecordKeepingSigner signer = new RecordKeepingSigner(key, new FileSignerRecordStore(data));
      assertEquals(
          SignerRecord.EMPTY,
          signer.record(),
          "node-" + i + " starts with the empty record init made");
    }
    Path node = tmp.resolve("node-0");
    Path data = NodeConfig.read(node.resolve(NodeConfig.FILE_NAME)).dataDir(node);
    Files.delete(data.resolve(FileSignerRecordStore.FILE_NAME));
    Ed25519KeyPair key = KeyFile.read(node.resolve("keys/validator.key"));
    FileSignerRecordStore.MissingSignerRecord e =
        assertThrows(
            FileSignerRecordStore.MissingSignerRecord.class,
            () -> new RecordKeepingSigner(key, new FileSignerRecordStore(data)));
    assertTrue(
        e.getMessage().contains("is missing. Refusing to start")
            && e.getMessage().contains("--new-signer-record"),
        e.getMessage());
  }

  @Test
  void makesFourValidatorHomesWithOneGenesis() throws Exception {
    long before = System.currentTimeMillis();
    assertEquals(0, timed("init", "--validators", "4", "--home", tmp.toString()), err.toString());
    Genesis genesis = GenesisFile.read(tmp.resolve("genesis.json"));
    byte[] genesisBytes = Files.readAllBytes(tmp.resolve("genesis.json"));

    assertEquals("timecoin-devnet", genesis.chainId());
    assertEquals(1_000, genesis.blockIntervalMs());
    assertTrue(
        genesis.genesisTimeMs() >= before && genesis.genesisTimeMs() <= System.currentTimeMillis());
    assertEquals(4, genesis.masternodes().size());
    assertEquals(4, genesis.validatorSet().size());

    for (int i = 0; i < 4; i++) {
      Path node = tmp.resolve("node-" + i);
      assertTrue(
          Files.mismatch(tmp.resolve("genesis.json"), node.resolve("genesis.json")) == -1,
          "node-" + i);
      for (String key : List.of("keys/validator.key", "keys/owner.key")) {
        assertEquals(
            "rw-------",
            PosixFilePermissions.toString(Files.getPosixFilePermissions(node.resolve(key))));
      }
      Ed25519KeyPair validator = KeyFile.read(node.resolve("keys/validator.key"));
      Ed25519KeyPair owner = KeyFile.read(node.resolve("keys/owner.key"));
      Genesis.Masternode m = genesis.masternodes().get(i);
      assertEquals(validator.publicKey(), m.consensusKey());
      assertEquals(Address.of(owner.publicKey()), m.owner());
      assertEquals(m.owner(), m.rewardAddress());
      assertEquals(100_000 * TIME, m.collateral());

      NodeConfig config = NodeConfig.read(node.resolve("config.json"));
      int base = 24_100 + 10 * i;
      assertEquals("node-" + i, config.moniker());
      assertEquals("127.0.0.1:" + base, config.peerListen());
      assertEquals("127.0.0.1:" + (base + 1), config.clientListen());
      assertEquals("127.0.0.1:" + (base + 2), config.metricsListen());
      List<String> others = new ArrayList<>();
      for (int j = 0; j < 4; j++) {
        if (j != i) {
          others.add("127.0.0.1:" + (24_100 + 10 * j));
        }
      }
      assertEquals(others, config.peers());
      assertEquals(node.resolve("keys/validator.key"), config.keyFile(node));
      assertTrue(out.toString().contains("client 127.0.0.1:" + (base + 1)));
    }
    assertTrue(
        Files.mismatch(tmp.resolve("genesis.json"), tmp.resolve("node-3/genesis.json")) == -1);
    assertEquals(genesisBytes.length, Files.size(tmp.resolve("node-0/genesis.json")));

    Ed25519KeyPair faucet = KeyFile.read(tmp.resolve("faucet.key"));
    assertEquals(
        List.of(new Genesis.Allocation(Address.of(faucet.publicKey()), 1_000_000 * TIME)),
        genesis.allocations());
    assertTrue(
        out.toString().contains(HexFormat.of().formatHex(genesis.hash().toByteArray())),
        out.toString());

    // A second init into the same directory is refused, in one line, and changes nothing.
    err.getBuffer().setLength(0);
    assertEquals(1, timed("init", "--validators", "4", "--home", tmp.toString()));
    assertTrue(
        err.toString().startsWith("timed init: " + tmp + " already holds a network"),
        err.toString());
    assertEquals(1, err.toString().strip().lines().count(), err.toString());
    assertEquals(genesis, GenesisFile.read(tmp.resolve("genesis.json")));
  }

  @Test
  void optionsAreChecked() {
    assertEquals(1, timed("init", "--validators", "0", "--home", tmp.toString()));
    assertTrue(err.toString().contains("--validators must be from 1 to 100"), err.toString());
    assertEquals(
        1, timed("init", "--validators", "3", "--home", tmp.toString(), "--base-port", "65520"));
    assertTrue(err.toString().contains("ports go from 1 to 65535"), err.toString());
    assertEquals(
        1, timed("init", "--validators", "1", "--home", tmp.toString(), "--chain-id", "bad id"));
    assertTrue(err.toString().contains("chain_id: 'bad id' is not"), err.toString());
    assertFalse(err.toString().contains("Exception"), err.toString());
    assertFalse(Files.exists(tmp.resolve("node-0")));
    assertEquals(
        2, timed("init", "--home", tmp.toString())); // missing --validators: picocli's usage error
    assertEquals(2, timed());
  }

  @Test
  void oneValidatorWithOtherPortsAndChain() throws Exception {
    assertEquals(
        0,
        timed(
            "init",
            "--validators",
            "1",
            "--home",
            tmp.toString(),
            "--chain-id",
            "timecoin-testnet",
            "--base-port",
            "30000",
            "--block-interval-ms",
            "0"),
        err.toString());
    Genesis genesis = GenesisFile.read(tmp.resolve("node-0/genesis.json"));
    assertEquals("timecoin-testnet", genesis.chainId());
    assertEquals(0, genesis.blockIntervalMs());
    NodeConfig config = NodeConfig.read(tmp.resolve("node-0/config.json"));
    assertEquals("127.0.0.1:30001", config.clientListen());
    assertEquals(List.of(), config.peers());
  }
}
