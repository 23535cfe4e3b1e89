package io.timecoin.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.crypto.KeyFile;
import io.timecoin.proto.v1.GetTransactionResponse;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TransactionStatus;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.UnspentOutput;
import io.timecoin.protocol.Fees;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalletTest {
  private static final long TIME = Units.UNITS_PER_TIME;
  private static final String CHAIN = TestChain.CHAIN_ID;

  private FakeNode node;
  private TimeClient client;
  private final Wallet wallet = Wallet.generate();
  private final Wallet payee = Wallet.generate();
  private final Map<OutPoint, TxOutput> utxos = new HashMap<>();

  @BeforeEach
  void start() throws Exception {
    node = new FakeNode(new TestChain(1));
    client = node.client();
    // Four coins over two pages, not in amount order.
    List<UnspentOutput> coins =
        List.of(coin(1, 5 * TIME), coin(2, 50 * TIME), coin(3, 20 * TIME), coin(4, TIME));
    node.unspent.put(wallet.address(CHAIN), coins);
  }

  @AfterEach
  void stop() {
    client.close();
    node.close();
  }

  private UnspentOutput coin(int n, long amount) {
    byte[] txid = new byte[32];
    txid[0] = (byte) n;
    OutPoint o = OutPoint.newBuilder().setTxid(ByteString.copyFrom(txid)).setIndex(n).build();
    TxOutput out = Transactions.output(amount, wallet.address());
    utxos.put(o, out);
    return UnspentOutput.newBuilder().setOutpoint(o).setOutput(out).setHeight(1).build();
  }

  @Test
  void transferSelectsLargestCoinsFirstReturnsChangeAndSignsEveryInput() {
    long fee = 100_000;
    ByteString txid = wallet.transfer(client, payee.address(CHAIN), 60 * TIME, fee);

    assertEquals(1, node.submitted.size());
    Transaction tx = node.submitted.get(0);
    assertEquals(Hashes.transaction(tx), txid);
    assertEquals(TransactionKind.TRANSACTION_KIND_TRANSFER, tx.getKind());
    // 50 + 20 cover 60 + fee; the 5 and the 1 are left alone.
    assertEquals(
        List.of((byte) 2, (byte) 3),
        tx.getInputsList().stream().map(i -> i.getOutpoint().getTxid().byteAt(0)).toList());
    assertEquals(
        List.of(
            Transactions.output(60 * TIME, payee.address()),
            Transactions.output(10 * TIME - fee, wallet.address())),
        tx.getOutputsList());
    assertEquals(0, tx.getKindWitnessesCount());
    assertValid(tx, fee);
  }

  /**
   * What the ledger checks of a TRANSFER's inputs (docs/protocol.md 4.3), against the fake's coins.
   */
  private void assertValid(Transaction tx, long fee) {
    byte[] signed =
        CanonicalBytes.transactionSignature(CHAIN, Hashes.transaction(tx).toByteArray());
    long in = 0;
    for (TxInput input : tx.getInputsList()) {
      TxOutput spent = utxos.get(input.getOutpoint());
      Ed25519PublicKey key = Ed25519PublicKey.of(input.getWitness().getPublicKey().toByteArray());
      assertEquals(
          spent.getAddress(),
          ByteString.copyFrom(Address.of(key).bytes()),
          "the key owns the coin");
      assertTrue(
          key.verify(signed, input.getWitness().getSignature().toByteArray()),
          "the signature verifies");
      assertTrue(
          !key.verify(
              CanonicalBytes.transactionSignature(
                  "another-chain", Hashes.transaction(tx).toByteArray()),
              input.getWitness().getSignature().toByteArray()),
          "and only on this chain");
      in += spent.getAmount();
    }
    long out = tx.getOutputsList().stream().mapToLong(TxOutput::getAmount).sum();
    assertEquals(fee, in - out);
    assertTrue(tx.getOutputsList().stream().allMatch(o -> o.getAmount() > 0));
  }

  @Test
  void exactAmountHasNoChangeOutput() {
    // one input, one output: 95 TX bytes + 155 TXW bytes at 10 units a byte (docs/protocol.md 4.3)
    wallet.transfer(client, payee.address(CHAIN), 50 * TIME - 2_500);
    Transaction tx = node.submitted.get(0);
    assertEquals(1, tx.getInputsCount());
    assertEquals(
        List.of(Transactions.output(50 * TIME - 2_500, payee.address())), tx.getOutputsList());
    assertValid(tx, 2_500);
    assertEquals(2_500, Fees.DEFAULTS.required(tx));
  }

  @Test
  void theFeeIsWhatTheChainRequiresWhenTheCallerOffersLess() {
    wallet.transfer(client, payee.address(CHAIN), 60 * TIME, 1);
    Transaction tx = node.submitted.get(0);
    long required = Fees.DEFAULTS.required(tx);
    assertEquals(4_100, required, "two inputs, two outputs: 159 + 251 bytes");
    assertValid(tx, required);
  }

  @Test
  void changeThatWouldBeDustGoesToTheFee() {
    // 50 TIME covers the amount and the fee with 9,999 units to spare: less than min_output
    long amount = 50 * TIME - 2_780 - 9_999;
    wallet.transfer(client, payee.address(CHAIN), amount);
    Transaction tx = node.submitted.get(0);
    assertEquals(List.of(Transactions.output(amount, payee.address())), tx.getOutputsList());
    assertValid(tx, 2_780 + 9_999);
  }

  @Test
  void refusesADustAmount() {
    assertThrows(
        IllegalArgumentException.class, () -> wallet.transfer(client, payee.address(CHAIN), 9_999));
    assertTrue(node.submitted.isEmpty());
  }

  @Test
  void refusesWhenTheBalanceIsTooSmall() {
    InsufficientFundsException e =
        assertThrows(
            InsufficientFundsException.class,
            () -> wallet.transfer(client, payee.address(CHAIN), 76 * TIME, 1));
    assertEquals(76 * TIME, e.available());
    // every coin (four inputs) and no change: 203 TX bytes + 443 TXW bytes
    assertEquals(76 * TIME + 6_460, e.required());
    assertTrue(node.submitted.isEmpty());
  }

  @Test
  void refusesAnAddressOfAnotherChain() {
    assertThrows(
        IllegalArgumentException.class,
        () -> wallet.transfer(client, payee.address("timecoin-mainnet"), TIME, 1));
    assertThrows(
        IllegalArgumentException.class, () -> wallet.transfer(client, payee.address(CHAIN), 0, 1));
  }

  @Test
  void awaitFinalPollsUntilFinalized() throws Exception {
    ByteString txid = ByteString.copyFrom(new byte[32]);
    node.transactionAnswers.add(
        GetTransactionResponse.newBuilder()
            .setStatus(TransactionStatus.TRANSACTION_STATUS_PENDING)
            .build());
    node.transactionAnswers.add(
        GetTransactionResponse.newBuilder()
            .setStatus(TransactionStatus.TRANSACTION_STATUS_PENDING)
            .build());
    node.transactionAnswers.add(
        GetTransactionResponse.newBuilder()
            .setStatus(TransactionStatus.TRANSACTION_STATUS_FINALIZED)
            .setBlockHeight(7)
            .build());
    assertEquals(7, Wallet.awaitFinal(client, txid, Duration.ofSeconds(10)));
  }

  @Test
  void awaitFinalTimesOut() {
    node.transactionAnswers.add(
        GetTransactionResponse.newBuilder()
            .setStatus(TransactionStatus.TRANSACTION_STATUS_PENDING)
            .build());
    TimeException e =
        assertThrows(
            TimeException.class,
            () ->
                Wallet.awaitFinal(
                    client, ByteString.copyFrom(new byte[32]), Duration.ofMillis(600)));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.code());
  }

  @Test
  void loadsAKeyFile(@TempDir Path dir) throws Exception {
    Ed25519KeyPair key = Ed25519KeyPair.generate();
    Path file = dir.resolve("wallet.key");
    KeyFile.write(file, key);
    Wallet w = Wallet.fromKeyFile(file);
    assertEquals(key.publicKey(), w.publicKey());
    assertTrue(w.address(CHAIN).startsWith("timet1"));
    assertTrue(w.address("timecoin-mainnet").startsWith("time1"));
  }
}
