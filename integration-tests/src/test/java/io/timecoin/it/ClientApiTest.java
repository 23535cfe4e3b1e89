package io.timecoin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.proto.v1.GetBalanceRequest;
import io.timecoin.proto.v1.GetBlockRequest;
import io.timecoin.proto.v1.GetMasternodeRequest;
import io.timecoin.proto.v1.GetTransactionRequest;
import io.timecoin.proto.v1.GetTransactionResponse;
import io.timecoin.proto.v1.GetValidatorSetRequest;
import io.timecoin.proto.v1.ListMasternodesRequest;
import io.timecoin.proto.v1.ListUnspentRequest;
import io.timecoin.proto.v1.Masternode;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.SubmitTransactionRequest;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionStatus;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client API on four running validators: a transfer becomes final and balances move; registry
 * queries; typed refusals.
 */
class ClientApiTest {
  private static final long FEE = 10_000;

  @TempDir Path tmp;

  @Test
  void aTransferBecomesFinalBalancesMoveAndEachRefusalHasItsReason() throws Exception {
    try (LocalNetwork net = new LocalNetwork(tmp.resolve("net"), 4, 100)) {
      net.startAll();
      List<NodeServiceGrpc.NodeServiceBlockingStub> clients = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        clients.add(net.client(i));
      }
      LocalNetwork.awaitHeight(clients, 2, 90);
      NodeServiceGrpc.NodeServiceBlockingStub api = clients.get(0);
      Genesis genesis = GenesisFile.read(net.home.resolve("genesis.json"));
      String chain = genesis.chainId();
      Ed25519KeyPair faucet = KeyFile.read(net.home.resolve("faucet.key"));
      Address faucetAddress = Address.of(faucet.publicKey());
      Address recipient = Address.of(Ed25519KeyPair.generate().publicKey());
      long faucetAmount = genesis.allocations().get(0).amount();

      // a node in step with its peers reports SERVING on gRPC health
      long deadline = System.currentTimeMillis() + 10_000;
      var health = io.grpc.health.v1.HealthGrpc.newBlockingStub(net.channel(0));
      while (health.check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()).getStatus()
              != io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(
          io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING,
          health.check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()).getStatus());

      // registry queries match the genesis
      List<Masternode> masternodes =
          api.listMasternodes(ListMasternodesRequest.newBuilder().setPageSize(3).build())
              .getMasternodesList();
      assertEquals(3, masternodes.size(), "a page of 3");
      Set<ByteString> genesisKeys =
          genesis.masternodes().stream()
              .map(m -> ByteString.copyFrom(m.consensusKey().bytes()))
              .collect(Collectors.toSet());
      var all =
          api.listMasternodes(ListMasternodesRequest.getDefaultInstance()).getMasternodesList();
      assertEquals(
          genesisKeys, all.stream().map(Masternode::getConsensusKey).collect(Collectors.toSet()));
      assertEquals(
          genesisKeys,
          api
              .listMasternodes(ListMasternodesRequest.newBuilder().setHeight(1).build())
              .getMasternodesList()
              .stream()
              .map(Masternode::getConsensusKey)
              .collect(Collectors.toSet()),
          "the registry of height 1 is the genesis");
      var paged = new ArrayList<>(masternodes);
      paged.addAll(
          api.listMasternodes(
                  ListMasternodesRequest.newBuilder()
                      .setPageSize(3)
                      .setPageToken(
                          api.listMasternodes(
                                  ListMasternodesRequest.newBuilder().setPageSize(3).build())
                              .getNextPageToken())
                      .build())
              .getMasternodesList());
      assertEquals(
          all.stream().map(Masternode::getConsensusKey).toList(),
          paged.stream().map(Masternode::getConsensusKey).toList(),
          "two pages of 3 give the whole list, in key order"); // (uptime fields move on between the
      // calls)
      Masternode first =
          api.getMasternode(
                  GetMasternodeRequest.newBuilder()
                      .setConsensusKey(all.get(0).getConsensusKey())
                      .build())
              .getMasternode();
      assertTrue(first.getActive());
      assertEquals(genesis.masternodes().get(0).weight(), first.getWeight());
      assertEquals(
          4,
          api.getValidatorSet(GetValidatorSetRequest.newBuilder().setHeight(1).build())
              .getValidatorSet()
              .getValidatorsCount());

      assertEquals(
          faucetAmount,
          api.getBalance(
                  GetBalanceRequest.newBuilder().setAddress(faucetAddress.toBech32m(chain)).build())
              .getBalance());

