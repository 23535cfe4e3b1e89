package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.cli.TimedCommand;
import io.timecoin.ledger.TransactionRules;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A running node (one validator, in-process, on 127.0.0.1): what waits in its queues is bounded in
 * bytes; its evidence outlives a restart.
 */
class NodeBudgetTest {
  @TempDir Path tmp;

  private boolean made;

  /** Starts the one validator (its home is made the first time); a fatal failure fails the test. */
  private Node start() throws Exception {
    if (!made) {
      int base;
      try (ServerSocket s = new ServerSocket(0)) { // a free port, and likely the two after it
        base = s.getLocalPort() > 60_000 ? 40_000 + s.getLocalPort() % 10_000 : s.getLocalPort();
      }
      assertEquals(
          0,
          new CommandLine(new TimedCommand())
              .execute(
                  "init",
                  "--validators",
                  "1",
                  "--home",
                  tmp.toString(),
                  "--base-port",
                  Integer.toString(base)));
      made = true;
    }
    return Node.start(
        "node-0",
        tmp.resolve("node-0"),
        (what, cause) -> {
          throw new AssertionError(what, cause);
        });
  }

  @Test
  @Timeout(60)
  void transactionsWaitingForVerificationAreBoundedInBytesAndRefusedAsOverloadedBeyond()
      throws Exception {
    try (Node node = start()) {
      CountDownLatch release = new CountDownLatch(1);
      int threads = Runtime.getRuntime().availableProcessors();
      for (int i = 0;
          i < threads;
          i++) { // every verifier busy: what is submitted now waits in the queue
        node.verifiers.execute(
            () -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
      }
      Transaction big =
          Transaction.newBuilder()
              .addOutputs(
                  TxOutput.newBuilder()
                      .setAmount(1)
                      .setAddress(ByteString.copyFrom(new byte[60_000])))
              .build();
      List<CompletableFuture<TransactionRules.Verdict>> waiting = new ArrayList<>();
      long limit = node.memory.pendingTransactionBytes();
      int fit = (int) (limit / big.getSerializedSize());
      for (int i = 0; i < fit; i++) {
        waiting.add(node.admission.submit(big, null));
      }
      assertTrue(node.admission.pendingBytes.used() <= limit);
      CompletableFuture<TransactionRules.Verdict> refused =
          node.admission.submit(big, null); // 16 MiB wait already: no more
      assertTrue(refused.isCompletedExceptionally(), "refused at once, not queued behind 16 MiB");
      ExecutionException e =
          org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, refused::get);
      assertTrue(
          e.getCause() instanceof IllegalStateException
              && e.getCause().getMessage().contains("the node is overloaded"),
          e.getCause().toString());
      for (CompletableFuture<TransactionRules.Verdict> w : waiting) {
        assertTrue(!w.isDone(), "the ones that fit wait for their verification");
      }
      release.countDown();
      for (CompletableFuture<TransactionRules.Verdict> w : waiting) {
        w.handle((v, t) -> null).get(20, TimeUnit.SECONDS); // a verdict or a refusal, whichever
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (node.admission.pendingBytes.used() != 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(
          0,
          node.admission.pendingBytes.used(),
          "every transaction gives its bytes back, however it ended");
    }
  }

  @Test
  @Timeout(60)
  void listEvidenceReadsTheStoreAfterARestart() throws Exception {
    List<io.timecoin.proto.v1.EquivocationEvidence> reported = new ArrayList<>();
    try (Node node = start()) {
      for (int h = 1; h <= 5; h++) {
        byte[] key = new byte[32];
        key[0] = (byte) h;
        io.timecoin.proto.v1.EquivocationEvidence e =
            io.timecoin.proto.v1.EquivocationEvidence.newBuilder()
                .setValidator(ByteString.copyFrom(key))
                .setHeight(h)
                .setRound(0)
                .setProposals(io.timecoin.proto.v1.ConflictingProposals.getDefaultInstance())
                .build();
        node.chain.putEvidence(e); // as the consensus thread does when the engine reports it
        reported.add(e);
      }
    }
    try (Node node = start()) {
      io.grpc.ManagedChannel channel =
          io.grpc.ManagedChannelBuilder.forTarget(node.clientEndpoint()).usePlaintext().build();
      try {
        var api =
            io.timecoin.proto.v1.NodeServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS);
        var first =
            api.listEvidence(
                io.timecoin.proto.v1.ListEvidenceRequest.newBuilder()
                    .setFromHeight(2)
                    .setPageSize(3)
                    .build());
        assertEquals(reported.subList(1, 4), first.getEvidenceList());
        var second =
            api.listEvidence(
                io.timecoin.proto.v1.ListEvidenceRequest.newBuilder()
                    .setFromHeight(2)
                    .setPageSize(3)
                    .setPageToken(first.getNextPageToken())
                    .build());
        assertEquals(reported.subList(4, 5), second.getEvidenceList());
        assertEquals("", second.getNextPageToken());
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
