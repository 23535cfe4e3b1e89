package io.timecoin.cli;

import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.node.config.NodeConfig;
import io.timecoin.node.tls.Certificates;
import io.timecoin.protocol.Units;
import io.timecoin.storage.FileSignerRecordStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code timed init --validators N --home DIR}: a local network on 127.0.0.1, one home directory
 * per validator ({@code DIR/node-i}: keys, config.json, genesis.json), the shared genesis also as
 * {@code DIR/genesis.json}, and a funded faucet key {@code DIR/faucet.key}.
 */
@Command(
    name = "init",
    description = "Create the home directories and genesis of a local network of validators.")
public final class InitCommand extends CliCommand {
  /** Each validator's collateral: 100,000 TIME, the Gold tier. */
  static final long COLLATERAL = 100_000 * Units.UNITS_PER_TIME;

  /** The faucet's genesis balance, so that wallets can send TIME on a devnet: 1,000,000 TIME. */
  static final long FAUCET_AMOUNT = 1_000_000 * Units.UNITS_PER_TIME;

  /** More validators than the default max_validators would leave some of them out of the set. */
  static final int MAX_VALIDATORS = Genesis.DEFAULT_MAX_VALIDATORS;

  @Option(
      names = "--validators",
      required = true,
      paramLabel = "N",
      description = "How many validators (1 to 100).")
  int validators;

  @Option(
      names = "--home",
      required = true,
      paramLabel = "DIR",
      description = "Where to create node-0 .. node-(N-1).")
  Path home;

  @Option(
      names = "--chain-id",
      paramLabel = "ID",
      defaultValue = Genesis.DEFAULT_CHAIN_ID,
      description = "The chain id (default ${DEFAULT-VALUE}).")
  String chainId;

  @Option(
      names = "--base-port",
      paramLabel = "PORT",
      defaultValue = "24100",
      description =
          "Node i serves peers on PORT+10i, clients on PORT+10i+1, metrics on PORT+10i+2 (default ${DEFAULT-VALUE}).")
  int basePort;

  @Option(
      names = "--block-interval-ms",
      paramLabel = "MS",
      defaultValue = "1000",
      description = "The TSDC slot: the least time between blocks (default ${DEFAULT-VALUE}).")
  long blockIntervalMs;

  @Option(
      names = "--standby",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Also make N nodes that are not in the genesis set (full nodes, ready to register as masternodes):"
              + " node-V .. node-(V+N-1), each owner funded with one collateral in genesis (default ${DEFAULT-VALUE}).")
  int standby;

  @Option(
      names = "--tls",
      description = "Make a CA and a certificate per node, and turn TLS on for both ports.")
  boolean tls;

