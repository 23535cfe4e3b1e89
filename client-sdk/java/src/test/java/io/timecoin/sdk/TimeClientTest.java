package io.timecoin.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Masternode;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TimeClientTest {
  private FakeNode node;
  private TimeClient client;

  @BeforeEach
  void start() throws Exception {
    node = new FakeNode(new TestChain(1));
    client = node.client();
  }

  @AfterEach
  void stop() {
    client.close();
    node.close();
  }

  @Test
  void masternodesFollowsEveryPageAtTheFirstPagesHeight() throws Exception {
    for (int i = 0; i < 5; i++) {
      node.masternodes.add(
          Masternode.newBuilder()
              .setConsensusKey(ByteString.copyFrom(new byte[] {(byte) i}))
              .build());
    }
    List<Masternode> all = client.masternodes();
    assertEquals(5, all.size());
    assertEquals(3, node.masternodeRequests.size());
    assertEquals(0, node.masternodeRequests.get(0).getHeight());
    assertEquals(
        42, node.masternodeRequests.get(1).getHeight(), "later pages at the height of the first");
    assertEquals(all, client.masternodesAsync().get(5, TimeUnit.SECONDS));
  }

  @Test
  void submitAllAnswersEachTransactionInTheOrderGivenOverOneStream() {
    List<io.timecoin.proto.v1.Transaction> txs = new java.util.ArrayList<>();
    for (int i = 0;
        i < 3_000;
        i++) { // more than a stream's window: sending waits for the node to read
      txs.add(
          io.timecoin.protocol.Transactions.transfer(
                  List.of(
                      io.timecoin.proto.v1.OutPoint.newBuilder()
                          .setTxid(ByteString.copyFrom(new byte[32]))
                          .setIndex(i)
                          .build()),
                  List.of())
              .build());
    }
    node.submitError =
        FakeNode.refusal(
            io.grpc.Status.Code.FAILED_PRECONDITION,
            io.timecoin.proto.v1.ErrorReason.ERROR_REASON_ALREADY_SPENT,
            "spent already");
    node.refuseOnStream = tx -> tx.getInputs(0).getOutpoint().getIndex() % 1_000 == 7;
    List<TimeClient.Submitted> answers = client.submitAll(txs);
    assertEquals(3_000, answers.size());
    for (int i = 0; i < 3_000; i++) {
      TimeClient.Submitted a = answers.get(i);
      assertEquals(io.timecoin.canonical.Hashes.transaction(txs.get(i)), a.txid());
      assertEquals(i % 1_000 != 7, a.accepted(), "transaction " + i);
      if (!a.accepted()) {
        assertEquals(
            io.timecoin.proto.v1.ErrorReason.ERROR_REASON_ALREADY_SPENT, a.refusal().reason());
      }
    }
    assertEquals(2_997, node.submitted.size());
  }

  @Test
  void addressTransactionsWalksPagesNewestFirstAndStopsAtTheLimit() throws Exception {
    List<io.timecoin.proto.v1.AddressTransaction> history = new java.util.ArrayList<>();
    for (int h = 700; h > 0; h--) {
      history.add(
          io.timecoin.proto.v1.AddressTransaction.newBuilder().setHeight(h).setReceived(h).build());
    }
    node.history.put("timet1someone", history);
    assertEquals(history.subList(0, 3), client.addressTransactions("timet1someone", 3));
    assertEquals(3, node.historyRequests.get(0).getPageSize(), "asks only for what it returns");
    assertEquals(history.subList(0, 600), client.addressTransactions("timet1someone", 600));
    assertEquals(
        List.of(500, 100),
        node.historyRequests.subList(1, 3).stream().map(r -> r.getPageSize()).toList(),
        "pages of at most 500, the node's most");
    assertEquals(history, client.addressTransactions("timet1someone", Integer.MAX_VALUE));
    var page =
        client.addressTransactionsPageAsync("timet1someone", 10, "").get(5, TimeUnit.SECONDS);
    assertEquals(history.subList(0, 10), page.getTransactionsList());
    assertEquals(
        history.subList(10, 20),
        client
            .addressTransactionsPage("timet1someone", 10, page.getNextPageToken())
            .getTransactionsList());
    assertEquals(List.of(), client.addressTransactions("timet1someone", 0));
  }

  @Test
  void statusAndChainId() throws Exception {
    assertEquals(TestChain.CHAIN_ID, client.chainId());
    assertEquals(1, client.statusAsync().get(5, TimeUnit.SECONDS).getFinalizedHeight());
  }

  @Test
  void unimplementedCallsFailTyped() {
    TimeException e = assertThrows(TimeException.class, () -> client.certificate(1));
    assertEquals(io.grpc.Status.Code.UNIMPLEMENTED, e.code());
  }

  @Test
  void unreadableCaFileIsRefused() {
    assertThrows(
        java.io.UncheckedIOException.class,
        () ->
            TimeClient.builder()
                .target("127.0.0.1:1")
                .tls(java.nio.file.Path.of("/nonexistent/ca.pem"))
                .build());
  }

  @Test
  void builderNeedsATarget() {
    assertThrows(IllegalStateException.class, () -> TimeClient.builder().build());
    try (TimeClient c =
        TimeClient.builder()
            .target("127.0.0.1:1")
            .deadline(java.time.Duration.ofMillis(300))
            .build()) {
      TimeException e = assertThrows(TimeException.class, c::status); // nothing listens there
      assertEquals(
          true,
          e.code() == io.grpc.Status.Code.UNAVAILABLE
              || e.code() == io.grpc.Status.Code.DEADLINE_EXCEEDED);
    }
  }
}
