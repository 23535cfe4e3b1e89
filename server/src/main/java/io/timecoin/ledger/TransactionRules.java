package io.timecoin.ledger;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.crypto.InvalidKeyException;
import io.timecoin.crypto.KeyCache;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Witness;
import io.timecoin.protocol.ProtocolVersion;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Whether a transaction may be applied to a state (PROTOCOL.md 4.1, 4.3), and if not, the typed
 * reason: MALFORMED, TOO_LARGE, DUPLICATE_INPUT, UNKNOWN_INPUT, ALREADY_SPENT, WRONG_OWNER,
 * ZERO_OUTPUT, OVERFLOW, FEE_TOO_LOW, BAD_SIGNATURE, and for the masternode kinds BAD_COLLATERAL,
 * ALREADY_REGISTERED, NOT_REGISTERED. The cheap checks come first and the signatures last, so that
 * junk costs no verification. A transaction signed for another chain fails as BAD_SIGNATURE: the
 * chain id is in the signed TXSIG bytes, not in the transaction.
 *
 * <p>TRANSFER, REGISTER_MASTERNODE and DEREGISTER_MASTERNODE all spend inputs and pay a fee; the
 * masternode kinds need at least one input (which also makes each one's id unique, so a signed
 * deregistration can never be replayed against a later registration of the same key) and may have no
 * outputs. GENESIS and REWARD exist only where a block puts them, and are refused here.
 */
public final class TransactionRules {
  /** Valid, with the transaction's id and fee; or refused with a reason. */
  public record Verdict(ErrorReason reason, String detail, ByteString txid, long fee) {
    static Verdict refused(ErrorReason reason, String detail) {
      return new Verdict(reason, detail, null, 0);
    }

    public boolean valid() {
      return reason == null;
    }

    @Override
    public String toString() {
      return valid() ? "valid" : reason.name().substring("ERROR_REASON_".length()) + ": " + detail;
    }
  }

  /** Witness keys decoded once each (wallets reuse their keys). */
  private static final KeyCache KEYS = new KeyCache(100_000);
  private static final Supplier<String> COLLATERAL_WITNESS = () -> "the collateral owner's witness";

  private TransactionRules() {}

