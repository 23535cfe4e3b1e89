package io.timecoin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.attack.LocalCluster;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.KeyFile;
import io.timecoin.node.BuildInfo;
import io.timecoin.node.Node;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against one running validator (a network of one finalizes by itself): what start and devnet say
 * of a network folder, of options a made devnet would ignore, of a home already running; the
 * metrics page; and the everyday client commands, --json included.
 */
class RunningNodeCommandsTest {
  @TempDir Path tmp;

  private final TimedRun run = new TimedRun();

  private String oneLine() {
    String err = run.err.toString().strip();
    assertEquals(1, err.lines().count(), err);
    assertFalse(err.contains("Exception"), err);
    run.err.getBuffer().setLength(0);
    return err;
  }

  @Test
  void aNetworkFolderARunningHomeTheMetricsAndTheEverydayCommands() throws Exception {
    int base = LocalCluster.freeBase(1);
    Path net = tmp.resolve("devnet");
    assertEquals(
        0,
        run.timed(
            "init",
            "--validators",
            "1",
            "--home",
            net.toString(),
            "--base-port",
            Integer.toString(base),
            "--block-interval-ms",
            "200"),
        run.err.toString());

    assertEquals(1, run.timed("start", "--home", net.toString()));
    String line = oneLine();
    assertTrue(
        line.startsWith(
            "timed start: "
                + net
                + " is a network folder, not a node's home; start one of its nodes"
                + " (node-0): timed start --home "
                + net.resolve("node-0")),
        line);

    assertEquals(
        1,
        run.timed("devnet", "--home", net.toString(), "--validators", "7", "--base-port", "27150"));
    line = oneLine();
    assertTrue(
        line.startsWith(
            "timed devnet: "
                + net
                + " already holds a devnet of 1 validators on base port "
                + base
                + " (200 ms blocks), which would ignore --validators 7, --base-port 27150"),
        line);

    Node node = Node.start("node-0", net.resolve("node-0"));
    try {
      assertEquals(1, run.timed("devnet", "--home", net.toString()));
      line = oneLine();
      assertTrue(
          line.startsWith(
              "timed devnet: the devnet in "
                  + net
                  + " is already running (lock held by this process, pid "
                  + ProcessHandle.current().pid()
                  + " on "
                  + net.resolve("node-0/data/chain/LOCK")
                  + ")"),
          line);
      assertFalse(run.out.toString().contains("stopped at height"), run.out.toString());
      assertEquals(1, run.timed("start", "--home", net.resolve("node-0").toString()));
      assertTrue(
          oneLine()
              .startsWith(
                  "timed start: " + net.resolve("node-0") + " is already running (lock held by"));

      String metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (base + 2) + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertFalse(
          Pattern.compile("^# HELP \\S+ *$", Pattern.MULTILINE).matcher(metrics).find(),
          "every metric has a HELP text:\n" + metrics);
      assertTrue(
          metrics.contains("timed_build_info{version=\"" + BuildInfo.version() + "\"} 1"), metrics);
      assertFalse(BuildInfo.version().equals("unknown"));
      for (String jvm :
          new String[] {
            "jvm_memory_used_bytes",
            "jvm_gc_",
            "process_cpu_usage",
            "process_uptime_seconds",
            "process_files_open_files"
          }) {
        assertTrue(metrics.contains(jvm), jvm);
      }

      String target = Integer.toString(base + 1); // a bare port
      run.out.getBuffer().setLength(0);
      assertEquals(
          0, run.timed("client", "status", "--target", target, "--json"), run.err.toString());
      assertTrue(
          run.out.toString().startsWith("{\"chain_id\":\"timecoin-devnet\",\"genesis_hash\":"),
          run.out.toString());

      Path alice = tmp.resolve("alice.key");
      assertEquals(0, run.timed("keygen", "--out", alice.toString()));
      String to = Address.of(KeyFile.read(alice).publicKey()).toBech32m("timecoin-devnet");
      run.out.getBuffer().setLength(0);
      assertEquals(
          0,
          run.timed(
              "client",
              "faucet",
              "--home",
              net.toString(),
              "--to",
              to,
              "--amount",
              "2.5",
              "--target",
              target,
              "--json"),
          run.err.toString());
      Matcher sent =
          Pattern.compile(
                  "^\\{\"txid\":\"([0-9a-f]{64})\",.*\"amount_units\":250000000,\"fee_units\":(\\d+),"
                      + "\"final_height\":(\\d+)")
              .matcher(run.out.toString());
      assertTrue(sent.find(), run.out.toString());
      assertTrue(Long.parseLong(sent.group(2)) >= 1_000, sent.group(2));

      run.out.getBuffer().setLength(0);
      assertEquals(
          0, run.timed("client", "tx", sent.group(1), "--target", target), run.err.toString());
      assertTrue(
          run.out.toString().contains("status  final at height " + sent.group(3)),
          run.out.toString());
      assertTrue(run.out.toString().contains(to + "  2.50000000 TIME"), run.out.toString());

      run.out.getBuffer().setLength(0);
      assertEquals(
          0, run.timed("client", "balance", to, "--target", target, "--json"), run.err.toString());
      assertTrue(
          run.out
              .toString()
              .startsWith("{\"address\":\"" + to + "\",\"balance_units\":250000000,\"unspent\":1"),
          run.out.toString());

      run.out.getBuffer().setLength(0);
      assertEquals(
          0, run.timed("client", "masternodes", "--target", target, "--json"), run.err.toString());
      assertTrue(run.out.toString().startsWith("{\"consensus_key\":"), run.out.toString());

      assertEquals(
          1,
          run.timed(
              "client",
              "send",
              "--from",
              alice.toString(),
              "--to",
              to,
              "--amount",
              "1000",
              "--target",
              target));
      assertTrue(
          oneLine()
              .startsWith(
                  "timed client send: insufficient funds: " + to + " holds 2.50000000 TIME"));
      assertEquals(1, run.timed("client", "balance", "timet1bogus", "--target", target));
      assertTrue(oneLine().startsWith("timed client balance: not a bech32m address"));
      assertEquals(
          1,
          run.timed(
              "client",
              "faucet",
              "--home",
              net.toString(),
              "--to",
              "time1bogus",
              "--amount",
              "1",
              "--target",
              target));
      assertTrue(oneLine().startsWith("timed client faucet: --to: not a bech32m address"));
      assertEquals(
          1,
          run.timed(
              "client",
              "faucet",
              "--home",
              net.toString(),
              "--to",
              to,
              "--amount",
              "0.00000001",
              "--target",
              target));
      assertEquals(
          "timed client faucet: --amount 0.00000001 is below the least output, 0.00010000 TIME (10000 units)",
          oneLine());
    } finally {
      node.close();
    }
  }
}
