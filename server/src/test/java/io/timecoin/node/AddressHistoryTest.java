package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.proto.v1.AddressTransaction;
import io.timecoin.proto.v1.GetTransactionRequest;
import io.timecoin.proto.v1.ListAddressTransactionsRequest;
import io.timecoin.proto.v1.ListAddressTransactionsResponse;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.SubmitTransactionRequest;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionStatus;
import io.timecoin.protocol.Transactions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * ListAddressTransactions on a real one-validator node: three transfers from the faucet to Alice,
 * each in its own block, then the history of both read back a page at a time, newest first, with
 * what each transaction paid to and spent from the address; the same after a restart, and after the
 * index is dropped from the store and rebuilt at open.
 */
class AddressHistoryTest {
  private static final long FEE = 1_000_000;
  private static final long[] PAID = {7_000_000_000L, 5_000_000_000L, 3_000_000_000L};

  @TempDir static Path dir;

  private static TestNode net;
  private static Genesis genesis;
  private static Ed25519KeyPair faucet;
  private static final Ed25519KeyPair alice = Ed25519KeyPair.generate();

  /**
   * The transfers, in the order they were made, each final in a later block than the one before.
   */
  private static final List<Transaction> transfers = new ArrayList<>();

  private static final List<Long> heights = new ArrayList<>();
  private static long allocation;

  @BeforeAll
  static void start() throws Exception {
    net = TestNode.start(dir);
    genesis = GenesisFile.read(net.home.resolve("genesis.json"));
    faucet = KeyFile.read(net.faucetKey());
    allocation = genesis.allocations().get(0).amount();
    OutPoint coin =
        OutPoint.newBuilder()
            .setTxid(Hashes.transaction(genesis.transaction()))
            .setIndex(0)
            .build();
    long balance = allocation;
    for (long paid : PAID) {
      long change = balance - paid - FEE;
      Transaction tx =
          Transactions.sign(
              Transactions.transfer(
                  List.of(coin),
                  List.of(
                      Transactions.output(paid, Address.of(alice.publicKey())),
                      Transactions.output(change, Address.of(faucet.publicKey())))),
              genesis.chainId(),
              List.of(faucet),
              List.of());
      api().submitTransaction(SubmitTransactionRequest.newBuilder().setTransaction(tx).build());
      heights.add(awaitFinal(Hashes.transaction(tx)));
      transfers.add(tx);
      coin = OutPoint.newBuilder().setTxid(Hashes.transaction(tx)).setIndex(1).build();
      balance = change;
    }
  }

  @AfterAll
  static void stop() throws Exception {
    net.close();
  }

