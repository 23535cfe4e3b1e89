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
import io.timecoin.protocol.Fees;
import io.timecoin.protocol.ProtocolVersion;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Whether a transaction may be applied to a state (docs/protocol.md 4.1, 4.3), and if not, the
 * typed reason: MALFORMED, TOO_LARGE, DUPLICATE_INPUT, UNKNOWN_INPUT, ALREADY_SPENT, WRONG_OWNER,
 * ZERO_OUTPUT, DUST, OVERFLOW, FEE_TOO_LOW, BAD_SIGNATURE, and for the masternode kinds
 * BAD_COLLATERAL, ALREADY_REGISTERED, NOT_REGISTERED. The checks that need only the transaction
 * come first (so junk costs no lookup and no verification), then every signature, then the checks
 * against the state (so a forged witness is BAD_SIGNATURE, which counts against the peer that
 * relayed it, whatever else is wrong). A transaction signed for another chain fails as
 * BAD_SIGNATURE: the chain id is in the signed TXSIG bytes, not in the transaction.
 *
 * <p>TRANSFER, REGISTER_MASTERNODE and DEREGISTER_MASTERNODE all spend inputs and pay a fee; the
 * masternode kinds need at least one input (which also makes each one's id unique, so a signed
 * deregistration can never be replayed against a later registration of the same key) and may have
 * no outputs. GENESIS and REWARD exist only where a block puts them, and are refused here.
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

  /**
   * Keys decoded once each: witnesses (wallets reuse their keys), and consensus keys, which the
   * validator sets reuse.
   */
  static final KeyCache KEYS = new KeyCache(100_000);

  private static final Supplier<String> COLLATERAL_WITNESS = () -> "the collateral owner's witness";

  private TransactionRules() {}

  /**
   * The checks that need nothing but the transaction, first of all, before any of its fields is
   * used as a key or hashed: a kind one may submit, its version and size, the counts its kind
   * needs, and every field its exact length (txids 32 bytes, keys 32, signatures 64, addresses 20).
   * A junk transaction costs no lookup and no verification. Null when it passes.
   */
  public static Verdict form(Transaction tx, int maxTxBytes) {
    TransactionKind kind = tx.getKind();
    int kindWitnesses =
        switch (kind) {
          case TRANSACTION_KIND_TRANSFER -> 0;
          case TRANSACTION_KIND_REGISTER_MASTERNODE -> 2;
          case TRANSACTION_KIND_DEREGISTER_MASTERNODE -> 1;
          default -> -1;
        };
    if (kindWitnesses < 0) {
      return malformed(
          kind == TransactionKind.UNRECOGNIZED
              ? "transaction kind " + tx.getKindValue()
              : kind + " is not a transaction one may submit");
    }
    if (tx.getVersion() != ProtocolVersion.TRANSACTION) {
      return malformed("transaction version " + Integer.toUnsignedString(tx.getVersion()));
    }
    int size = tx.getSerializedSize();
    if (size > maxTxBytes) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_TOO_LARGE, size + " bytes, the limit is " + maxTxBytes);
    }
    if (tx.getInputsCount() == 0) {
      return malformed("a " + kindName(kind) + " spends at least one input");
    }
    if (kind == TransactionKind.TRANSACTION_KIND_TRANSFER && tx.getOutputsCount() == 0) {
      return malformed("a transfer has at least one output");
    }
    if (tx.getKindWitnessesCount() != kindWitnesses) {
      return malformed(
          "a "
              + kindName(kind)
              + " carries "
              + kindWitnesses
              + " kind witnesses, not "
              + tx.getKindWitnessesCount());
    }
    boolean payloadMatches =
        switch (kind) {
          case TRANSACTION_KIND_TRANSFER ->
              tx.getPayloadCase() == Transaction.PayloadCase.PAYLOAD_NOT_SET;
          case TRANSACTION_KIND_REGISTER_MASTERNODE -> tx.hasRegisterMasternode();
          default -> tx.hasDeregisterMasternode();
        };
    if (!payloadMatches) {
      return malformed("the payload does not match the kind " + kindName(kind));
    }
    for (int i = 0; i < tx.getInputsCount(); i++) {
      TxInput input = tx.getInputs(i);
      String bad = sizes(input.getOutpoint().getTxid(), HASH_SIZE, "txid", input.getWitness());
      if (bad != null) {
        return malformed("input " + i + ": " + bad);
      }
    }
    for (int i = 0; i < tx.getOutputsCount(); i++) {
      if (tx.getOutputs(i).getAddress().size() != Address.SIZE) {
        return malformed(
            "output "
                + i
                + ": an address is "
                + Address.SIZE
                + " bytes, not "
                + tx.getOutputs(i).getAddress().size());
      }
    }
    for (int i = 0; i < tx.getKindWitnessesCount(); i++) {
      String bad = sizes(null, 0, null, tx.getKindWitnesses(i));
      if (bad != null) {
        return malformed("kind witness " + i + ": " + bad);
      }
    }
    if (tx.hasRegisterMasternode()) {
      var p = tx.getRegisterMasternode();
      if (p.getCollateral().getTxid().size() != HASH_SIZE) {
        return malformed(
            "the collateral txid is "
                + HASH_SIZE
                + " bytes, not "
                + p.getCollateral().getTxid().size());
      }
      if (p.getConsensusKey().size() != Ed25519PublicKey.SIZE) {
        return malformed(
            "the consensus key is "
                + Ed25519PublicKey.SIZE
                + " bytes, not "
                + p.getConsensusKey().size());
      }
      if (p.getRewardAddress().size() != Address.SIZE) {
        return malformed(
            "the reward address is " + Address.SIZE + " bytes, not " + p.getRewardAddress().size());
      }
      if (!tx.getKindWitnesses(1).getPublicKey().equals(p.getConsensusKey())) {
        return malformed("the second kind witness must be by the consensus key");
      }
    }
    if (tx.hasDeregisterMasternode()
        && tx.getDeregisterMasternode().getConsensusKey().size() != Ed25519PublicKey.SIZE) {
      return malformed(
          "the consensus key is "
              + Ed25519PublicKey.SIZE
              + " bytes, not "
              + tx.getDeregisterMasternode().getConsensusKey().size());
    }
    return null;
  }

  /** What is wrong with the sizes of a txid (when given) and a witness; null when nothing. */
  private static String sizes(ByteString txid, int txidSize, String txidName, Witness w) {
    if (txid != null && txid.size() != txidSize) {
      return "a " + txidName + " is " + txidSize + " bytes, not " + txid.size();
    }
    if (w.getPublicKey().size() != Ed25519PublicKey.SIZE) {
      return "a public key is " + Ed25519PublicKey.SIZE + " bytes, not " + w.getPublicKey().size();
    }
    if (w.getSignature().size() != SIGNATURE_SIZE) {
      return "a signature is " + SIGNATURE_SIZE + " bytes, not " + w.getSignature().size();
    }
    return null;
  }

  private static final int SIGNATURE_SIZE = 64;
  private static final int HASH_SIZE = 32;

  private static Verdict malformed(String detail) {
    return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, detail);
  }

  /**
   * Whether a peer that relayed a transaction refused for {@code reason} is at fault: true for
   * every refusal an honest node could not have admitted a moment before, because it depends on
   * nothing that changes (the transaction's form and signatures, the chain's constant parameters,
   * the spent outputs, which never change once created). False for what depends on the state or on
   * the mempool (UNKNOWN_INPUT: the peer may be ahead of us; ALREADY_SPENT, MEMPOOL_CONFLICT,
   * MEMPOOL_FULL, and the registry's BAD_COLLATERAL, ALREADY_REGISTERED, NOT_REGISTERED).
   */
  public static boolean relayFault(ErrorReason reason) {
    return switch (reason) {
      case ERROR_REASON_MALFORMED,
          ERROR_REASON_TOO_LARGE,
          ERROR_REASON_WRONG_CHAIN,
          ERROR_REASON_BAD_SIGNATURE,
          ERROR_REASON_DUPLICATE_INPUT,
          ERROR_REASON_WRONG_OWNER,
          ERROR_REASON_ZERO_OUTPUT,
          ERROR_REASON_DUST,
          ERROR_REASON_OVERFLOW,
          ERROR_REASON_FEE_TOO_LOW ->
          true;
      default -> false;
    };
  }

  /**
   * Checks {@code tx} against the outputs and registry it would be applied to. With {@code
   * signaturesChecked}, the signatures are taken as verified already (this very transaction,
   * witnesses and all, was admitted to the mempool, or {@link #verifySignatures} passed);
   * everything else is checked. Otherwise every signature is verified before anything is compared
   * with the state: a forged witness is always BAD_SIGNATURE, never a cheaper refusal such as
   * WRONG_OWNER.
   */
  public static Verdict check(
      Transaction tx,
      UtxoView utxos,
      RegistryView registry,
      LedgerParams params,
      SignatureVerifier verifier,
      boolean signaturesChecked) {
    Verdict form = form(tx, params.maxTxBytes());
    if (form != null) {
      return form;
    }
    ByteString txid;
    try {
      txid = Hashes.transaction(tx);
    } catch (MalformedException e) {
      return malformed(e.getMessage());
    }
    Set<OutPoint> seen = new HashSet<>();
    for (TxInput input : tx.getInputsList()) {
      if (!seen.add(input.getOutpoint())) {
        return Verdict.refused(
            ErrorReason.ERROR_REASON_DUPLICATE_INPUT,
            "input " + describe(input.getOutpoint()) + " is named twice");
      }
    }
    if (!signaturesChecked) {
      Verdict signatures = verifySignatures(tx, txid, params.chainId(), verifier);
      if (signatures != null) {
        return signatures;
      }
    }
    long in = 0;
    for (TxInput input : tx.getInputsList()) {
      OutPoint o = input.getOutpoint();
      TxOutput spent = utxos.unspent(o);
      if (spent == null) {
        return inputsGone(tx, utxos); // this input's reason (an earlier one was there)
      }
      Verdict owner =
          checkOwner(input.getWitness(), spent.getAddress(), () -> "input " + describe(o));
      if (owner != null) {
        return owner;
      }
      long next = in + spent.getAmount();
      if (Long.compareUnsigned(next, in) < 0) {
        return Verdict.refused(ErrorReason.ERROR_REASON_OVERFLOW, "inputs sum past 2^64");
      }
      in = next;
    }
    Fees fees = params.fees();
    long out = 0;
    for (TxOutput o : tx.getOutputsList()) {
      if (o.getAmount() == 0) {
        return Verdict.refused(ErrorReason.ERROR_REASON_ZERO_OUTPUT, "an output of zero");
      }
      if (fees.dust(o.getAmount())) { // docs/protocol.md 4.3: every user kind's output
        return Verdict.refused(
            ErrorReason.ERROR_REASON_DUST,
            "an output of "
                + Long.toUnsignedString(o.getAmount())
                + " units, below the least output "
                + Long.toUnsignedString(fees.minOutput()));
      }
      long next = out + o.getAmount();
      if (Long.compareUnsigned(next, out) < 0) {
        return Verdict.refused(ErrorReason.ERROR_REASON_OVERFLOW, "outputs sum past 2^64");
      }
      out = next;
    }
    if (Long.compareUnsigned(out, in) > 0) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_OVERFLOW,
          "outputs ("
              + Long.toUnsignedString(out)
              + ") are worth more than inputs ("
              + Long.toUnsignedString(in)
              + ")");
    }
    long fee = in - out;
    Verdict paid = checkFee(tx, fee, fees);
    if (paid != null) {
      return paid;
    }
    Verdict kindVerdict =
        switch (tx.getKind()) {
          case TRANSACTION_KIND_REGISTER_MASTERNODE -> checkRegister(tx, seen, utxos, registry);
          case TRANSACTION_KIND_DEREGISTER_MASTERNODE -> checkDeregister(tx, registry);
          default -> null;
        };
    if (kindVerdict != null) {
      return kindVerdict;
    }
    Verdict last = checkValidatorsRemain(tx, registry);
    if (last != null) {
      return last;
    }
    return new Verdict(null, "", txid, fee);
  }

  /**
   * FEE_TOO_LOW unless {@code fee} meets what the transaction's size (and, for a registration, the
   * registration fee) requires (docs/protocol.md 4.3); null when it does.
   */
  private static Verdict checkFee(Transaction tx, long fee, Fees fees) {
    long required;
    try {
      required = fees.required(tx);
    } catch (ArithmeticException e) { // no u64 fee pays it
      return Verdict.refused(
          ErrorReason.ERROR_REASON_FEE_TOO_LOW, "the required fee: " + e.getMessage());
    }
    if (Long.compareUnsigned(fee, required) < 0) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_FEE_TOO_LOW,
          "fee "
              + Long.toUnsignedString(fee)
              + " is below the required "
              + Long.toUnsignedString(required)
              + " ("
              + Fees.size(tx)
              + " bytes"
              + (tx.hasRegisterMasternode()
                  ? ", a registration pays at least "
                      + Long.toUnsignedString(fees.registrationFee())
                  : "")
              + ")");
    }
    return null;
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
      if (o.getTxid().size() != HASH_SIZE) { // never a key of the store
        return malformed(
            "input "
                + describe(o)
                + ": a txid is "
                + HASH_SIZE
                + " bytes, not "
                + o.getTxid().size());
      }
      if (utxos.unspent(o) == null) {
        return utxos.created(o)
            ? Verdict.refused(
                ErrorReason.ERROR_REASON_ALREADY_SPENT,
                "input " + describe(o) + " is already spent")
            : Verdict.refused(
                ErrorReason.ERROR_REASON_UNKNOWN_INPUT, "input " + describe(o) + " does not exist");
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
  public static Verdict verifySignatures(
      Transaction tx, String chainId, SignatureVerifier verifier) {
    ByteString txid;
    try {
      txid = Hashes.transaction(tx);
    } catch (MalformedException e) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, e.getMessage());
    }
    return verifySignatures(tx, txid, chainId, verifier);
  }

  private static Verdict verifySignatures(
      Transaction tx, ByteString txid, String chainId, SignatureVerifier verifier) {
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
        return Verdict.refused(
            ErrorReason.ERROR_REASON_MALFORMED, "witness " + i + ": " + e.getMessage());
      }
      if (w.getSignature().size() != SIGNATURE_SIZE) {
        return malformed(
            "witness "
                + i
                + ": a signature is "
                + SIGNATURE_SIZE
                + " bytes, not "
                + w.getSignature().size());
      }
      if (!verifier.verify(key, signed, w.getSignature())) {
        String which =
            i < tx.getInputsCount()
                ? "input " + describe(tx.getInputs(i).getOutpoint())
                : "kind witness " + (i - tx.getInputsCount());
        return Verdict.refused(
            ErrorReason.ERROR_REASON_BAD_SIGNATURE,
            "the signature of " + which + " does not verify on chain " + chainId);
      }
    }
    return null;
  }

  /**
   * REGISTER_MASTERNODE: the collateral, its owner's signature, and the consensus key's proof of
   * possession.
   */
  private static Verdict checkRegister(
      Transaction tx, Set<OutPoint> inputs, UtxoView utxos, RegistryView registry) {
    var p = tx.getRegisterMasternode();
    OutPoint collateral = p.getCollateral();
    try {
      KEYS.get(p.getConsensusKey()); // decoded once: its proof of possession is verified with it
    } catch (InvalidKeyException e) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_MALFORMED, "consensus key: " + e.getMessage());
    }
    if (inputs.contains(collateral)) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_BAD_COLLATERAL,
          "the collateral " + describe(collateral) + " is spent by this very transaction");
    }
    TxOutput output = utxos.unspent(collateral);
    if (output == null) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_BAD_COLLATERAL,
          "the collateral "
              + describe(collateral)
              + (utxos.created(collateral) ? " is already spent" : " does not exist"));
    }
    if (Long.compareUnsigned(output.getAmount(), MasternodeRecord.MIN_COLLATERAL) < 0) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_BAD_COLLATERAL,
          "the collateral holds "
              + Long.toUnsignedString(output.getAmount())
              + " units, below the minimum of 1,000 TIME");
    }
    MasternodeRecord backed = registry.activeByCollateral(collateral);
    if (backed != null) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_ALREADY_REGISTERED,
          "the collateral "
              + describe(collateral)
              + " already backs masternode "
              + shortHex(backed.consensusKey()));
    }
    MasternodeRecord existing = registry.get(p.getConsensusKey());
    if (existing != null && existing.active()) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_ALREADY_REGISTERED,
          "consensus key " + shortHex(p.getConsensusKey()) + " is already a registered masternode");
    }
    return checkOwner(tx.getKindWitnesses(0), output.getAddress(), COLLATERAL_WITNESS);
  }

  /** DEREGISTER_MASTERNODE: a registered masternode, and its collateral owner's signature. */
  private static Verdict checkDeregister(Transaction tx, RegistryView registry) {
    ByteString key = tx.getDeregisterMasternode().getConsensusKey();
    MasternodeRecord m = registry.get(key);
    if (m == null || !m.active()) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_NOT_REGISTERED,
          "no registered masternode has consensus key " + shortHex(key));
    }
    return checkOwner(tx.getKindWitnesses(0), m.ownerAddress(), COLLATERAL_WITNESS);
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
      return Verdict.refused(
          ErrorReason.ERROR_REASON_BAD_COLLATERAL,
          "it would remove the last registered masternode: no one could finalize a block");
    }
    return null;
  }

  /** The witness's key (32 bytes: {@link #form} checked it) must hash to {@code address}. */
  private static Verdict checkOwner(Witness w, ByteString address, Supplier<String> what) {
    // what: built only for a refusal (hex per input was 1% of the CPU under load)
    if (!ByteString.copyFrom(Address.ofKeyBytes(w.getPublicKey().toByteArray()).bytes())
        .equals(address)) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_WRONG_OWNER,
          what.get() + ": the key's address is not the output's");
    }
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
