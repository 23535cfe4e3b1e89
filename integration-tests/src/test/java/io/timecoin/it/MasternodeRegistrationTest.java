package io.timecoin.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.GetBlockRequest;
import io.timecoin.proto.v1.GetBlockResponse;
import io.timecoin.proto.v1.GetMasternodeRequest;
import io.timecoin.proto.v1.GetValidatorSetRequest;
import io.timecoin.proto.v1.ListMasternodesRequest;
import io.timecoin.proto.v1.Masternode;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.SubmitTransactionRequest;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Validator;
import io.timecoin.protocol.Transactions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/protocol.md 4.1 on a running network: a standby node (not in genesis) is registered as a
 * masternode by a transaction; from the next height it signs certificates and its reward address is
 * paid; once deregistered, it signs no more and earns no more.
 */
class MasternodeRegistrationTest {
  private static final long FEE = 10_000;

  /**
   * What a registration pays at least (docs/protocol.md 4.3): the default registration_fee, 1 TIME.
   */
  private static final long REGISTRATION_FEE = 100_000_000L;

  @TempDir Path tmp;

  @Test
  void aRegisteredMasternodeVotesAndEarnsUntilItDeregisters() throws Exception {
    try (LocalNetwork net = new LocalNetwork(tmp.resolve("net"), 4, 100, false, 1)) {
      net.startAll();
      net.start(net.nodeHome(4)); // the standby node: a full node until registered
      List<NodeServiceGrpc.NodeServiceBlockingStub> clients = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        clients.add(net.client(i));
      }
      LocalNetwork.awaitHeight(clients.subList(0, 4), 3, 90);

      Genesis genesis = GenesisFile.read(net.home.resolve("genesis.json"));
      String chain = genesis.chainId();
      Ed25519KeyPair faucet = KeyFile.read(net.home.resolve("faucet.key"));
      Ed25519KeyPair owner = KeyFile.read(net.nodeHome(4).resolve("keys/owner.key"));
      Ed25519KeyPair consensus = KeyFile.read(net.nodeHome(4).resolve("keys/validator.key"));
      ByteString key = ByteString.copyFrom(consensus.publicKey().bytes());
      ByteString rewardAddress = ByteString.copyFrom(Address.of(owner.publicKey()).bytes());
      ByteString genesisTxid = Hashes.transaction(genesis.transaction());
      long faucetAmount = genesis.allocations().get(0).amount();
      OutPoint faucetOutput = OutPoint.newBuilder().setTxid(genesisTxid).setIndex(0).build();
      OutPoint collateral =
          OutPoint.newBuilder()
              .setTxid(genesisTxid)
              .setIndex(1)
              .build(); // the standby owner's allocation

      // register: the faucet pays the fee; the owner signs for the collateral, the consensus key
      // proves possession
      Transaction register =
          Transactions.sign(
              Transactions.register(
                  List.of(faucetOutput),
                  List.of(
                      Transactions.output(
                          faucetAmount - REGISTRATION_FEE, Address.of(faucet.publicKey()))),
                  collateral,
                  key,
                  Address.of(owner.publicKey())),
              chain,
              List.of(faucet),
              List.of(owner, consensus));
      ByteString registerId =
          clients
              .get(1)
              .submitTransaction(
                  SubmitTransactionRequest.newBuilder().setTransaction(register).build())
              .getTxid();
      long registeredAt = awaitTransaction(clients.get(0), registerId, 60);

      // the registry and the validator sets say so
      Masternode registered =
          clients
              .get(3)
              .getMasternode(GetMasternodeRequest.newBuilder().setConsensusKey(key).build())
              .getMasternode();
      assertTrue(registered.getActive());
      assertEquals(registeredAt, registered.getRegisteredHeight());
      assertEquals(collateral, registered.getCollateral());
      assertEquals(genesis.allocations().get(1).amount() / 100_000_000L, registered.getWeight());
      assertFalse(validators(clients.get(3), registeredAt).contains(key));
      assertTrue(validators(clients.get(3), registeredAt + 1).contains(key));

      // from registeredAt + 1 it is a validator: within 25 heights it signs a certificate and is
      // paid
      boolean signed = false;
      boolean paid = false;
      for (long h = registeredAt + 1; h <= registeredAt + 25 && !(signed && paid); h++) {
        GetBlockResponse b = awaitBlock(clients.get(0), h, 60);
        signed |= signers(b).contains(key);
        paid |= rewardTo(b.getBlock(), rewardAddress) > 0;
      }
      assertTrue(signed, "the registered masternode signed no certificate in 25 heights");
      assertTrue(paid, "the registered masternode earned no reward in 25 heights");
      assertTrue(
          net.log(net.nodeHome(4)).contains("block final"), "the standby node follows the chain");

      // deregister: the owner signs; the fee comes from the faucet's change
      OutPoint change = OutPoint.newBuilder().setTxid(registerId).setIndex(0).build();
      Transaction deregister =
          Transactions.sign(
              Transactions.deregister(
                  List.of(change),
                  List.of(
                      Transactions.output(
                          faucetAmount - REGISTRATION_FEE - FEE, Address.of(faucet.publicKey()))),
                  key),
              chain,
              List.of(faucet),
              List.of(owner));
      ByteString deregisterId =
          clients
              .get(2)
              .submitTransaction(
                  SubmitTransactionRequest.newBuilder().setTransaction(deregister).build())
              .getTxid();
      long deregisteredAt = awaitTransaction(clients.get(0), deregisterId, 60);

      assertFalse(
          clients
              .get(3)
              .getMasternode(GetMasternodeRequest.newBuilder().setConsensusKey(key).build())
              .getMasternode()
              .getActive());
      assertTrue(validators(clients.get(3), deregisteredAt).contains(key));
      assertFalse(validators(clients.get(3), deregisteredAt + 1).contains(key));

      // the registry of each past height, as ListMasternodes gives it
      assertFalse(
          activeAt(clients.get(1), registeredAt).contains(key),
          "not yet registered when height registeredAt was chosen");
      assertTrue(activeAt(clients.get(1), registeredAt + 1).contains(key));
      assertTrue(activeAt(clients.get(1), deregisteredAt).contains(key));
      assertFalse(activeAt(clients.get(1), deregisteredAt + 1).contains(key));
      assertEquals(
          5,
          activeAt(clients.get(1), registeredAt + 1).size(),
          "four genesis masternodes and the new one");

      // the set of deregisteredAt + 1 no longer has it: no signature from then on, and no pay from
      // the
      // block after (block deregisteredAt + 1 still pays the signers of deregisteredAt's
      // certificate)
      for (long h = deregisteredAt + 1; h <= deregisteredAt + 12; h++) {
        GetBlockResponse b = awaitBlock(clients.get(0), h, 60);
        assertFalse(
            signers(b).contains(key),
            "a deregistered masternode signed the certificate of height " + h);
        if (h >= deregisteredAt + 2) {
          assertTrue(
              rewardTo(b.getBlock(), rewardAddress) == 0,
              "a deregistered masternode was paid in block " + h);
        }
      }

      // it left the working registry once block deregisteredAt + 1 paid its last certificate
      // (docs/protocol.md 4.1); the history answers for it, at the next height and at past ones
      assertFalse(activeAt(clients.get(1), 0).contains(key));
      Masternode gone =
          clients
              .get(3)
              .getMasternode(GetMasternodeRequest.newBuilder().setConsensusKey(key).build())
              .getMasternode();
      assertFalse(gone.getActive());
      assertEquals(registeredAt, gone.getRegisteredHeight());
      assertTrue(
          clients
              .get(3)
              .getMasternode(
                  GetMasternodeRequest.newBuilder()
                      .setConsensusKey(key)
                      .setHeight(registeredAt + 1)
                      .build())
              .getMasternode()
              .getActive());
      assertTrue(
          clients
              .get(3)
              .getMasternode(
                  GetMasternodeRequest.newBuilder()
                      .setConsensusKey(key)
                      .setHeight(deregisteredAt)
                      .build())
              .getMasternode()
              .getActive());
      assertFalse(
          clients
              .get(3)
              .getMasternode(
                  GetMasternodeRequest.newBuilder()
                      .setConsensusKey(key)
                      .setHeight(deregisteredAt + 1)
                      .build())
              .getMasternode()
              .getActive());
      assertEquals(
          io.grpc.Status.Code.NOT_FOUND,
          org.junit.jupiter.api.Assertions.assertThrows(
                  io.grpc.StatusRuntimeException.class,
                  () ->
                      clients
                          .get(3)
                          .getMasternode(
                              GetMasternodeRequest.newBuilder()
                                  .setConsensusKey(key)
                                  .setHeight(registeredAt)
                                  .build()))
              .getStatus()
              .getCode(),
          "not registered yet when height registeredAt was chosen");
    }
  }

  /** The height of the finalized block holding this transaction; fails after {@code seconds}. */
  private static long awaitTransaction(
      NodeServiceGrpc.NodeServiceBlockingStub client, ByteString txid, int seconds)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + seconds * 1_000L;
    long h = LocalNetwork.status(client).getFinalizedHeight();
    while (System.currentTimeMillis() < deadline) {
      GetBlockResponse b = awaitBlock(client, h, seconds);
      for (Transaction tx : b.getBlock().getBody().getTransactionsList()) {
        if (Hashes.transaction(tx).equals(txid)) {
          return h;
        }
      }
      h++;
    }
    throw new AssertionError("transaction not final in " + seconds + " s");
  }

  private static GetBlockResponse awaitBlock(
      NodeServiceGrpc.NodeServiceBlockingStub client, long height, int seconds)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + seconds * 1_000L;
    while (LocalNetwork.status(client) == null
        || LocalNetwork.status(client).getFinalizedHeight() < height) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("block " + height + " not final in " + seconds + " s");
      }
      Thread.sleep(100);
    }
    return client.getBlock(GetBlockRequest.newBuilder().setHeight(height).build());
  }

  private static List<ByteString> activeAt(
      NodeServiceGrpc.NodeServiceBlockingStub client, long height) {
    return client
        .listMasternodes(ListMasternodesRequest.newBuilder().setHeight(height).build())
        .getMasternodesList()
        .stream()
        .filter(Masternode::getActive)
        .map(Masternode::getConsensusKey)
        .toList();
  }

  private static List<ByteString> validators(
      NodeServiceGrpc.NodeServiceBlockingStub client, long height) {
    return client
        .getValidatorSet(GetValidatorSetRequest.newBuilder().setHeight(height).build())
        .getValidatorSet()
        .getValidatorsList()
        .stream()
        .map(Validator::getKey)
        .toList();
  }

  private static List<ByteString> signers(GetBlockResponse b) {
    return b.getCertificate().getSignaturesList().stream()
        .map(CertificateSignature::getValidator)
        .toList();
  }

  private static long rewardTo(Block block, ByteString address) {
    Transaction reward = block.getBody().getTransactions(0);
    assertTrue(reward.getKind() == TransactionKind.TRANSACTION_KIND_REWARD);
    return reward.getOutputsList().stream()
        .filter(o -> o.getAddress().equals(address))
        .mapToLong(TxOutput::getAmount)
        .sum();
  }
}
