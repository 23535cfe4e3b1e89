package io.timecoin.node.api;

import com.google.protobuf.ByteString;
import io.timecoin.ledger.TransactionRules;
import io.timecoin.proto.v1.Transaction;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Where the client API hands transactions to the node, and asks for the ones it holds. */
public interface TransactionIntake {
  /**
   * Offers a client's transaction; the future completes with the ledger's verdict, or fails with an
   * {@link InternalFailure} (a bug) or another exception (the node is overloaded).
   */
  CompletableFuture<TransactionRules.Verdict> submit(Transaction tx);

  /** The mempool's copy of a pending transaction. */
  Optional<Transaction> pending(ByteString txid);
}