  @Override
  protected void run() throws IOException {
    checkOptions();
    Path genesisPath = home.resolve(GenesisFile.FILE_NAME);
    if (Files.exists(genesisPath)) {
      throw new UserError(
          home
              + " already holds a network ("
              + genesisPath
              + "). To start over, stop its nodes and "
              + "delete it (rm -r "
              + home
              + "), then run init again.");
    }
    for (int i = 0; i < validators + standby; i++) {
      if (Files.exists(nodeHome(i))) {
        // An earlier init that stopped halfway: DIR/genesis.json is written last.
        throw new UserError(
            nodeHome(i)
                + " already exists. To start over, delete "
                + home
                + " (rm -r "
                + home
                + "), then run init again.");
      }
    }

    // Keys first: each node's consensus key and the owner key of its collateral.
    Files.createDirectories(home);
    List<Ed25519KeyPair> consensusKeys = new ArrayList<>();
    List<Genesis.Masternode> masternodes = new ArrayList<>();
    List<Genesis.Allocation> allocations =
        new ArrayList<>(); // the standby owners' collaterals-to-be
    for (int i = 0; i < validators + standby; i++) {
      Path keys = nodeHome(i).resolve("keys");
      Files.createDirectories(
          keys, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Ed25519KeyPair consensus = Ed25519KeyPair.generate();
      Ed25519KeyPair owner = Ed25519KeyPair.generate();
      KeyFile.write(keys.resolve("validator.key"), consensus);
      KeyFile.write(keys.resolve("owner.key"), owner);
      Address ownerAddress = Address.of(owner.publicKey());
      if (i < validators) {
        masternodes.add(
            new Genesis.Masternode(consensus.publicKey(), ownerAddress, ownerAddress, COLLATERAL));
      } else {
        allocations.add(new Genesis.Allocation(ownerAddress, COLLATERAL));
      }
      consensusKeys.add(consensus);
      owner.destroy();
    }
    Ed25519KeyPair faucet = Ed25519KeyPair.generate();
    Path faucetPath = home.resolve("faucet.key");
    KeyFile.write(faucetPath, faucet);
    Address faucetAddress = Address.of(faucet.publicKey());
    faucet.destroy();

    Genesis genesis =
        Genesis.withDefaults(
            chainId,
            System.currentTimeMillis(),
            blockIntervalMs,
            masternodes,
            concat(List.of(new Genesis.Allocation(faucetAddress, FAUCET_AMOUNT)), allocations));
    Certificates authority = tls ? Certificates.newAuthority(home.resolve("tls"), chainId) : null;
    for (int i = 0; i < validators + standby; i++) {
      List<String> peers = new ArrayList<>();
      for (int j = 0; j < validators; j++) {
        if (j != i) {
          peers.add(endpoint(j, 0));
        }
      }
      if (tls) {
        authority.issue(nodeHome(i).resolve(NodeConfig.DEFAULT_TLS_DIR), "node-" + i);
      }
      NodeConfig config =
          new NodeConfig(
              "node-" + i,
              endpoint(i, 0),
              endpoint(i, 1),
              endpoint(i, 2),
              peers,
              NodeConfig.DEFAULT_DATA_DIR,
              NodeConfig.DEFAULT_KEY_FILE,
              tls ? NodeConfig.DEFAULT_TLS_DIR : "");
      config.write(nodeHome(i).resolve(NodeConfig.FILE_NAME));
      FileSignerRecordStore.createNew(
          config.dataDir(nodeHome(i))); // a new key has signed nothing: its record starts empty
      GenesisFile.write(nodeHome(i).resolve(GenesisFile.FILE_NAME), genesis);
    }
    GenesisFile.write(genesisPath, genesis); // last: its presence means a complete init

    PrintWriter print = out();
    print.println(
        "Initialized "
            + chainId
            + " with "
            + validators
            + " validator"
            + (validators == 1 ? "" : "s")
            + " in "
            + home);
    print.println("  genesis hash  " + HexFormat.of().formatHex(genesis.hash().toByteArray()));
    print.println(
        "  faucet        "
            + faucetAddress.toBech32m(chainId)
            + " holds "
            + Units.format(FAUCET_AMOUNT)
            + " TIME (key "
            + faucetPath
            + ")");
    for (int i = 0; i < validators + standby; i++) {
      print.println(
          "  node-"
              + i
              + "  client "
              + endpoint(i, 1)
              + "  (peers "
              + endpoint(i, 0)
              + ", metrics "
              + endpoint(i, 2)
              + ", key "
              + consensusKeys.get(i).publicKey().toHex().substring(0, 16)
              + "...)"
              + (i >= validators ? " standby: not in the genesis set" : ""));
      consensusKeys.get(i).destroy();
    }
    print.flush();
  }

  private void checkOptions() {
    if (validators < 1 || validators > MAX_VALIDATORS) {
      throw new UserError(
          "--validators must be from 1 to " + MAX_VALIDATORS + ", got " + validators);
    }
    long lastPort = (long) basePort + 10L * (validators + standby - 1) + 2;
    if (basePort < 1 || lastPort > 65_535) {
      throw new UserError(
          "--base-port "
              + basePort
              + " with "
              + (validators + standby)
              + " nodes needs ports up to "
              + lastPort
              + "; ports go from 1 to 65535");
    }
    if (standby < 0 || validators + standby > MAX_VALIDATORS) {
      throw new UserError(
          "--standby must be from 0 to " + (MAX_VALIDATORS - validators) + ", got " + standby);
    }
    if (blockIntervalMs < 0) {
      throw new UserError("--block-interval-ms must not be negative, got " + blockIntervalMs);
    }
    Genesis.checkChainId(chainId);
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private Path nodeHome(int i) {
    return home.resolve("node-" + i);
  }

  /** Node i's address of service {@code offset}: 0 peers, 1 clients, 2 metrics. */
  private String endpoint(int i, int offset) {
    return "127.0.0.1:" + (basePort + 10 * i + offset);
  }
}
