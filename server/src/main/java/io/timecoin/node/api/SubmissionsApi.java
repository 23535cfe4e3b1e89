package io.timecoin.node.api;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.UnknownFields;
import io.timecoin.ledger.TransactionRules;
import io.timecoin.node.ApiErrors;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.SubmitTransactionRequest;
import io.timecoin.proto.v1.SubmitTransactionResponse;
import io.timecoin.proto.v1.SubmitTransactionsRequest;
import io.timecoin.proto.v1.SubmitTransactionsResponse;
import io.timecoin.proto.v1.Transaction;

/**
 * The submissions part of the client API: SubmitTransaction and the SubmitTransactions stream. The
 * verdicts come from the node's admission (verified on its pool, admitted on the consensus thread).
 */
public final class SubmissionsApi {
  /**
   * Transactions a SubmitTransactions stream may have in the node at once, read but not answered.
   */
  static final int SUBMIT_STREAM_AHEAD = 1_024;

  private final TransactionIntake intake;
  private final TransactionPlaces chain;
  private final Counter unknownFieldsRefused;

  /**
   * {@code unknownFieldsRefused}: counts a streamed transaction refused for an unknown field
   * (answered here, not by the interceptor).
   */
  public SubmissionsApi(
      TransactionIntake intake, TransactionPlaces chain, Counter unknownFieldsRefused) {
    this.intake = intake;
    this.chain = chain;
    this.unknownFieldsRefused = unknownFieldsRefused;
  }

  /** Accepted into the mempool (and relayed), or refused with the ledger's typed reason. */
  void submit(SubmitTransactionRequest request, StreamObserver<SubmitTransactionResponse> out) {
    if (!request.hasTransaction()) {
      Calls.fail(
          out,
          ApiErrors.of(
              Status.Code.INVALID_ARGUMENT,
              ErrorReason.ERROR_REASON_INVALID_ARGUMENT,
              "no transaction"));
      return;
    }
    Transaction tx = request.getTransaction();
    intake
        .submit(tx)
        .whenComplete(
            (v, failure) -> {
              StatusRuntimeException refused = refusal(tx, v, failure);
              if (refused == null) {
                out.onNext(
                    SubmitTransactionResponse.newBuilder()
                        .setTxid(v.txid() != null ? v.txid() : txidOf(tx))
                        .build());
                out.onCompleted();
              } else {
                Calls.fail(out, refused);
              }
            });
  }

  StreamObserver<SubmitTransactionsRequest> stream(
      StreamObserver<SubmitTransactionsResponse> responses) {
    return new SubmitStream((ServerCallStreamObserver<SubmitTransactionsResponse>) responses);
  }

  /**
   * Null when the transaction was accepted, is held already, or is already final (submitting is
   * idempotent, so a wallet may resend after losing the answer: docs/protocol.md 7); else the
   * refusal.
   */
  private StatusRuntimeException refusal(
      Transaction tx, TransactionRules.Verdict v, Throwable failure) {
    if (failure == null && v.reason() == ErrorReason.ERROR_REASON_ALREADY_SPENT) {
      ByteString txid = txidOf(tx);
      try {
        if (!txid.isEmpty() && chain.placeOf(txid).isPresent()) {
          return null;
        }
      } catch (java.io.IOException e) {
        return Calls.storage(e);
      }
    }
    return refusal(v, failure);
  }

  /**
   * Null when the transaction was accepted (or held already: accepted before); else the refusal.
   */
  public static StatusRuntimeException refusal(TransactionRules.Verdict v, Throwable failure) {
    if (failure instanceof InternalFailure
        || failure != null && failure.getCause() instanceof InternalFailure) {
      return Status.INTERNAL.withDescription(failure.getMessage()).asRuntimeException();
    }
    if (failure != null) { // the node's queues are full
      return ApiErrors.of(
          Status.Code.UNAVAILABLE, ErrorReason.ERROR_REASON_OVERLOADED, failure.getMessage());
    }
    if (v.valid() || v.reason() == ErrorReason.ERROR_REASON_UNSPECIFIED) {
      return null;
    }
    Status.Code code =
        switch (v.reason()) {
          case ERROR_REASON_MALFORMED, ERROR_REASON_TOO_LARGE -> Status.Code.INVALID_ARGUMENT;
          case ERROR_REASON_MEMPOOL_FULL -> Status.Code.RESOURCE_EXHAUSTED;
          default -> Status.Code.FAILED_PRECONDITION;
        };
    return ApiErrors.of(code, v.reason(), v.detail());
  }