  /**
   * Checks {@code tx} against the outputs and registry it would be applied to. With
   * {@code signaturesChecked}, the signatures are taken as verified already (this very transaction,
   * witnesses and all, was admitted to the mempool); everything else is checked.
   */
  public static Verdict check(Transaction tx, UtxoView utxos, RegistryView registry, LedgerParams params,
      SignatureVerifier verifier, boolean signaturesChecked) {
    TransactionKind kind = tx.getKind();
    int kindWitnesses = switch (kind) {
      case TRANSACTION_KIND_TRANSFER -> 0;
      case TRANSACTION_KIND_REGISTER_MASTERNODE -> 2;
      case TRANSACTION_KIND_DEREGISTER_MASTERNODE -> 1;
      default -> -1;
    };
    if (kindWitnesses < 0) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, kind + " is not a transaction one may submit");
    }
    if (tx.getVersion() != ProtocolVersion.TRANSACTION) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, "transaction version " + tx.getVersion());
    }
    int size = tx.getSerializedSize();
    if (size > params.maxTxBytes()) {
      return Verdict.refused(ErrorReason.ERROR_REASON_TOO_LARGE, size + " bytes, the limit is " + params.maxTxBytes());
    }
    if (tx.getInputsCount() == 0) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, "a " + kindName(kind) + " spends at least one input");
    }
    if (kind == TransactionKind.TRANSACTION_KIND_TRANSFER && tx.getOutputsCount() == 0) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, "a transfer has at least one output");
    }
    if (tx.getKindWitnessesCount() != kindWitnesses) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, "a " + kindName(kind) + " carries " + kindWitnesses
          + " kind witnesses, not " + tx.getKindWitnessesCount());
    }
    boolean payloadMatches = switch (kind) {
      case TRANSACTION_KIND_TRANSFER -> tx.getPayloadCase() == Transaction.PayloadCase.PAYLOAD_NOT_SET;
      case TRANSACTION_KIND_REGISTER_MASTERNODE -> tx.hasRegisterMasternode();
      default -> tx.hasDeregisterMasternode();
    };
    if (!payloadMatches) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, "the payload does not match the kind " + kindName(kind));
    }
    ByteString txid;
    try {
      txid = Hashes.transaction(tx); // refuses wrong-size hashes, keys and addresses
    } catch (MalformedException e) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, e.getMessage());
    }
    List<ByteString> signers = new ArrayList<>();
    List<ByteString> signatures = new ArrayList<>();
    Set<OutPoint> seen = new HashSet<>();
    long in = 0;
    for (TxInput input : tx.getInputsList()) {
      OutPoint o = input.getOutpoint();
      if (!seen.add(o)) {
        return Verdict.refused(ErrorReason.ERROR_REASON_DUPLICATE_INPUT, "input " + describe(o) + " is named twice");
      }
      TxOutput spent = utxos.unspent(o);
      if (spent == null) {
        return inputsGone(tx, utxos); // this input's reason (an earlier one was there)
      }
      Verdict owner = checkOwner(input.getWitness(), spent.getAddress(), () -> "input " + describe(o), signers, signatures);
      if (owner != null) {
        return owner;
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
    if (Long.compareUnsigned(fee, params.minTxFee()) < 0) {
      return Verdict.refused(ErrorReason.ERROR_REASON_FEE_TOO_LOW, "fee " + Long.toUnsignedString(fee)
          + " is below the minimum " + params.minTxFee());
    }
    Verdict kindVerdict = switch (kind) {
      case TRANSACTION_KIND_REGISTER_MASTERNODE -> checkRegister(tx, seen, utxos, registry, signers, signatures);
      case TRANSACTION_KIND_DEREGISTER_MASTERNODE -> checkDeregister(tx, registry, signers, signatures);
      default -> null;
    };
    if (kindVerdict != null) {
      return kindVerdict;
    }
    Verdict last = checkValidatorsRemain(tx, registry);
    if (last != null) {
      return last;
    }
    if (!signaturesChecked) {
      byte[] signed = CanonicalBytes.transactionSignature(params.chainId(), txid.toByteArray());
      for (int i = 0; i < signers.size(); i++) {
        Ed25519PublicKey key;
        try {
          key = KEYS.get(signers.get(i));
        } catch (InvalidKeyException e) {
          return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, "witness " + i + ": " + e.getMessage());
        }
        if (!verifier.verify(key, signed, signatures.get(i))) {
          String which = i < tx.getInputsCount() ? "input " + describe(tx.getInputs(i).getOutpoint())
              : "kind witness " + (i - tx.getInputsCount());
          return Verdict.refused(ErrorReason.ERROR_REASON_BAD_SIGNATURE, "the signature of " + which
              + " does not verify on chain " + params.chainId());
        }
      }
    }
    return new Verdict(null, "", txid, fee);
  }

  /**
   * ALREADY_SPENT or UNKNOWN_INPUT if an input is not in {@code utxos}, else null: what admission
   * would answer first, found before paying for the signatures. A node that fell behind receives
   * relayed copies of transactions its own blocks have spent meanwhile, and would verify each for
   * nothing. (A spent output never comes back; one unknown now may exist a moment later, and the
   * transaction is refused as admission would have refused it a moment earlier.)
   */
  public static Verdict inputsGone(Transaction tx, UtxoView utxos) {
    for (TxInput input : tx.getInputsList()) {
      OutPoint o = input.getOutpoint();
      if (utxos.unspent(o) == null) {
        return utxos.created(o)
            ? Verdict.refused(ErrorReason.ERROR_REASON_ALREADY_SPENT, "input " + describe(o) + " is already spent")
            : Verdict.refused(ErrorReason.ERROR_REASON_UNKNOWN_INPUT, "input " + describe(o) + " does not exist");
      }
    }
    return null;
  }

  /**
   * Verifies every signature the transaction carries (inputs, then kind witnesses) against the key
   * beside it. It needs no state (TXSIG is the chain id and the txid), so callers run it off the
   * consensus thread, then {@link #check} with {@code signaturesChecked}, which still checks that
   * each key is the right one. Null when every signature verifies.
   */
  public static Verdict verifySignatures(Transaction tx, String chainId, SignatureVerifier verifier) {
    ByteString txid;
    try {
      txid = Hashes.transaction(tx);
    } catch (MalformedException e) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, e.getMessage());
    }
    byte[] signed = CanonicalBytes.transactionSignature(chainId, txid.toByteArray());
    List<Witness> witnesses = new ArrayList<>();
    tx.getInputsList().forEach(in -> witnesses.add(in.getWitness()));
    witnesses.addAll(tx.getKindWitnessesList());
    for (int i = 0; i < witnesses.size(); i++) {
      Witness w = witnesses.get(i);
      Ed25519PublicKey key;
      try {
        key = KEYS.get(w.getPublicKey());
      } catch (InvalidKeyException e) {
        return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, "witness " + i + ": " + e.getMessage());
      }
      if (!verifier.verify(key, signed, w.getSignature())) {
        return Verdict.refused(ErrorReason.ERROR_REASON_BAD_SIGNATURE, "the signature of witness " + i
            + " does not verify on chain " + chainId);
      }
    }
    return null;
  }

  /** REGISTER_MASTERNODE: the collateral, its owner's signature, and the consensus key's proof of possession. */
  private static Verdict checkRegister(Transaction tx, Set<OutPoint> inputs, UtxoView utxos, RegistryView registry,
      List<ByteString> signers, List<ByteString> signatures) {
    var p = tx.getRegisterMasternode();
    OutPoint collateral = p.getCollateral();
    try {
      KEYS.get(p.getConsensusKey()); // decoded once: its proof of possession is verified with it
    } catch (InvalidKeyException e) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, "consensus key: " + e.getMessage());
    }
    if (inputs.contains(collateral)) {
      return Verdict.refused(ErrorReason.ERROR_REASON_BAD_COLLATERAL, "the collateral " + describe(collateral)
          + " is spent by this very transaction");
    }
    TxOutput output = utxos.unspent(collateral);
    if (output == null) {
      return Verdict.refused(ErrorReason.ERROR_REASON_BAD_COLLATERAL, "the collateral " + describe(collateral)
          + (utxos.created(collateral) ? " is already spent" : " does not exist"));
    }
    if (Long.compareUnsigned(output.getAmount(), MasternodeRecord.MIN_COLLATERAL) < 0) {
      return Verdict.refused(ErrorReason.ERROR_REASON_BAD_COLLATERAL, "the collateral holds "
          + Long.toUnsignedString(output.getAmount()) + " units, below the minimum of 1,000 TIME");
    }
    MasternodeRecord backed = registry.activeByCollateral(collateral);
    if (backed != null) {
      return Verdict.refused(ErrorReason.ERROR_REASON_ALREADY_REGISTERED, "the collateral " + describe(collateral)
          + " already backs masternode " + shortHex(backed.consensusKey()));
    }
    MasternodeRecord existing = registry.get(p.getConsensusKey());
    if (existing != null && existing.active()) {
      return Verdict.refused(ErrorReason.ERROR_REASON_ALREADY_REGISTERED, "consensus key "
          + shortHex(p.getConsensusKey()) + " is already a registered masternode");
    }
    Verdict owner = checkOwner(tx.getKindWitnesses(0), output.getAddress(), COLLATERAL_WITNESS, signers, signatures);
    if (owner != null) {
      return owner;
    }
    Witness possession = tx.getKindWitnesses(1);
    if (!possession.getPublicKey().equals(p.getConsensusKey())) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, "the second kind witness must be by the consensus key");
    }
    signers.add(possession.getPublicKey()); // the consensus key, validated above
    signatures.add(possession.getSignature());
    return null;
  }

  /** DEREGISTER_MASTERNODE: a registered masternode, and its collateral owner's signature. */
  private static Verdict checkDeregister(Transaction tx, RegistryView registry, List<ByteString> signers,
      List<ByteString> signatures) {
    ByteString key = tx.getDeregisterMasternode().getConsensusKey();
    MasternodeRecord m = registry.get(key);
    if (m == null || !m.active()) {
      return Verdict.refused(ErrorReason.ERROR_REASON_NOT_REGISTERED, "no registered masternode has consensus key " + shortHex(key));
    }
    return checkOwner(tx.getKindWitnesses(0), m.ownerAddress(), COLLATERAL_WITNESS, signers, signatures);
  }

  /**
   * A transaction may not leave the chain without validators (spending the last collateral, or
   * deregistering the last masternode): no one could finalize another block.
   */
  private static Verdict checkValidatorsRemain(Transaction tx, RegistryView registry) {
    Set<ByteString> removed = new HashSet<>();
    for (TxInput input : tx.getInputsList()) {
      MasternodeRecord m = registry.activeByCollateral(input.getOutpoint());
      if (m != null) {
        removed.add(m.consensusKey());
      }
    }
    if (tx.hasDeregisterMasternode()) {
      removed.add(tx.getDeregisterMasternode().getConsensusKey());
    }
    int added = tx.hasRegisterMasternode() ? 1 : 0;
    if (!removed.isEmpty() && registry.activeCount() - removed.size() + added <= 0) {
      return Verdict.refused(ErrorReason.ERROR_REASON_BAD_COLLATERAL, "it would remove the last registered masternode: no one could finalize a block");
    }
    return null;
  }

  /**
   * The witness's key must hash to {@code address}; it is queued for signature checking, decoded
   * (and so validated) only then: decoding a key costs as much as a verification, and a key whose
   * signature was checked on admission was decoded there.
   */
  private static Verdict checkOwner(Witness w, ByteString address, Supplier<String> what, List<ByteString> signers,
      List<ByteString> signatures) { // what: built only for a refusal (hex per input was 1% of the CPU under load)
    if (w.getPublicKey().size() != Ed25519PublicKey.SIZE) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, what.get() + ": a public key is 32 bytes");
    }
    if (!ByteString.copyFrom(Address.ofKeyBytes(w.getPublicKey().toByteArray()).bytes()).equals(address)) {
      return Verdict.refused(ErrorReason.ERROR_REASON_WRONG_OWNER, what.get() + ": the key's address is not the output's");
    }
    signers.add(w.getPublicKey());
    signatures.add(w.getSignature());
    return null;
  }

  private static String kindName(TransactionKind kind) {
    return kind.name().substring("TRANSACTION_KIND_".length()).toLowerCase().replace('_', ' ');
  }

  static String describe(OutPoint o) {
    return shortHex(o.getTxid()) + ":" + o.getIndex();
  }

  static String shortHex(ByteString b) {
    return HexFormat.of().formatHex(b.toByteArray(), 0, Math.min(4, b.size()));
  }
}
