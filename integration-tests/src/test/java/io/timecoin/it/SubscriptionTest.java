package io.timecoin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.attack.DelayRelay;
import io.timecoin.canonical.Hashes;
import io.timecoin.proto.v1.GetBlockRequest;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.sdk.TimeClient;
import io.timecoin.sdk.VerifiedBlock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK's finalized-block subscription through a TCP proxy that the test cuts three times during
 * a run of 100 blocks: the subscriber sees every block exactly once, in order, each certificate
 * checked.
 */
class SubscriptionTest {
  @TempDir Path tmp;

  @Test
  void aSubscriberBehindAProxyCutThreeTimesSeesEveryBlockOnceInOrder() throws Exception {
    try (LocalNetwork net = new LocalNetwork(tmp.resolve("net"), 4, 100);
        DelayRelay proxy = new DelayRelay(net.basePort + 1)) {
      net.startAll();
      List<NodeServiceGrpc.NodeServiceBlockingStub> clients = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        clients.add(net.client(i));
      }
      LocalNetwork.awaitHeight(clients, 1, 90);
      List<VerifiedBlock> seen = new CopyOnWriteArrayList<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      try (TimeClient client =
          TimeClient.builder()
              .target("127.0.0.1:" + proxy.port())
              .deadline(Duration.ofSeconds(5))
              .build()) {
        client
            .subscribeFinalized(1)
            .subscribe(
                new Flow.Subscriber<>() {
                  @Override
                  public void onSubscribe(Flow.Subscription s) {
                    s.request(Long.MAX_VALUE);
                  }

                  @Override
                  public void onNext(VerifiedBlock b) {
                    seen.add(b);
                  }

                  @Override
                  public void onError(Throwable t) {
                    failure.set(t);
                  }

                  @Override
                  public void onComplete() {
                    failure.set(new AssertionError("the subscription completed"));
                  }
                });
        for (int cut = 1; cut <= 3; cut++) {
          awaitDelivered(seen, 25 * cut, failure);
          proxy.cut(); // every connection through the proxy closes; new ones are refused for a
          // second
          Thread.sleep(1_000);
          proxy.heal();
        }
        awaitDelivered(
            seen, 100,
            failure); // (closing the client ends the subscription with CANCELLED: expected)
      }
      for (int i = 0; i < 100; i++) {
        VerifiedBlock b = seen.get(i);
        assertEquals(i + 1, b.height(), "block " + i + " delivered out of order or twice");
        ByteString expected =
            Hashes.block(
                clients
                    .get(1)
                    .getBlock(GetBlockRequest.newBuilder().setHeight(i + 1).build())
                    .getBlock()
                    .getHeader());
        assertEquals(expected, b.hash(), "height " + (i + 1));
      }
      assertTrue(net.log(net.nodeHome(0)).contains("block final"));
    }
  }

  private static void awaitDelivered(
      List<VerifiedBlock> seen, int count, AtomicReference<Throwable> failure)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + 120_000;
    while (seen.size() < count && failure.get() == null && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertNull(failure.get(), () -> "the subscription failed: " + failure.get());
    assertTrue(
        seen.size() >= count, "only " + seen.size() + " blocks delivered, waiting for " + count);
  }
}