  private static NodeServiceGrpc.NodeServiceBlockingStub api() {
    return NodeServiceGrpc.newBlockingStub(net.client).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  private static long awaitFinal(ByteString txid) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        var r = api().getTransaction(GetTransactionRequest.newBuilder().setTxid(txid).build());
        if (r.getStatus() == TransactionStatus.TRANSACTION_STATUS_FINALIZED) {
          return r.getBlockHeight();
        }
      } catch (StatusRuntimeException notYet) {
        // not in the mempool yet
      }
      Thread.sleep(50);
    }
    throw new AssertionError("not final in 30 s");
  }

  private static String bech32(Ed25519KeyPair key) {
    return Address.of(key.publicKey()).toBech32m(genesis.chainId());
  }

  /** Every transaction of {@code address}, read {@code pageSize} at a time. */
  private static List<AddressTransaction> all(String address, int pageSize) {
    List<AddressTransaction> out = new ArrayList<>();
    String token = "";
    for (int pages = 0; pages < 1_000; pages++) {
      ListAddressTransactionsResponse r =
          api()
              .listAddressTransactions(
                  ListAddressTransactionsRequest.newBuilder()
                      .setAddress(address)
                      .setPageSize(pageSize)
                      .setPageToken(token)
                      .build());
      assertTrue(r.getTransactionsCount() <= pageSize);
      assertTrue(r.getHeight() >= heights.get(heights.size() - 1));
      out.addAll(r.getTransactionsList());
      token = r.getNextPageToken();
      if (token.isEmpty()) {
        return out;
      }
      assertEquals(pageSize, r.getTransactionsCount(), "only the last page is short");
    }
    throw new AssertionError("no last page");
  }

  @Test
  void alicesHistoryIsHerThreeTransfersNewestFirstWhatEachPaidHer() {
    List<AddressTransaction> history = all(bech32(alice), 2);
    assertEquals(3, history.size(), history::toString);
    for (int i = 0; i < 3; i++) {
      AddressTransaction t = history.get(2 - i); // newest first
      assertEquals(Hashes.transaction(transfers.get(i)), t.getTxid());
      assertEquals(heights.get(i), t.getHeight());
      assertEquals(1, t.getIndex(), "after the block's REWARD");
      assertEquals(PAID[i], t.getReceived());
      assertEquals(0, t.getSent());
      assertTrue(t.getTimestamp() > genesis.genesisTimeMs(), "the block's timestamp, in ms");
    }
  }

  @Test
  void theFaucetsHistoryHasItsGenesisOutputAndWhatEachTransferSpentAndReturned() {
    List<AddressTransaction> history = all(bech32(faucet), 1);
    assertEquals(4, history.size(), history::toString);
    AddressTransaction genesisTx = history.get(3);
    assertEquals(0, genesisTx.getHeight());
    assertEquals(allocation, genesisTx.getReceived());
    long balance = allocation;
    for (int i = 0; i < 3; i++) {
      AddressTransaction t = history.get(2 - i);
      assertEquals(Hashes.transaction(transfers.get(i)), t.getTxid());
      assertEquals(balance, t.getSent(), "it spent the whole previous coin");
      balance = balance - PAID[i] - FEE;
      assertEquals(balance, t.getReceived(), "its change");
    }
  }

  @Test
  void theValidatorsRewardsAreInItsHistoryOnePerBlockNewestFirst() {
    String rewards =
        Address.fromBytes(genesis.masternodeRecords().get(0).rewardAddress().toByteArray())
            .toBech32m(genesis.chainId());
    List<AddressTransaction> history = all(rewards, 500);
    assertTrue(
        history.size() >= heights.get(2), "a REWARD in every block from 1 on: " + history.size());
    for (int i = 1; i < history.size(); i++) {
      assertTrue(
          history.get(i - 1).getHeight() > history.get(i).getHeight(), "newest first, one a block");
    }
    assertTrue(
        history.stream()
            .filter(t -> t.getHeight() > 0)
            .allMatch(t -> t.getIndex() == 0 && t.getReceived() > 0));
  }

  @Test
  void badInputIsRefusedByReason() {
    String alice = bech32(AddressHistoryTest.alice);
    for (String address : List.of("", "timet1nope", mainnetAddress())) {
      assertRefused(ListAddressTransactionsRequest.newBuilder().setAddress(address).build());
    }
    for (String token : List.of("zz", "00", "ff00000000000000" + "00000000", "0".repeat(26))) {
      assertRefused(
          ListAddressTransactionsRequest.newBuilder()
              .setAddress(alice)
              .setPageToken(token)
              .build());
    }
  }

  /** An address of mainnet: the right form, the wrong chain. */
  private static String mainnetAddress() {
    return Address.of(alice.publicKey()).toBech32m(Address.MAINNET_CHAIN_ID);
  }

  private static void assertRefused(ListAddressTransactionsRequest request) {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> api().listAddressTransactions(request));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e::toString);
    com.google.rpc.Status s = StatusProto.fromThrowable(e);
    assertEquals(
        "INVALID_ARGUMENT",
        s.getDetailsList().stream()
            .filter(a -> a.is(ErrorInfo.class))
            .map(
                a -> {
                  try {
                    return a.unpack(ErrorInfo.class).getReason();
                  } catch (com.google.protobuf.InvalidProtocolBufferException x) {
                    throw new AssertionError(x);
                  }
                })
            .findFirst()
            .orElse(null),
        request::toString);
  }

  @Test
  void theHistoryOutlivesARestartAndIsRebuiltWhenTheStoreHasNone() throws Exception {
    List<AddressTransaction> before = all(bech32(faucet), 3);
    net = net.restart();
    assertEquals(before, all(bech32(faucet), 3), "the same after a restart");

    // a store written before the index: no marker, no entries; the node indexes it once at open
    net.close();
    dropHistory(
        io.timecoin.node.config.NodeConfig.read(net.home.resolve("node-0/config.json"))
            .dataDir(net.home.resolve("node-0"))
            .resolve("chain"));
    net = TestNode.open(net.home);
    assertEquals(before, all(bech32(faucet), 3), "the same once indexed at open");
    assertEquals(3, all(bech32(alice), 50).size());
  }

  private static void dropHistory(Path chain) throws Exception {
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    try (Options o = new Options()) {
      for (byte[] name : RocksDB.listColumnFamilies(o, chain.toString())) {
        descriptors.add(new ColumnFamilyDescriptor(name));
      }
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (org.rocksdb.DBOptions o = new org.rocksdb.DBOptions();
        RocksDB db = RocksDB.open(o, chain.toString(), descriptors, handles)) {
      ColumnFamilyHandle history = null;
      ColumnFamilyHandle meta = null;
      for (int i = 0; i < descriptors.size(); i++) {
        String name =
            new String(descriptors.get(i).getName(), java.nio.charset.StandardCharsets.US_ASCII);
        if (name.equals("address_history")) {
          history = handles.get(i);
        } else if (name.equals("meta")) {
          meta = handles.get(i);
        }
      }
      db.deleteRange(
          history,
          new byte[0],
          new byte[] {
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff,
            (byte) 0xff
          });
      db.delete(meta, "address_history".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      try (var it = db.newIterator(history)) {
        it.seekToFirst();
        assertFalse(it.isValid(), "the index is gone");
      }
      handles.forEach(ColumnFamilyHandle::close);
    }
  }
}