      // a transfer of 5 TIME becomes final; both balances move by the right amounts
      OutPoint faucetOutput =
          OutPoint.newBuilder()
              .setTxid(Hashes.transaction(genesis.transaction()))
              .setIndex(0)
              .build();
      long amount = 5 * Units.UNITS_PER_TIME;
      Transaction transfer =
          Transactions.sign(
              Transactions.transfer(
                  List.of(faucetOutput),
                  List.of(
                      Transactions.output(amount, recipient),
                      Transactions.output(faucetAmount - amount - FEE, faucetAddress))),
              chain,
              List.of(faucet),
              List.of());
      ByteString txid =
          clients
              .get(1)
              .submitTransaction(
                  SubmitTransactionRequest.newBuilder().setTransaction(transfer).build())
              .getTxid();
      assertEquals(Hashes.transaction(transfer), txid);
      GetTransactionResponse seen = awaitFinal(api, txid, 60);
      assertEquals(transfer, seen.getTransaction());
      assertEquals(
          amount,
          api.getBalance(
                  GetBalanceRequest.newBuilder().setAddress(recipient.toBech32m(chain)).build())
              .getBalance());
      assertEquals(
          faucetAmount - amount - FEE,
          api.getBalance(
                  GetBalanceRequest.newBuilder().setAddress(faucetAddress.toBech32m(chain)).build())
              .getBalance());
      var unspent =
          api.listUnspent(
                  ListUnspentRequest.newBuilder().setAddress(recipient.toBech32m(chain)).build())
              .getOutputsList();
      assertEquals(1, unspent.size());
      assertEquals(
          OutPoint.newBuilder().setTxid(txid).setIndex(0).build(), unspent.get(0).getOutpoint());
      assertEquals(seen.getBlockHeight(), unspent.get(0).getHeight());

      // submitting is idempotent: the final transfer sent again answers with its txid (a wallet
      // that lost the answer resends)
      assertEquals(
          txid,
          clients
              .get(2)
              .submitTransaction(
                  SubmitTransactionRequest.newBuilder().setTransaction(transfer).build())
              .getTxid());

