package io.timecoin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.it.conformance.JavaRunner;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.protocol.Fees;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import io.timecoin.sdk.TimeClient;
import io.timecoin.sdk.TrustRoot;
import io.timecoin.sdk.Wallet;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance run (integration-tests/conformance/README.md): one devnet, one scenario, a runner
 * per language; every runner's lines must equal the Java runner's, and the README's feature matrix
 * must be the one this run proves. Runs with {@code -Dtimed.conformance=java,typescript,python,go}
 * (the languages whose runners are built; .ci/run builds all four), and is skipped otherwise, since
 * the other runners need Node, Python and Go, which `mvn verify` does not.
 */
class ConformanceRunTest {
  private static final Path ROOT =
      Path.of(System.getProperty("user.dir")).getParent(); // the repository
  private static final Path SCENARIO = ROOT.resolve("integration-tests/conformance/scenario.json");

  @TempDir Path tmp;

  @Test
  void everyLanguageSeesTheSameChain() throws Exception {
    String languages = System.getProperty("timed.conformance", "");
    assumeTrue(!languages.isBlank(), "-Dtimed.conformance=java,typescript,python,go runs it");
    try (LocalNetwork net = new LocalNetwork(tmp.resolve("net"), 4, 300, false, 1)) {
      net.startAll();
      net.start(net.nodeHome(4)); // the standby masternode the setup registers
      LocalNetwork.awaitHeight(
          List.of(net.client(0), net.client(1), net.client(2), net.client(3)), 2, 90);
      Path setup = setUp(net);

      Map<String, String> outputs = new LinkedHashMap<>();
      Path saved = Files.createDirectories(ROOT.resolve("integration-tests/target/conformance"));
      for (String language : languages.split(",")) {
        outputs.put(language.strip(), run(language.strip(), setup));
        Files.writeString(saved.resolve(language.strip() + ".txt"), outputs.get(language.strip()));
      }
      Files.copy(
          setup, saved.resolve("setup.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      String reference = outputs.values().iterator().next();
      assertTrue(
          reference.lines().count() > 20, "the first runner printed too little:\n" + reference);
      for (var e : outputs.entrySet()) {
        assertEquals(
            reference,
            e.getValue(),
            e.getKey() + " saw another chain than " + outputs.keySet().iterator().next());
      }
      System.out.println(
          "conformance: "
              + outputs.keySet()
              + " printed the same "
              + reference.lines().count()
              + " lines");
      checkMatrix(new ArrayList<>(outputs.keySet()), reference);
    }
  }

  /**
   * Funds alice with three outputs and registers the standby masternode, then writes what the
   * runners need: the target, the genesis hash, alice's inputs (and one that does not exist), the
   * set change.
   */
  private Path setUp(LocalNetwork net) throws Exception {
    Genesis genesis = GenesisFile.read(net.home.resolve("genesis.json"));
    String chain = genesis.chainId();
    String target = "127.0.0.1:" + (net.basePort + 1);
    String genesisHash = HexFormat.of().formatHex(genesis.hash().toByteArray());
    JsonObject scenario =
        com.google.gson.JsonParser.parseString(Files.readString(SCENARIO)).getAsJsonObject();
    Ed25519KeyPair alice =
        Ed25519KeyPair.fromSeed(
            HexFormat.of().parseHex(scenario.getAsJsonObject("keys").get("alice").getAsString()));
    Ed25519KeyPair faucet = KeyFile.read(net.home.resolve("faucet.key"));
    Ed25519KeyPair owner = KeyFile.read(net.nodeHome(4).resolve("keys/owner.key"));
    Ed25519KeyPair consensus = KeyFile.read(net.nodeHome(4).resolve("keys/validator.key"));
    ByteString genesisTxid = Hashes.transaction(genesis.transaction());
    long faucetAmount = genesis.allocations().get(0).amount();
    long each = 10 * Units.UNITS_PER_TIME;

    try (TimeClient client =
        TimeClient.builder().target(target).trustRoot(TrustRoot.genesis(genesisHash)).build()) {
      Transaction.Builder fund =
          Transactions.transfer(
              List.of(OutPoint.newBuilder().setTxid(genesisTxid).setIndex(0).build()),
              List.of(
                  Transactions.output(each, Address.of(alice.publicKey())),
                  Transactions.output(each, Address.of(alice.publicKey())),
                  Transactions.output(each, Address.of(alice.publicKey())),
                  Transactions.output(0, Address.of(faucet.publicKey()))));
      long fee = Fees.DEFAULTS.required(fund.build());
      fund.getOutputsBuilder(3).setAmount(faucetAmount - 3 * each - fee);
      Transaction funding = Transactions.sign(fund, chain, List.of(faucet), List.of());
      ByteString fundingId = client.submit(funding);
      Wallet.awaitFinal(client, fundingId, Duration.ofSeconds(60));

      long left = faucetAmount - 3 * each - fee;
      Transaction register =
          Transactions.sign(
              Transactions.register(
                  List.of(OutPoint.newBuilder().setTxid(fundingId).setIndex(3).build()),
                  List.of(
                      Transactions.output(
                          left - Fees.DEFAULTS.registrationFee(), Address.of(faucet.publicKey()))),
                  OutPoint.newBuilder().setTxid(genesisTxid).setIndex(1).build(),
                  ByteString.copyFrom(consensus.publicKey().bytes()),
                  Address.of(owner.publicKey())),
              chain,
              List.of(faucet),
              List.of(owner, consensus));
      long registeredAt =
          Wallet.awaitFinal(client, client.submit(register), Duration.ofSeconds(60));
      long change =
          registeredAt
              + 1; // the new set votes from the height after its registration (docs/protocol.md
      // 4.1)
      long wanted = change + scenario.get("blocks_after_set_change").getAsLong();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (client.status().getFinalizedHeight() < wanted + 1 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }

      JsonObject setup = new JsonObject();
      setup.addProperty("target", target);
      setup.addProperty("genesis_hash", genesisHash);
      setup.addProperty("set_change_height", change);
      JsonArray inputs = new JsonArray();
      for (int i = 0; i < 4; i++) { // three of alice's, and one that does not exist
        JsonObject in = new JsonObject();
        in.addProperty("txid", HexFormat.of().formatHex(fundingId.toByteArray()));
        in.addProperty("index", i < 3 ? i : 9);
        in.addProperty("amount", Long.toString(each));
        inputs.add(in);
      }
      setup.add("inputs", inputs);
      Path file = tmp.resolve("setup.json");
      Files.writeString(file, setup.toString());
      return file;
    }
  }

  /** One runner's lines. Java runs here; the others as the programs .ci/run built. */
  private String run(String language, Path setup) throws Exception {
    if (language.equals("java")) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
        JavaRunner.run(SCENARIO, setup, out);
      }
      return bytes.toString(StandardCharsets.UTF_8);
    }
    Path dir = ROOT.resolve("integration-tests/conformance/" + language);
    List<String> command =
        switch (language) {
          case "typescript" -> List.of("node", dir.resolve("runner.mjs").toString());
          case "python" ->
              List.of(
                  System.getProperty("timed.python", "python3"),
                  dir.resolve("runner.py").toString());
          case "go" -> List.of("go", "run", ".");
          default ->
              throw new IllegalArgumentException(
                  "no runner for '" + language + "' (java, typescript, python, go)");
        };
    List<String> all = new ArrayList<>(command);
    all.add(SCENARIO.toString());
    all.add(setup.toString());
    Process p =
        new ProcessBuilder(all)
            .directory(dir.toFile())
            .redirectError(tmp.resolve(language + ".err").toFile())
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(300, TimeUnit.SECONDS), language + " runner did not finish");
    assertEquals(
        0,
        p.exitValue(),
        language
            + " runner failed:\n"
            + out
            + "\n"
            + Files.readString(tmp.resolve(language + ".err")));
    return out;
  }

  /**
   * The README's feature matrix between its markers must be the one this run proves: a row per kind
   * of line the scenario prints, a column per language run, each marked because its lines matched.
   */
  private static void checkMatrix(List<String> languages, String reference) throws Exception {
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("block", "Verified subscription from the genesis hash (every block's hash)");
    rows.put("set", "Validator sets derived from the root across a set change");
    rows.put("certificate", "Certificate verdicts (as served and tampered)");
    rows.put("tx", "Transfers built, priced and signed; the node's typed verdicts; awaited final");
    StringBuilder table = new StringBuilder("| feature |");
    languages.forEach(l -> table.append(' ').append(l).append(" |"));
    table.append("\n| --- |");
    languages.forEach(l -> table.append(" --- |"));
    table.append('\n');
    for (var row : rows.entrySet()) {
      if (reference.lines().noneMatch(line -> line.startsWith(row.getKey() + " "))) {
        continue;
      }
      table.append("| ").append(row.getValue()).append(" |");
      languages.forEach(l -> table.append(" yes |"));
      table.append('\n');
    }
    if (!languages.containsAll(List.of("java", "typescript", "python", "go"))) {
      return; // the README's matrix is of all four
    }
    String readme = Files.readString(ROOT.resolve("README.md"));
    String begin = "<!-- conformance matrix: written by ConformanceRunTest -->\n";
    String end = "<!-- end of conformance matrix -->";
    int from = readme.indexOf(begin);
    int to = readme.indexOf(end);
    assertTrue(
        from >= 0 && to > from,
        "README.md has no conformance matrix between its markers; it is:\n" + begin + table + end);
    assertEquals(
        table.toString(),
        readme.substring(from + begin.length(), to),
        "README.md's feature matrix is not the one the conformance run proves");
  }
}
