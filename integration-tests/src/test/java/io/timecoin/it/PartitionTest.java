package io.timecoin.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.attack.DelayRelay;
import io.timecoin.node.config.NodeConfig;
import io.timecoin.proto.v1.NodeServiceGrpc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 2|2 partition through TCP proxies: nothing is final while it lasts; after the heal, blocks are.
 */
class PartitionTest {
  @TempDir Path tmp;

  @Test
  void aTwoTwoPartitionFinalizesNothingAndFinalityResumesAfterTheHeal() throws Exception {
    List<DelayRelay> proxies = new ArrayList<>();
    DelayRelay[][] link = new DelayRelay[4][4]; // link[a][b]: a dials b through it
    try (LocalNetwork net = new LocalNetwork(tmp.resolve("net"), 4, 200)) {
      for (int a = 0; a < 4; a++) {
        List<String> peers = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
          if (a != b) {
            link[a][b] = new DelayRelay(net.basePort + 10 * b);
            proxies.add(link[a][b]);
            peers.add("127.0.0.1:" + link[a][b].port());
          }
        }
        Path config = net.nodeHome(a).resolve("config.json");
        NodeConfig c = NodeConfig.read(config);
        c.withPeers(peers).write(config);
      }
      net.startAll();
      List<NodeServiceGrpc.NodeServiceBlockingStub> clients = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        clients.add(net.client(i));
      }
      LocalNetwork.awaitHeight(clients, 5, 90);

      for (int a = 0; a < 4; a++) {
        for (int b = 0; b < 4; b++) {
          if (a != b && (a < 2) != (b < 2)) {
            link[a][b].cut();
          }
        }
      }
      long atCut = LocalNetwork.highestHeight(clients);
      Thread.sleep(12_000);
      long during = LocalNetwork.highestHeight(clients);
      // a block whose precommits were already on their way may still complete: one at most
      assertTrue(
          during <= atCut + 1,
          "no side of a 2|2 split is more than two thirds: heights went from "
              + atCut
              + " to "
              + during);

      proxies.forEach(DelayRelay::heal);
      LocalNetwork.awaitHeight(clients, during + 5, 90);
    } finally {
      for (DelayRelay p : proxies) {
        p.close();
      }
    }
  }
}
