package io.timecoin.attack;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.node.config.Genesis;
import io.timecoin.proto.v1.GetTransactionRequest;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.SubmitTransactionRequest;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionStatus;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.protocol.Fees;
import io.timecoin.protocol.Transactions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Faucet transfers submitted to one node at a steady pace, so that blocks carry transactions with
 * witnesses (for the tampering relay to flip a byte of).
 */
public final class TransferLoad implements AutoCloseable {
  private static final int COINS = 2_000;
  private final Thread thread;
  private volatile boolean stop;
  private final AtomicLong submitted = new AtomicLong();

  /**
   * Splits the faucet's genesis output into coins, waits until that is final, then spends one every
   * {@code everyMillis}.
   */
  public TransferLoad(
      Genesis genesis,
      Ed25519KeyPair faucet,
      NodeServiceGrpc.NodeServiceBlockingStub node,
      long everyMillis)
      throws InterruptedException {
    String chain = genesis.chainId();
    Address owner = Address.of(faucet.publicKey());
    OutPoint faucetOutput =
        OutPoint.newBuilder()
            .setTxid(Hashes.transaction(genesis.transaction()))
            .setIndex(0)
            .build();
    Fees fees = genesis.ledgerParams().fees();
    // the fees the chain requires (docs/protocol.md 4.3): the amounts do not change a transaction's
    // size
    long splitFee =
        fees.required(
            Transactions.transfer(
                    List.of(faucetOutput),
                    java.util.Collections.nCopies(COINS, Transactions.output(1, owner)))
                .build());
    long fee =
        fees.required(
            Transactions.transfer(List.of(faucetOutput), List.of(Transactions.output(1, owner)))
                .build());
    long coin = (genesis.allocations().get(0).amount() - splitFee) / COINS;
    List<TxOutput> outputs = new ArrayList<>();
    for (int i = 0; i < COINS; i++) {
      outputs.add(Transactions.output(coin, owner));
    }
    Transaction split =
        Transactions.sign(
            Transactions.transfer(List.of(faucetOutput), outputs),
            chain,
            List.of(faucet),
            List.of());
    ByteString splitId = Hashes.transaction(split);
    node.withDeadlineAfter(10, TimeUnit.SECONDS)
        .submitTransaction(SubmitTransactionRequest.newBuilder().setTransaction(split).build());
    long deadline = System.currentTimeMillis() + 60_000;
    while (!isFinal(node, splitId)) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("the faucet split did not finalize in 60 s");
      }
      Thread.sleep(200);
    }
    thread =
        new Thread(
            () -> {
              for (int i = 0; i < COINS && !stop; i++) {
                OutPoint spend = OutPoint.newBuilder().setTxid(splitId).setIndex(i).build();
                Transaction t =
                    Transactions.sign(
                        Transactions.transfer(
                            List.of(spend), List.of(Transactions.output(coin - fee, owner))),
                        chain,
                        List.of(faucet),
                        List.of());
                try {
                  node.withDeadlineAfter(5, TimeUnit.SECONDS)
                      .submitTransaction(
                          SubmitTransactionRequest.newBuilder().setTransaction(t).build());
                  submitted.incrementAndGet();
                } catch (StatusRuntimeException e) {
                  // under attack a node may refuse or be slow: the load goes on
                }
                try {
                  Thread.sleep(everyMillis);
                } catch (InterruptedException e) {
                  return;
                }
              }
            },
            "transfer-load");
    thread.setDaemon(true);
    thread.start();
  }

  private static boolean isFinal(NodeServiceGrpc.NodeServiceBlockingStub node, ByteString txid) {
    try {
      return node.withDeadlineAfter(2, TimeUnit.SECONDS)
              .getTransaction(GetTransactionRequest.newBuilder().setTxid(txid).build())
              .getStatus()
          == TransactionStatus.TRANSACTION_STATUS_FINALIZED;
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  public long submitted() {
    return submitted.get();
  }

  @Override
  public void close() {
    stop = true;
    thread.interrupt();
  }
}