  /**
   * A refused transaction's id, for the client to tell which one it was; empty when it has none.
   */
  private static ByteString txidOf(Transaction tx) {
    try {
      return Hashes.transaction(tx);
    } catch (RuntimeException malformed) {
      return ByteString.EMPTY;
    }
  }

  /**
   * One SubmitTransactions stream. Transactions are read SUBMIT_STREAM_AHEAD ahead of their
   * answers; one more is read per answer the client can take (isReady), so a client that does not
   * read its answers stops being read, and nothing piles up in the node. Answers come from the
   * verifier and consensus threads: the call's methods are not thread-safe, hence the lock.
   */
  private final class SubmitStream implements StreamObserver<SubmitTransactionsRequest> {
    private final ServerCallStreamObserver<SubmitTransactionsResponse> out;
    private int unanswered; // guarded by this
    private int owed; // reads held back while the client was not ready; guarded by this
    private boolean halfClosed; // guarded by this
    private boolean done; // guarded by this

    SubmitStream(ServerCallStreamObserver<SubmitTransactionsResponse> out) {
      this.out = out;
      out.disableAutoRequest();
      out.setOnCancelHandler(
          () -> {
            synchronized (this) {
              done = true;
            }
          });
      out.setOnReadyHandler(
          () -> {
            synchronized (this) {
              if (owed > 0 && !done) {
                out.request(owed);
                owed = 0;
              }
            }
          });
      out.request(SUBMIT_STREAM_AHEAD);
    }

    @Override
    public void onNext(SubmitTransactionsRequest request) {
      synchronized (this) {
        unanswered++;
      }
      if (!request.hasTransaction()) {
        answer(
            ByteString.EMPTY,
            ApiErrors.of(
                Status.Code.INVALID_ARGUMENT,
                ErrorReason.ERROR_REASON_INVALID_ARGUMENT,
                "no transaction"));
        return;
      }
      Transaction tx = request.getTransaction();
      String unknown =
          UnknownFields.find(request); // answered here, per transaction (the stream goes on)
      if (unknown != null) {
        unknownFieldsRefused.increment();
        answer(
            txidOf(tx),
            ApiErrors.of(
                Status.Code.INVALID_ARGUMENT,
                ErrorReason.ERROR_REASON_MALFORMED,
                "unknown field " + unknown + " in a SubmitTransactions message"));
        return;
      }
      intake
          .submit(tx)
          .whenComplete(
              (v, failure) ->
                  answer(
                      v != null && v.txid() != null ? v.txid() : txidOf(tx),
                      refusal(tx, v, failure)));
    }

    /**
     * The answer of one transaction: its id, and its refusal (in the message: the stream goes on)
     * or none.
     */
    private synchronized void answer(ByteString txid, StatusRuntimeException refused) {
      unanswered--;
      if (done) {
        return;
      }
      SubmitTransactionsResponse.Builder r = SubmitTransactionsResponse.newBuilder().setTxid(txid);
      if (refused != null) {
        r.setError(io.grpc.protobuf.StatusProto.fromThrowable(refused));
      }
      out.onNext(r.build());
      if (halfClosed && unanswered == 0) {
        done = true;
        out.onCompleted();
      } else if (out.isReady()) {
        out.request(1);
      } else {
        owed++;
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      done = true; // the client went away: answers still to come are dropped
    }

    @Override
    public synchronized void onCompleted() {
      halfClosed = true;
      if (unanswered == 0 && !done) {
        done = true;
        out.onCompleted();
      }
    }
  }
}
