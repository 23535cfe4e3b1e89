package io.timecoin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.cli.TimedCommand;
import io.timecoin.node.config.NodeConfig;
import io.timecoin.proto.v1.GetBlockRequest;
import io.timecoin.proto.v1.NodeServiceGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Four validators as separate processes over loopback gRPC. */
class FourValidatorsTest {
  @TempDir Path tmp;

  @Test
  void fourValidatorsFinalizeTwentyBlocksAndAgreeOnEveryHash() throws Exception {
    try (LocalNetwork net = new LocalNetwork(tmp.resolve("net"), 4, 100)) {
      net.startAll();
      List<NodeServiceGrpc.NodeServiceBlockingStub> clients = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        clients.add(net.client(i));
      }
      LocalNetwork.awaitHeight(clients, 20, 120);
      for (long h = 1; h <= 20; h++) {
        ByteString first = null;
        for (var c : clients) {
          ByteString hash =
              Hashes.block(
                  c.getBlock(GetBlockRequest.newBuilder().setHeight(h).build())
                      .getBlock()
                      .getHeader());
          if (first == null) {
            first = hash;
          }
          assertEquals(first, hash, "height " + h);
        }
      }
    }
  }

  @Test
  void fourValidatorsFinalizeOverMutualTls() throws Exception {
    try (LocalNetwork net = new LocalNetwork(tmp.resolve("tls"), 4, 100, true)) {
      net.startAll();
      List<NodeServiceGrpc.NodeServiceBlockingStub> clients = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        clients.add(net.client(i)); // over TLS, trusting the network's CA
      }
      LocalNetwork.awaitHeight(clients, 10, 90);
      assertTrue(net.log(net.nodeHome(0)).contains("(TLS)"));
    }
  }

  @Test
  void aNodeWithAnotherGenesisIsRefusedWithTheReasonInTheLogs() throws Exception {
    try (LocalNetwork net = new LocalNetwork(tmp.resolve("net"), 4, 200)) {
      net.startAll();
      // a one-validator network of its own, told to dial node-0 of the first
      Path other = tmp.resolve("other");
      int otherBase = net.basePort + 10 * 4;
      assertEquals(
          0,
          new CommandLine(new TimedCommand())
              .execute(
                  "init",
                  "--validators",
                  "1",
                  "--home",
                  other.toString(),
                  "--base-port",
                  Integer.toString(otherBase)));
      Path stranger = other.resolve("node-0");
      NodeConfig c = NodeConfig.read(stranger.resolve("config.json"));
      c.withPeers(List.of("127.0.0.1:" + net.basePort)).write(stranger.resolve("config.json"));
      net.start(stranger);
      long deadline = System.currentTimeMillis() + 60_000;
      boolean refusedByNode0 = false;
      boolean toldWhy = false;
      while (System.currentTimeMillis() < deadline && !(refusedByNode0 && toldWhy)) {
        Thread.sleep(500);
        // each side checks the other's hello: both refuse, and both say why
        refusedByNode0 = net.log(net.nodeHome(0)).contains("GENESIS_MISMATCH");
        toldWhy =
            Files.exists(stranger.resolve("node.log"))
                && net.log(stranger).contains("GENESIS_MISMATCH");
      }
      assertTrue(refusedByNode0, "node-0 logged the refusal:\n" + net.log(net.nodeHome(0)));
      assertTrue(toldWhy, "the stranger logged why the peering failed:\n" + net.log(stranger));
    }
  }
}