      // refusals, each with its typed reason
      // a spent input is found before the signatures are paid for: a forgery of it is ALREADY_SPENT
      // too
      Transaction forgedReplay =
          transfer.toBuilder().setOutputs(0, Transactions.output(amount - 1, recipient)).build();
      assertEquals(
          "ALREADY_SPENT",
          reason(
              () ->
                  clients
                      .get(3)
                      .submitTransaction(
                          SubmitTransactionRequest.newBuilder()
                              .setTransaction(forgedReplay)
                              .build())));
      OutPoint change = OutPoint.newBuilder().setTxid(txid).setIndex(1).build();
      long left = faucetAmount - amount - FEE;
      Transaction lowFee =
          Transactions.sign(
              Transactions.transfer(
                  List.of(change), List.of(Transactions.output(left - 1, faucetAddress))),
              chain,
              List.of(faucet),
              List.of());
      assertEquals(
          "FEE_TOO_LOW",
          reason(
              () ->
                  api.submitTransaction(
                      SubmitTransactionRequest.newBuilder().setTransaction(lowFee).build())));
      Transaction otherChain =
          Transactions.sign(
              Transactions.transfer(
                  List.of(change), List.of(Transactions.output(left - FEE, faucetAddress))),
              "another-chain",
              List.of(faucet),
              List.of());
      assertEquals(
          "BAD_SIGNATURE",
          reason(
              () ->
                  api.submitTransaction(
                      SubmitTransactionRequest.newBuilder().setTransaction(otherChain).build())));
      Transaction thief =
          Transactions.sign(
              Transactions.transfer(
                  List.of(change), List.of(Transactions.output(left - FEE, recipient))),
              chain,
              List.of(Ed25519KeyPair.generate()),
              List.of());
      assertEquals(
          "WRONG_OWNER",
          reason(
              () ->
                  api.submitTransaction(
                      SubmitTransactionRequest.newBuilder().setTransaction(thief).build())));
      OutPoint nowhere =
          OutPoint.newBuilder().setTxid(ByteString.copyFrom(new byte[32])).setIndex(7).build();
      Transaction unknown =
          Transactions.sign(
              Transactions.transfer(List.of(nowhere), List.of(Transactions.output(1, recipient))),
              chain,
              List.of(faucet),
              List.of());
      assertEquals(
          "UNKNOWN_INPUT",
          reason(
              () ->
                  api.submitTransaction(
                      SubmitTransactionRequest.newBuilder().setTransaction(unknown).build())));
      Transaction zero =
          Transactions.sign(
              Transactions.transfer(
                  List.of(change),
                  List.of(
                      TxOutput.newBuilder()
                          .setAmount(0)
                          .setAddress(ByteString.copyFrom(recipient.bytes()))
                          .build())),
              chain,
              List.of(faucet),
              List.of());
      assertEquals(
          "ZERO_OUTPUT",
          reason(
              () ->
                  api.submitTransaction(
                      SubmitTransactionRequest.newBuilder().setTransaction(zero).build())));
      Transaction.Builder big =
          Transactions.transfer(
              List.of(change), List.of(Transactions.output(left - FEE, faucetAddress)));
      for (int i = 0;
          i < 3_000;
          i++) { // about 90 KB: over max_tx_bytes (64 KiB), under the 1 MiB message limit
        big.addOutputs(Transactions.output(1, recipient));
      }
      Transaction tooLarge = Transactions.sign(big, chain, List.of(faucet), List.of());
      assertEquals(
          "TOO_LARGE",
          reason(
              () ->
                  api.submitTransaction(
                      SubmitTransactionRequest.newBuilder().setTransaction(tooLarge).build())));
      assertEquals(
          "INVALID_ARGUMENT",
          reason(
              () ->
                  api.getBalance(
                      GetBalanceRequest.newBuilder().setAddress("time1nonsense").build())));
      assertEquals(
          "NOT_FOUND",
          reason(() -> api.getBlock(GetBlockRequest.newBuilder().setHeight(1_000_000).build())));
      assertEquals(
          "NOT_FOUND",
          reason(
              () ->
                  api.getTransaction(
                      GetTransactionRequest.newBuilder()
                          .setTxid(ByteString.copyFrom(new byte[32]))
                          .build())));
      assertEquals(
          "NOT_REGISTERED",
          reason(
              () ->
                  api.submitTransaction(
                      SubmitTransactionRequest.newBuilder()
                          .setTransaction(
                              Transactions.sign(
                                  Transactions.deregister(
                                      List.of(change),
                                      List.of(),
                                      ByteString.copyFrom(
                                          Ed25519KeyPair.generate().publicKey().bytes())),
                                  chain,
                                  List.of(faucet),
                                  List.of(faucet)))
                          .build())));

      // every refusal is counted where an operator scrapes node-0
      String scraped =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create(
                              "http://127.0.0.1:" + (net.basePort + 2) + "/metrics"))
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
                          && !l.endsWith(" 0.0")),
          "node-0 counts the BAD_SIGNATURE refusal:\n" + scraped);
      assertTrue(
          scraped
              .lines()
              .anyMatch(l -> l.startsWith("timed_api_calls_total{") && l.contains("BAD_SIGNATURE")),
          "node-0 counts the refused call by reason");
      assertTrue(
          scraped
              .lines()
              .anyMatch(l -> l.startsWith("timed_blocks_finalized_total ") && !l.endsWith(" 0.0")));
    }
  }

  static GetTransactionResponse awaitFinal(
      NodeServiceGrpc.NodeServiceBlockingStub api, ByteString txid, int seconds)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + seconds * 1_000L;
    while (System.currentTimeMillis() < deadline) {
      try {
        GetTransactionResponse r =
            api.getTransaction(GetTransactionRequest.newBuilder().setTxid(txid).build());
        if (r.getStatus() == TransactionStatus.TRANSACTION_STATUS_FINALIZED) {
          return r;
        }
      } catch (StatusRuntimeException e) {
        // not yet known to this node: relayed transactions take a moment
      }
      Thread.sleep(100);
    }
    throw new AssertionError("transaction not final in " + seconds + " s");
  }

  /** The ErrorInfo reason of the refusal the call ends with. */
  static String reason(org.junit.jupiter.api.function.Executable call) throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertTrue(status != null, "no status details in " + e);
    return reasonOf(status);
  }

  /** The ErrorInfo reason of a refusal's status. */
  static String reasonOf(com.google.rpc.Status status) {
    assertTrue(status.getDetailsCount() > 0, "no ErrorInfo in " + status);
    try {
      ErrorInfo info = status.getDetails(0).unpack(ErrorInfo.class);
      assertEquals("timecoin.v1", info.getDomain());
      return info.getReason();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError("the detail is not an ErrorInfo: " + status, e);
    }
  }
}
