package io.timecoin.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Witness;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** Random transfers, valid and broken one way each, thrown at the validator: every verdict and reason checked. */
class TransactionRulesTest {
  private static final String CHAIN = "timecoin-test";
  private static final LedgerParams LIMITS = new LedgerParams(CHAIN, 1_000, 64 * 1024, 1_000, 1 << 20, 100);
  private static final Registry NO_MASTERNODES = Registry.of(List.of());
  private static final SignatureVerifier VERIFY = SignatureVerifier.ED25519;

  private final Random random = new Random(42);
  private final List<Ed25519KeyPair> keys = new ArrayList<>();
  private final Map<OutPoint, TxOutput> unspent = new HashMap<>();
  private final Map<OutPoint, Ed25519KeyPair> ownerOf = new HashMap<>();
  private final Set<OutPoint> spent = new HashSet<>();
  private final UtxoView view = new UtxoView() {
    @Override
    public TxOutput unspent(OutPoint o) {
      return unspent.get(o);
    }

    @Override
    public boolean created(OutPoint o) {
      return unspent.containsKey(o) || spent.contains(o);
    }
  };

  TransactionRulesTest() {
    for (int i = 0; i < 8; i++) {
      keys.add(Ed25519KeyPair.fromSeed(Sha256.hash(new byte[] {(byte) i, 42})));
    }
    for (int i = 0; i < 200; i++) {
      OutPoint o = OutPoint.newBuilder().setTxid(ByteString.copyFrom(Sha256.hash(new byte[] {(byte) i, 1}))).setIndex(i % 3).build();
      Ed25519KeyPair owner = keys.get(random.nextInt(keys.size()));
      unspent.put(o, TxOutput.newBuilder().setAmount(10_000 + random.nextInt(1_000_000)).setAddress(address(owner)).build());
      ownerOf.put(o, owner);
    }
    for (int i = 0; i < 20; i++) {
      spent.add(OutPoint.newBuilder().setTxid(ByteString.copyFrom(Sha256.hash(new byte[] {(byte) i, 2}))).setIndex(0).build());
    }
  }

  private static ByteString address(Ed25519KeyPair k) {
    return ByteString.copyFrom(Address.of(k.publicKey()).bytes());
  }

  /** A valid transfer of 1 to 3 random unspent outputs, paying a fee of at least the minimum. */
  private Transaction.Builder validTransfer() {
    List<OutPoint> all = new ArrayList<>(unspent.keySet());
    all.sort((a, b) -> ByteString.unsignedLexicographicalComparator().compare(a.getTxid(), b.getTxid()));
    Set<OutPoint> chosen = new HashSet<>();
    int n = 1 + random.nextInt(3);
    while (chosen.size() < n) {
      chosen.add(all.get(random.nextInt(all.size())));
    }
    Transaction.Builder tx = Transaction.newBuilder().setVersion(1).setKind(TransactionKind.TRANSACTION_KIND_TRANSFER);
    long in = 0;
    for (OutPoint o : chosen) {
      tx.addInputs(TxInput.newBuilder().setOutpoint(o));
      in += unspent.get(o).getAmount();
    }
    long fee = 1_000 + random.nextInt(5_000);
    long pay = in - fee;
    long first = 1 + random.nextInt((int) Math.min(pay - 1, Integer.MAX_VALUE));
    tx.addOutputs(TxOutput.newBuilder().setAmount(first).setAddress(address(keys.get(random.nextInt(keys.size())))));
    tx.addOutputs(TxOutput.newBuilder().setAmount(pay - first).setAddress(address(keys.get(random.nextInt(keys.size())))));
    return tx;
  }

  /** Signs each input with the owner of its output (or {@code signer} when given) for {@code chain}. */
  private Transaction sign(Transaction.Builder tx, Ed25519KeyPair signer, String chain) {
    byte[] msg = CanonicalBytes.transactionSignature(chain, Hashes.transaction(tx.build()).toByteArray());
    for (int i = 0; i < tx.getInputsCount(); i++) {
      Ed25519KeyPair k = signer != null ? signer : ownerOf.getOrDefault(tx.getInputs(i).getOutpoint(), keys.get(0));
      tx.getInputsBuilder(i).setWitness(Witness.newBuilder().setPublicKey(ByteString.copyFrom(k.publicKey().bytes()))
          .setSignature(ByteString.copyFrom(k.sign(msg))));
    }
    return tx.build();
  }

  private void expect(ErrorReason reason, BiFunction<Transaction.Builder, Random, Transaction> breaker) {
    for (int n = 0; n < 150; n++) {
      Transaction tx = breaker.apply(validTransfer(), random);
      TransactionRules.Verdict v = TransactionRules.check(tx, view, NO_MASTERNODES, LIMITS, VERIFY, false);
      assertEquals(reason, v.reason(), () -> v.detail() + "\n" + tx);
    }
  }

