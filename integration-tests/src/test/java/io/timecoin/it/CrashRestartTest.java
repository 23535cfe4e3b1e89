package io.timecoin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.crypto.KeyFile;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.proto.v1.GetStatusResponse;
import io.timecoin.proto.v1.NodeServiceGrpc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A validator killed with SIGKILL: the rest go on; restarted, it catches up and votes, never twice.
 */
class CrashRestartTest {
  @TempDir Path tmp;

  @Test
  void aKilledValidatorCatchesUpAndVotesAgainWithoutEverSigningTwice() throws Exception {
    try (LocalNetwork net = new LocalNetwork(tmp.resolve("net"), 4, 200);
        VoteCollector votes = new VoteCollector()) {
      net.startAll();
      Genesis genesis = GenesisFile.read(net.home.resolve("genesis.json"));
      List<NodeServiceGrpc.NodeServiceBlockingStub> clients = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        clients.add(net.client(i));
      }
      LocalNetwork.awaitHeight(clients, 5, 90);
      for (int i = 0; i < 3; i++) { // the survivors relay the victim's votes too
        votes.listen(genesis.chainId(), genesis.hash(), net.basePort + 10 * i);
      }
      LocalNetwork.awaitHeight(clients, 10, 60);

      net.process(3).destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL
      long atKill = height(clients.get(0));
      LocalNetwork.awaitHeight(
          clients.subList(0, 3), atKill + 10, 60); // three of four still finalize

      ByteString victim =
          ByteString.copyFrom(
              KeyFile.read(net.nodeHome(3).resolve("keys/validator.key")).publicKey().bytes());
      long beforeRestart = height(clients.get(0));
      net.restart(3);
      LocalNetwork.awaitHeight(
          List.of(clients.get(3)), beforeRestart + 5, 90); // caught up past where it stopped
      long deadline = System.currentTimeMillis() + 60_000;
      while (votes.highestVoteOf(victim) <= beforeRestart + 5
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
      }
      assertTrue(
          votes.highestVoteOf(victim) > beforeRestart + 5,
          "the restarted validator votes again: its last vote seen at "
              + votes.highestVoteOf(victim)
              + "\n"
              + net.log(net.nodeHome(3)));
      assertTrue(votes.votesSeen() > 100, "votes were collected: " + votes.votesSeen());
      assertEquals(
          List.of(), votes.conflicts(), "no validator signed two different votes for one slot");
    }
  }

  private static long height(NodeServiceGrpc.NodeServiceBlockingStub c) {
    GetStatusResponse s = LocalNetwork.status(c);
    return s == null ? 0 : s.getFinalizedHeight();
  }
}
