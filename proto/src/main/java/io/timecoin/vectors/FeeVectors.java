package io.timecoin.vectors;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Sha256;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Witness;
import io.timecoin.protocol.Fees;
import io.timecoin.protocol.Transactions;
import io.timecoin.protocol.Units;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The "fees" section of the test vectors (docs/protocol.md 2.2, 4.3): transactions with the length
 * of their TX and TXW bytes and the fee the default parameters require of them (a transfer of 1 and
 * of 3 inputs, a registration, where registration_fee wins, and a tiny transaction under a
 * min_tx_fee that wins over the price per byte), each with its parameters; checked in Python by
 * {@code proto/testvectors/fees_rule.py}.
 */
public final class FeeVectors {
  private FeeVectors() {}

  /** The parameters of the "tiny" entry: the defaults with a floor above its price per byte. */
  public static final Fees TINY =
      new Fees(
          5_000,
          Fees.DEFAULTS.minFeePerByte(),
          Fees.DEFAULTS.minOutput(),
          Fees.DEFAULTS.registrationFee());

  /** The section: one entry per transaction, each with the fee parameters that price it. */
  public static List<Object> fees() {
    List<Object> out = new ArrayList<>();
    out.add(entry("transfer/1-input", transfer(1, 2), Fees.DEFAULTS));
    out.add(entry("transfer/3-inputs", transfer(3, 2), Fees.DEFAULTS));
    out.add(entry("register_masternode", register(), Fees.DEFAULTS));
    out.add(entry("tiny/min_tx_fee", transfer(1, 1), TINY));
    return out;
  }

  /** The transactions of the section, in its order. */
  static List<Transaction> transactions() {
    return List.of(transfer(1, 2), transfer(3, 2), register(), transfer(1, 1));
  }

  /** The four fee parameters, as the genesis names them. */
  public static Map<String, Object> params(Fees f) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("min_tx_fee", Long.toUnsignedString(f.minTxFee()));
    m.put("min_fee_per_byte", Long.toUnsignedString(f.minFeePerByte()));
    m.put("min_output", Long.toUnsignedString(f.minOutput()));
    m.put("registration_fee", Long.toUnsignedString(f.registrationFee()));
    return m;
  }

  private static Map<String, Object> entry(String name, Transaction tx, Fees fees) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("params", params(fees));
    m.put("tx", ProtoJson.of(tx));
    m.put("tx_bytes_len", CanonicalBytes.transaction(tx).length);
    m.put("txw_bytes_len", CanonicalBytes.transactionWithWitnesses(tx).length);
    m.put("required_fee", Long.toUnsignedString(fees.required(tx)));
    return m;
  }

  private static Transaction transfer(int inputs, int outputs) {
    List<OutPoint> in = new ArrayList<>();
    for (int i = 0; i < inputs; i++) {
      in.add(OutPoint.newBuilder().setTxid(sha("fee vector coin " + i)).setIndex(i).build());
    }
    List<TxOutput> out = new ArrayList<>();
    for (int i = 0; i < outputs; i++) {
      out.add(
          Transactions.output(
              (10 + i) * Units.UNITS_PER_TIME, Address.of(TestVectors.key(i).publicKey())));
    }
    return signed(Transactions.transfer(in, out), inputs, 0);
  }

  private static Transaction register() {
    return signed(
        Transactions.register(
            List.of(OutPoint.newBuilder().setTxid(sha("fee vector coin 0")).setIndex(0).build()),
            List.of(
                Transactions.output(
                    5 * Units.UNITS_PER_TIME, Address.of(TestVectors.key(1).publicKey()))),
            OutPoint.newBuilder().setTxid(sha("fee vector collateral")).setIndex(1).build(),
            ByteString.copyFrom(TestVectors.key(2).publicKey().bytes()),
            Address.of(TestVectors.key(2).publicKey())),
        1,
        2);
  }

  /**
   * Real signatures (by test keys 1 and 2) over the vectors' chain id, so the entries are whole
   * transactions.
   */
  private static Transaction signed(Transaction.Builder tx, int inputs, int kindWitnesses) {
    byte[] message =
        CanonicalBytes.transactionSignature(
            TestVectors.CHAIN_ID, Hashes.transaction(tx.build()).toByteArray());
    for (int i = 0; i < inputs; i++) {
      tx.getInputsBuilder(i).setWitness(witness(1, message));
    }
    for (int k = 0; k < kindWitnesses; k++) {
      tx.addKindWitnesses(witness(1 + k, message));
    }
    return tx.build();
  }

  private static Witness witness(int key, byte[] message) {
    return Witness.newBuilder()
        .setPublicKey(ByteString.copyFrom(TestVectors.key(key).publicKey().bytes()))
        .setSignature(ByteString.copyFrom(TestVectors.key(key).sign(message)))
        .build();
  }

  private static ByteString sha(String s) {
    return ByteString.copyFrom(Sha256.hash(s.getBytes(StandardCharsets.UTF_8)));
  }
}
