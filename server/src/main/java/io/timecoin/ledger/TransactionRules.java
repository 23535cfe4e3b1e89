package io.timecoin.ledger;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.crypto.InvalidKeyException;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.ProtocolVersion;
import java.util.HashSet;
import java.util.Set;

/**
 * Whether a transfer may be applied to a UTXO state (PROTOCOL.md 4.3), and if not, the typed reason:
 * MALFORMED, TOO_LARGE, DUPLICATE_INPUT, UNKNOWN_INPUT, ALREADY_SPENT, WRONG_OWNER, ZERO_OUTPUT,
 * OVERFLOW, FEE_TOO_LOW, BAD_SIGNATURE. The cheap checks come first and the signatures last, so
 * that junk costs no verification. A transfer signed for another chain fails as BAD_SIGNATURE: the
 * chain id is in the signed TXSIG bytes, not in the transaction.
 *
 * <p>The masternode kinds (REGISTER_MASTERNODE, DEREGISTER_MASTERNODE) need the registry and come
 * with it; GENESIS and REWARD exist only inside blocks and are refused here.
 */
public final class TransactionRules {
  /** The chain's limits that apply to one transaction. */
  public record Limits(String chainId, long minTxFee, int maxTxBytes) {}

  /** Valid, with the transaction's id and fee; or refused with a reason. */
  public record Verdict(ErrorReason reason, String detail, ByteString txid, long fee) {
    static Verdict refused(ErrorReason reason, String detail) {
      return new Verdict(reason, detail, null, 0);
    }

    public boolean valid() {
      return reason == null;
    }
  }

  private TransactionRules() {}

  public static Verdict checkTransfer(Transaction tx, UtxoView utxos, Limits limits, SignatureVerifier verifier) {
    if (tx.getKind() != TransactionKind.TRANSACTION_KIND_TRANSFER) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, tx.getKind() + " is not a transfer");
    }
    if (tx.getVersion() != ProtocolVersion.TRANSACTION) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, "transaction version " + tx.getVersion());
    }
    int size = tx.getSerializedSize();
    if (size > limits.maxTxBytes()) {
      return Verdict.refused(ErrorReason.ERROR_REASON_TOO_LARGE, size + " bytes, the limit is " + limits.maxTxBytes());
    }
    if (tx.getInputsCount() == 0 || tx.getOutputsCount() == 0 || tx.getKindWitnessesCount() > 0) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, "a transfer has inputs, outputs and no kind witnesses");
    }
    ByteString txid;
    try {
      txid = Hashes.transaction(tx);
    } catch (MalformedException e) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, e.getMessage());
    }
    Set<OutPoint> seen = new HashSet<>();
    long in = 0;
    for (TxInput input : tx.getInputsList()) {
      if (!seen.add(input.getOutpoint())) {
        return Verdict.refused(ErrorReason.ERROR_REASON_DUPLICATE_INPUT, "input " + describe(input.getOutpoint()) + " is named twice");
      }
      TxOutput spent = utxos.unspent(input.getOutpoint());
      if (spent == null) {
        return utxos.created(input.getOutpoint())
            ? Verdict.refused(ErrorReason.ERROR_REASON_ALREADY_SPENT, "input " + describe(input.getOutpoint()) + " is already spent")
            : Verdict.refused(ErrorReason.ERROR_REASON_UNKNOWN_INPUT, "input " + describe(input.getOutpoint()) + " does not exist");
      }
      Ed25519PublicKey owner;
      try {
        owner = Ed25519PublicKey.of(input.getWitness().getPublicKey().toByteArray());
      } catch (InvalidKeyException e) {
        return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, "input witness: " + e.getMessage());
      }
      if (!ByteString.copyFrom(Address.of(owner).bytes()).equals(spent.getAddress())) {
        return Verdict.refused(ErrorReason.ERROR_REASON_WRONG_OWNER, "input " + describe(input.getOutpoint())
            + " belongs to another address than its witness key's");
      }
      long next = in + spent.getAmount();
      if (Long.compareUnsigned(next, in) < 0) {
        return Verdict.refused(ErrorReason.ERROR_REASON_OVERFLOW, "inputs sum past 2^64");
      }
      in = next;
    }
    long out = 0;
    for (TxOutput o : tx.getOutputsList()) {
      if (o.getAmount() == 0) {
        return Verdict.refused(ErrorReason.ERROR_REASON_ZERO_OUTPUT, "an output of zero");
      }
      long next = out + o.getAmount();
      if (Long.compareUnsigned(next, out) < 0) {
        return Verdict.refused(ErrorReason.ERROR_REASON_OVERFLOW, "outputs sum past 2^64");
      }
      out = next;
    }
    if (Long.compareUnsigned(out, in) > 0) {
      return Verdict.refused(ErrorReason.ERROR_REASON_OVERFLOW, "outputs (" + Long.toUnsignedString(out)
          + ") are worth more than inputs (" + Long.toUnsignedString(in) + ")");
    }
    long fee = in - out;
    if (Long.compareUnsigned(fee, limits.minTxFee()) < 0) {
      return Verdict.refused(ErrorReason.ERROR_REASON_FEE_TOO_LOW, "fee " + Long.toUnsignedString(fee)
          + " is below the minimum " + limits.minTxFee());
    }
    byte[] signed = CanonicalBytes.transactionSignature(limits.chainId(), txid.toByteArray());
    for (TxInput input : tx.getInputsList()) {
      Ed25519PublicKey key = Ed25519PublicKey.of(input.getWitness().getPublicKey().toByteArray());
      if (!verifier.verify(key, signed, input.getWitness().getSignature())) {
        return Verdict.refused(ErrorReason.ERROR_REASON_BAD_SIGNATURE, "the signature of input "
            + describe(input.getOutpoint()) + " does not verify on chain " + limits.chainId());
      }
    }
    return new Verdict(null, "", txid, fee);
  }

  private static String describe(OutPoint o) {
    return java.util.HexFormat.of().formatHex(o.getTxid().toByteArray(), 0, Math.min(4, o.getTxid().size())) + ":" + o.getIndex();
  }
}
