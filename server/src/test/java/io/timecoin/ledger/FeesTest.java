package io.timecoin.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Fees;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fees that price state (docs/protocol.md 4.3): the price per byte, dust, the registration fee,
 * under the defaults.
 */
class FeesTest {
  private static final String CHAIN = "timecoin-test";
  private static final long TIME = Units.UNITS_PER_TIME;
  private static final LedgerParams DEFAULTS =
      new LedgerParams(
          CHAIN,
          Fees.DEFAULTS.minTxFee(),
          Fees.DEFAULTS.minFeePerByte(),
          Fees.DEFAULTS.minOutput(),
          Fees.DEFAULTS.registrationFee(),
          64 * 1024,
          1_000,
          1 << 20,
          100);
  private static final long OLD_FLAT_FEE = 1_000;

  private final Ed25519KeyPair payer = key(1);
  private final Ed25519KeyPair collateralOwner = key(2);
  private final Ed25519KeyPair consensus = key(3);
  private final OutPoint coin = outpoint(1);
  private final OutPoint collateral = outpoint(2);
  private final Map<OutPoint, TxOutput> unspent =
      new HashMap<>(
          Map.of(
              coin, Transactions.output(1_000 * TIME, Address.of(payer.publicKey())),
              collateral,
                  Transactions.output(1_000 * TIME, Address.of(collateralOwner.publicKey()))));
  private final UtxoView utxos =
      new UtxoView() {
        @Override
        public TxOutput unspent(OutPoint o) {
          return unspent.get(o);
        }

        @Override
        public boolean created(OutPoint o) {
          return unspent.containsKey(o);
        }
      };
  private final Registry registry =
      Registry.of(
          List.of(
              new MasternodeRecord(
                  ByteString.copyFrom(key(9).publicKey().bytes()),
                  outpoint(9),
                  1_000 * TIME,
                  ByteString.copyFrom(new byte[20]),
                  ByteString.copyFrom(new byte[20]),
                  0,
                  true,
                  0,
                  0)));

  @Test
  void twoThousandOneUnitOutputsAtTheMinimumFeeAreDust() {
    Transaction dust = fanOut(1, Fees.DEFAULTS.required(fanOut(1, 0)));
    assertEquals(ErrorReason.ERROR_REASON_DUST, check(dust).reason(), check(dust).toString());
  }

  @Test
  void theSameFanOutWithLegalOutputsAndTheOldFlatFeeIsTooLow() {
    long outputs = Fees.DEFAULTS.minOutput();
    Transaction unsigned = fanOut(outputs, 0);
    long required = Fees.DEFAULTS.required(unsigned);
    long size = Fees.size(unsigned);
    // TX: tag, version, kind, 1 input, 2,000 outputs; TXW: tag, txid, 1 input witness, no kind
    // witness
    assertEquals(
        4 + 14 + 4 + 1 + 4 + 36 + 4 + 2_001 * 28, CanonicalBytes.transaction(unsigned).length);
    assertEquals(4 + 15 + 32 + 4 + 96 + 4, Fees.witnessBytesLength(unsigned));
    assertEquals(10 * size, required, "the price per byte wins over min_tx_fee");

    TransactionRules.Verdict flat = check(fanOut(outputs, OLD_FLAT_FEE));
    assertEquals(ErrorReason.ERROR_REASON_FEE_TOO_LOW, flat.reason(), flat.toString());
    TransactionRules.Verdict oneShort = check(fanOut(outputs, required - 1));
    assertEquals(ErrorReason.ERROR_REASON_FEE_TOO_LOW, oneShort.reason(), oneShort.toString());
    TransactionRules.Verdict exact = check(fanOut(outputs, required));
    assertTrue(exact.valid(), exact.toString());
    assertEquals(required, exact.fee());
  }

  @Test
  void aRegistrationPaysAtLeastOneTime() {
    Transaction cheap = register(TIME - 1);
    assertTrue(
        Long.compareUnsigned(TIME - 1, DEFAULTS.minFeePerByte() * Fees.size(cheap)) > 0,
        "the size is paid for");
    assertEquals(
        ErrorReason.ERROR_REASON_FEE_TOO_LOW, check(cheap).reason(), check(cheap).toString());
    assertEquals(ErrorReason.ERROR_REASON_FEE_TOO_LOW, check(register(OLD_FLAT_FEE * 10)).reason());
    assertTrue(check(register(TIME)).valid(), check(register(TIME)).toString());
    assertEquals(TIME, Fees.DEFAULTS.required(register(TIME)));
  }

  @Test
  void aTinyTransactionPaysMinTxFee() {
    Fees floor = new Fees(5_000, 10, 10_000, TIME);
    Transaction t = fanOut(10 * TIME, 0, 1);
    assertTrue(10 * Fees.size(t) < 5_000);
    assertEquals(5_000, floor.required(t));
  }

  @Test
  void aPricePerBytePast2To64IsTooLow() {
    LedgerParams absurd =
        new LedgerParams(
            CHAIN, 1_000, Long.MAX_VALUE / 100, 10_000, TIME, 64 * 1024, 1_000, 1 << 20, 100);
    Transaction t = fanOut(10 * TIME, 1_000, 1);
    TransactionRules.Verdict v =
        TransactionRules.check(t, utxos, registry, absurd, SignatureVerifier.ED25519, false);
    assertEquals(ErrorReason.ERROR_REASON_FEE_TOO_LOW, v.reason(), v.toString());
  }

  @Test
  void rewardAndGenesisOutputsAreNotDust() {
    TxOutput one = Transactions.output(1, Address.of(payer.publicKey()));
    assertEquals(
        -1,
        Fees.DEFAULTS.firstDust(
            Rewards.transaction(7, List.of()).toBuilder().addOutputs(one).build()));
    assertEquals(0, Fees.DEFAULTS.firstDust(fanOut(1, 0, 1)));
  }

  /** 2,000 outputs of {@code each} to one address, and the change, leaving {@code fee}. */
  private Transaction fanOut(long each, long fee) {
    return fanOut(each, fee, 2_000);
  }

  private Transaction fanOut(long each, long fee, int n) {
    List<TxOutput> outputs =
        new java.util.ArrayList<>(
            Collections.nCopies(
                n, Transactions.output(each, Address.of(collateralOwner.publicKey()))));
    outputs.add(Transactions.output(1_000 * TIME - fee - each * n, Address.of(payer.publicKey())));
    return Transactions.sign(
        Transactions.transfer(List.of(coin), outputs), CHAIN, List.of(payer), List.of());
  }

  private Transaction register(long fee) {
    return Transactions.sign(
        Transactions.register(
            List.of(coin),
            List.of(Transactions.output(1_000 * TIME - fee, Address.of(payer.publicKey()))),
            collateral,
            ByteString.copyFrom(consensus.publicKey().bytes()),
            Address.of(payer.publicKey())),
        CHAIN,
        List.of(payer),
        List.of(collateralOwner, consensus));
  }

  private TransactionRules.Verdict check(Transaction tx) {
    return TransactionRules.check(tx, utxos, registry, DEFAULTS, SignatureVerifier.ED25519, false);
  }

  private static Ed25519KeyPair key(int i) {
    return Ed25519KeyPair.fromSeed(Sha256.hash(new byte[] {(byte) i, 7}));
  }

  private static OutPoint outpoint(int i) {
    return OutPoint.newBuilder()
        .setTxid(ByteString.copyFrom(Sha256.hash(new byte[] {(byte) i, 8})))
        .setIndex(0)
        .build();
  }
}
