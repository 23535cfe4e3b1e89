package io.timecoin.protocol;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.DeregisterMasternodePayload;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.RegisterMasternodePayload;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionKind;
import io.timecoin.proto.v1.TxInput;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.Witness;
import java.util.List;

/**
 * Builds and signs the transactions a wallet submits (docs/protocol.md 4.3): TRANSFER,
 * REGISTER_MASTERNODE and DEREGISTER_MASTERNODE. Every witness signs the TXSIG bytes (chain id,
 * txid), so a transaction signed for one chain never verifies on another.
 */
public final class Transactions {
  private Transactions() {}

  /** A TRANSFER spending {@code inputs} into {@code outputs}; the fee is what the outputs leave. */
  public static Transaction.Builder transfer(List<OutPoint> inputs, List<TxOutput> outputs) {
    return base(TransactionKind.TRANSACTION_KIND_TRANSFER, inputs, outputs);
  }

  /**
   * A REGISTER_MASTERNODE backed by {@code collateral} (an unspent output of at least 1,000 TIME,
   * left unspent), paying its fee from {@code inputs}. Sign it with the collateral owner's key and
   * the consensus key, in that order, as kind witnesses.
   */
  public static Transaction.Builder register(
      List<OutPoint> inputs,
      List<TxOutput> outputs,
      OutPoint collateral,
      ByteString consensusKey,
      Address rewardAddress) {
    return base(TransactionKind.TRANSACTION_KIND_REGISTER_MASTERNODE, inputs, outputs)
        .setRegisterMasternode(
            RegisterMasternodePayload.newBuilder()
                .setCollateral(collateral)
                .setConsensusKey(consensusKey)
                .setRewardAddress(ByteString.copyFrom(rewardAddress.bytes())));
  }

  /** A DEREGISTER_MASTERNODE; sign it with the collateral owner's key as its kind witness. */
  public static Transaction.Builder deregister(
      List<OutPoint> inputs, List<TxOutput> outputs, ByteString consensusKey) {
    return base(TransactionKind.TRANSACTION_KIND_DEREGISTER_MASTERNODE, inputs, outputs)
        .setDeregisterMasternode(
            DeregisterMasternodePayload.newBuilder().setConsensusKey(consensusKey));
  }

  /** An output paying {@code amount} units to {@code address}. */
  public static TxOutput output(long amount, Address address) {
    return TxOutput.newBuilder()
        .setAmount(amount)
        .setAddress(ByteString.copyFrom(address.bytes()))
        .build();
  }

  /**
   * Signs {@code tx} for {@code chainId}: input i with {@code inputKeys[i]}, kind witness j with
   * {@code kindWitnessKeys[j]}; any witnesses already there are replaced.
   */
  public static Transaction sign(
      Transaction.Builder tx,
      String chainId,
      List<Ed25519KeyPair> inputKeys,
      List<Ed25519KeyPair> kindWitnessKeys) {
    if (inputKeys.size() != tx.getInputsCount()) {
      throw new IllegalArgumentException(
          tx.getInputsCount() + " inputs but " + inputKeys.size() + " keys");
    }
    byte[] message =
        CanonicalBytes.transactionSignature(chainId, Hashes.transaction(tx.build()).toByteArray());
    for (int i = 0; i < inputKeys.size(); i++) {
      tx.getInputsBuilder(i).setWitness(witness(inputKeys.get(i), message));
    }
    tx.clearKindWitnesses();
    kindWitnessKeys.forEach(k -> tx.addKindWitnesses(witness(k, message)));
    return tx.build();
  }

  private static Transaction.Builder base(
      TransactionKind kind, List<OutPoint> inputs, List<TxOutput> outputs) {
    Transaction.Builder tx =
        Transaction.newBuilder().setVersion(ProtocolVersion.TRANSACTION).setKind(kind);
    inputs.forEach(o -> tx.addInputs(TxInput.newBuilder().setOutpoint(o)));
    tx.addAllOutputs(outputs);
    return tx;
  }

  private static Witness witness(Ed25519KeyPair key, byte[] message) {
    return Witness.newBuilder()
        .setPublicKey(ByteString.copyFrom(key.publicKey().bytes()))
        .setSignature(ByteString.copyFrom(key.sign(message)))
        .build();
  }
}