  @Test
  void validTransfersAreAcceptedWithTheirFee() {
    for (int n = 0; n < 300; n++) {
      Transaction.Builder b = validTransfer();
      long in = b.getInputsList().stream().mapToLong(i -> unspent.get(i.getOutpoint()).getAmount()).sum();
      long out = b.getOutputsList().stream().mapToLong(TxOutput::getAmount).sum();
      Transaction tx = sign(b, null, CHAIN);
      TransactionRules.Verdict v = TransactionRules.check(tx, view, NO_MASTERNODES, LIMITS, VERIFY, false);
      assertTrue(v.valid(), v.detail());
      assertEquals(in - out, v.fee());
      assertEquals(Hashes.transaction(tx), v.txid());
    }
  }

  @Test
  void eachWayOfBreakingATransferHasItsReason() {
    expect(ErrorReason.ERROR_REASON_DUPLICATE_INPUT, (b, r) -> sign(b.addInputs(b.getInputs(0)), null, CHAIN));
    expect(ErrorReason.ERROR_REASON_UNKNOWN_INPUT, (b, r) -> sign(b.setInputs(0, TxInput.newBuilder().setOutpoint(
        OutPoint.newBuilder().setTxid(ByteString.copyFrom(Sha256.hash(new byte[] {9, 9, (byte) r.nextInt()}))).setIndex(7))), null, CHAIN));
    expect(ErrorReason.ERROR_REASON_ALREADY_SPENT, (b, r) -> sign(b.setInputs(0, TxInput.newBuilder().setOutpoint(
        new ArrayList<>(spent).get(r.nextInt(spent.size())))), null, CHAIN));
    expect(ErrorReason.ERROR_REASON_WRONG_OWNER, (b, r) -> {
      Ed25519KeyPair owner = ownerOf.get(b.getInputs(0).getOutpoint());
      Ed25519KeyPair thief = keys.stream().filter(k -> !k.equals(owner)).findFirst().orElseThrow();
      return sign(b, thief, CHAIN); // a valid signature, by a key that does not own the output
    });
    expect(ErrorReason.ERROR_REASON_ZERO_OUTPUT, (b, r) -> sign(b.addOutputs(TxOutput.newBuilder().setAmount(0)
        .setAddress(address(keys.get(0)))), null, CHAIN));
    expect(ErrorReason.ERROR_REASON_OVERFLOW, (b, r) -> sign(b.setOutputs(0, b.getOutputs(0).toBuilder()
        .setAmount(b.getOutputs(0).getAmount() + 100_000_000L)), null, CHAIN)); // outputs worth more than inputs
    expect(ErrorReason.ERROR_REASON_OVERFLOW, (b, r) -> sign(b.setOutputs(0, b.getOutputs(0).toBuilder().setAmount(Long.MIN_VALUE))
        .setOutputs(1, b.getOutputs(1).toBuilder().setAmount(Long.MIN_VALUE)), null, CHAIN)); // 2^63 + 2^63
    expect(ErrorReason.ERROR_REASON_FEE_TOO_LOW, (b, r) -> {
      long in = b.getInputsList().stream().mapToLong(i -> unspent.get(i.getOutpoint()).getAmount()).sum();
      return sign(b.setOutputs(1, b.getOutputs(1).toBuilder().setAmount(in - b.getOutputs(0).getAmount() - r.nextInt(1_000))),
          null, CHAIN);
    });
    expect(ErrorReason.ERROR_REASON_BAD_SIGNATURE, (b, r) -> {
      Transaction tx = sign(b, null, CHAIN);
      byte[] sig = tx.getInputs(0).getWitness().getSignature().toByteArray();
      sig[r.nextInt(64)] ^= (byte) (1 << r.nextInt(8));
      return tx.toBuilder().setInputs(0, tx.getInputs(0).toBuilder().setWitness(tx.getInputs(0).getWitness().toBuilder()
          .setSignature(ByteString.copyFrom(sig)))).build();
    });
    expect(ErrorReason.ERROR_REASON_BAD_SIGNATURE, (b, r) -> sign(b, null, "another-chain")); // wrong chain
    expect(ErrorReason.ERROR_REASON_MALFORMED, (b, r) -> {
      Transaction tx = sign(b, null, CHAIN);
      return tx.toBuilder().setInputs(0, tx.getInputs(0).toBuilder().setWitness(tx.getInputs(0).getWitness().toBuilder()
          .setPublicKey(ByteString.copyFrom(new byte[31])))).build();
    });
    // broken after signing: these have no canonical bytes to sign
    expect(ErrorReason.ERROR_REASON_MALFORMED, (b, r) -> sign(b, null, CHAIN).toBuilder()
        .setKind(TransactionKind.TRANSACTION_KIND_REWARD).build());
    expect(ErrorReason.ERROR_REASON_MALFORMED, (b, r) -> {
      Transaction tx = sign(b, null, CHAIN);
      return tx.toBuilder().setOutputs(0, tx.getOutputs(0).toBuilder().setAddress(ByteString.copyFrom(new byte[19]))).build();
    });
    expect(ErrorReason.ERROR_REASON_TOO_LARGE, (b, r) -> {
      for (int i = 0; i < 3_000; i++) { // about 78 KB, over the 64 KiB limit
        b.addOutputs(TxOutput.newBuilder().setAmount(1).setAddress(address(keys.get(1))));
      }
      return sign(b, null, CHAIN);
    });
  }
}
