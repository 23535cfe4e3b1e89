package io.timecoin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.SubmitTransactionRequest;
import io.timecoin.proto.v1.SubmitTransactionsRequest;
import io.timecoin.proto.v1.SubmitTransactionsResponse;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionBatch;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Transactions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions between peers, alone or in batches: a batch from a peer is checked transaction by
 * transaction (a forged one is refused and counted, the others go on to be final), and what a node
 * admitted is relayed onward. And a client's SubmitTransactions stream: an answer per transaction.
 */
class TransactionRelayTest {
  private static final long FEE = 10_000;

  /** The split's fee: 30 outputs, about 1,060 bytes at 10 units a byte (docs/protocol.md 4.3). */
  private static final long SPLIT_FEE = 100_000;

  private static final int COINS = 30;

  @TempDir Path tmp;

  @Test
  void aPeersBatchIsCheckedOneByOneAndAdmittedTransactionsAreRelayed() throws Exception {
    try (LocalNetwork net = new LocalNetwork(tmp.resolve("net"), 4, 100);
        VoteCollector peer = new VoteCollector()) {
      net.startAll();
      List<NodeServiceGrpc.NodeServiceBlockingStub> clients = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        clients.add(net.client(i));
      }
      LocalNetwork.awaitHeight(clients, 2, 90);
      Genesis genesis = GenesisFile.read(net.home.resolve("genesis.json"));
      String chain = genesis.chainId();
      Ed25519KeyPair faucet = KeyFile.read(net.home.resolve("faucet.key"));
      Address owner = Address.of(faucet.publicKey());
      peer.listen(chain, genesis.hash(), net.basePort + 10 * 2); // a peer of node-2 only

      // the faucet's output split into coins, each to be spent by a transfer of its own
      long faucetAmount = genesis.allocations().get(0).amount();
      long coin = (faucetAmount - SPLIT_FEE) / COINS;
      List<TxOutput> outputs = new ArrayList<>();
      for (int i = 0; i < COINS; i++) {
        outputs.add(Transactions.output(coin, owner));
      }
      OutPoint faucetOutput =
          OutPoint.newBuilder()
              .setTxid(Hashes.transaction(genesis.transaction()))
              .setIndex(0)
              .build();
      Transaction split =
          Transactions.sign(
              Transactions.transfer(List.of(faucetOutput), outputs),
              chain,
              List.of(faucet),
              List.of());
      clients
          .get(0)
          .submitTransaction(SubmitTransactionRequest.newBuilder().setTransaction(split).build());
      ClientApiTest.awaitFinal(clients.get(2), Hashes.transaction(split), 60);
      List<Transaction> transfers = new ArrayList<>();
      for (int i = 0; i < COINS; i++) {
        OutPoint spend =
            OutPoint.newBuilder().setTxid(Hashes.transaction(split)).setIndex(i).build();
        transfers.add(
            Transactions.sign(
                Transactions.transfer(
                    List.of(spend), List.of(Transactions.output(coin - FEE, owner))),
                chain,
                List.of(faucet),
                List.of()));
      }

      // one batch to node-2: 20 transfers, one of them twice, and a forgery spending another coin
      Transaction forged =
          transfers.get(20).toBuilder()
              .setOutputs(0, Transactions.output(coin - FEE - 1, owner))
              .build();
      TransactionBatch.Builder batch =
          TransactionBatch.newBuilder()
              .addAllTransactions(transfers.subList(0, 20))
              .addTransactions(transfers.get(3))
              .addTransactions(forged);
      peer.send(0, PeerMessage.newBuilder().setTransactions(batch).build());
      for (Transaction tx :
          transfers.subList(
              0, 20)) { // only node-2 had them: it admitted each and proposed or relayed it
        ClientApiTest.awaitFinal(clients.get(0), Hashes.transaction(tx), 60);
      }
      String scraped =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create(
                              "http://127.0.0.1:" + (net.basePort + 10 * 2 + 2) + "/metrics"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString())
              .body();
      assertTrue(
          scraped
              .lines()
              .anyMatch(
                  l ->
                      l.startsWith("timed_transactions_total{")
                          && l.contains("verdict=\"bad_signature\"")
                          && l.endsWith(" 1.0")),
          "node-2 counts the forged transaction of the batch:\n" + scraped);

      // transfers submitted over a SubmitTransactions stream to node-1: each answered (a forged one
      // refused with its reason, the stream going on), and relayed on to node-2's peer by node-2
      Transaction forgedToo =
          transfers.get(25).toBuilder()
              .setOutputs(0, Transactions.output(coin - FEE - 1, owner))
              .build();
      List<Transaction> streamed = new ArrayList<>(transfers.subList(21, 25));
      streamed.add(forgedToo);
      streamed.addAll(transfers.subList(26, COINS));
      Set<ByteString> submitted = new HashSet<>();
      transfers.subList(21, COINS).stream()
          .filter(tx -> tx != transfers.get(25))
          .forEach(tx -> submitted.add(Hashes.transaction(tx)));
      java.util.Map<ByteString, String> answers = new java.util.concurrent.ConcurrentHashMap<>();
      java.util.concurrent.CountDownLatch completed = new java.util.concurrent.CountDownLatch(1);
      var requests =
          NodeServiceGrpc.newStub(net.channel(1))
              .submitTransactions(
                  new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(SubmitTransactionsResponse r) {
                      answers.put(
                          r.getTxid(),
                          r.hasError() ? ClientApiTest.reasonOf(r.getError()) : "accepted");
                    }

                    @Override
                    public void onError(Throwable t) {}

                    @Override
                    public void onCompleted() {
                      completed.countDown();
                    }
                  });
      streamed.forEach(
          tx -> requests.onNext(SubmitTransactionsRequest.newBuilder().setTransaction(tx).build()));
      requests.onCompleted();
      assertTrue(
          completed.await(30, java.util.concurrent.TimeUnit.SECONDS),
          "the node ends the stream once all are answered");
      java.util.Map<ByteString, String> expected = new java.util.HashMap<>();
      submitted.forEach(id -> expected.put(id, "accepted"));
      expected.put(Hashes.transaction(forgedToo), "BAD_SIGNATURE");
      assertEquals(expected, answers);
      long deadline = System.currentTimeMillis() + 30_000;
      while (!peer.transactionsSeen().containsAll(submitted)
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(
          peer.transactionsSeen().containsAll(submitted),
          "relayed to node-2's peer: " + peer.transactionsSeen().size());
      assertTrue(
          peer.transactionsSeen().stream()
              .noneMatch(
                  id ->
                      transfers.subList(0, 20).stream()
                          .anyMatch(tx -> Hashes.transaction(tx).equals(id))),
          "what the peer sent is not relayed back to it");
      assertEquals(false, peer.transactionsSeen().contains(Hashes.transaction(forged)));
    }
  }
}
