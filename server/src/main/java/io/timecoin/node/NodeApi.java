package io.timecoin.node;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.UnknownFields;
import io.timecoin.crypto.Address;
import io.timecoin.ledger.LedgerState;
import io.timecoin.ledger.MasternodeRecord;
import io.timecoin.ledger.Registry;
import io.timecoin.ledger.TransactionRules;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.EquivocationEvidence;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.GetBalanceRequest;
import io.timecoin.proto.v1.GetBalanceResponse;
import io.timecoin.proto.v1.GetBlockRequest;
import io.timecoin.proto.v1.GetBlockResponse;
import io.timecoin.proto.v1.GetCertificateRequest;
import io.timecoin.proto.v1.GetCertificateResponse;
import io.timecoin.proto.v1.GetMasternodeRequest;
import io.timecoin.proto.v1.GetMasternodeResponse;
import io.timecoin.proto.v1.GetStatusRequest;
import io.timecoin.proto.v1.GetStatusResponse;
import io.timecoin.proto.v1.GetTransactionRequest;
import io.timecoin.proto.v1.GetTransactionResponse;
import io.timecoin.proto.v1.GetValidatorSetChangesRequest;
import io.timecoin.proto.v1.GetValidatorSetChangesResponse;
import io.timecoin.proto.v1.GetValidatorSetRequest;
import io.timecoin.proto.v1.GetValidatorSetResponse;
import io.timecoin.proto.v1.AddressTransaction;
import io.timecoin.proto.v1.ListAddressTransactionsRequest;
import io.timecoin.proto.v1.ListAddressTransactionsResponse;
import io.timecoin.proto.v1.ListEvidenceRequest;
import io.timecoin.proto.v1.ListEvidenceResponse;
import io.timecoin.proto.v1.ListMasternodesRequest;
import io.timecoin.proto.v1.ListMasternodesResponse;
import io.timecoin.proto.v1.ListUnspentRequest;
import io.timecoin.proto.v1.ListUnspentResponse;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.SubmitTransactionRequest;
import io.timecoin.proto.v1.SubmitTransactionResponse;
import io.timecoin.proto.v1.SubmitTransactionsRequest;
import io.timecoin.proto.v1.SubmitTransactionsResponse;
import io.timecoin.proto.v1.SubscribeFinalizedRequest;
import io.timecoin.proto.v1.SubscribeFinalizedResponse;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.TransactionStatus;
import io.timecoin.proto.v1.TxOutput;
import io.timecoin.proto.v1.UnspentOutput;
import io.timecoin.protocol.ProtocolVersion;
import io.timecoin.protocol.ValidatorSet;
import io.timecoin.storage.ChainStore;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The client API of docs/protocol.md 7. Every refusal is a google.rpc.Status with an ErrorInfo reason
 * (ApiErrors). Reads come from the chain store (consistent at one finalized height) and the ledger's
 * published state, never from the consensus thread, except SubmitTransaction, whose admission runs
 * there.
 *
 * <p>Every uint32 and uint64 of a request is read as unsigned (a page_size of 2^31 is not negative, a
 * height of 2^63 is not below 1): page sizes are clamped to {@link #MAX_PAGE}, a height beyond the
 * finalized one is NOT_FOUND, and SubscribeFinalized waits for any height below 2^63 but refuses one
 * from 2^63 on with OUT_OF_RANGE (no chain gets there; holding a stream for it would only hold a
 * slot). Each call answers once: the first bad field is the refusal.
 */
final class NodeApi extends NodeServiceGrpc.NodeServiceImplBase {
  private final Node node;

  NodeApi(Node node) {
    this.node = node;
  }

  @Override
  public void getBlock(GetBlockRequest request, StreamObserver<GetBlockResponse> out) {
    try {
      block(request, out);
    } catch (java.io.IOException e) {
      out.onError(Status.INTERNAL.withDescription("storage: " + e.getMessage()).asRuntimeException());
    }
  }

  private void block(GetBlockRequest request, StreamObserver<GetBlockResponse> out) throws java.io.IOException {
    if (request.getSelectorCase() == GetBlockRequest.SelectorCase.SELECTOR_NOT_SET) {
      out.onError(invalid("give a height or a hash"));
      return;
    }
    if (request.hasHash() && request.getHash().size() != 32) {
      out.onError(invalid("a block hash is 32 bytes, not " + request.getHash().size()));
      return;
    }
    OptionalLong height = request.hasHash() ? node.chain.heightOf(request.getHash())
        : finalized(request.getHeight()) ? OptionalLong.of(request.getHeight()) : OptionalLong.empty();
    Optional<Block> block = height.isPresent() ? node.chain.blockAt(height.getAsLong()) : Optional.empty();
    if (block.isEmpty()) {
      out.onError(ApiErrors.of(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_NOT_FOUND,
          "no finalized block " + (request.hasHash() ? "with that hash" : "at height " + u64(request.getHeight()))
              + "; the finalized height is " + node.chain.tipHeight()));
      return;
    }
    GetBlockResponse.Builder response = GetBlockResponse.newBuilder().setBlock(block.get());
    node.chain.certificateAt(height.getAsLong()).ifPresent(response::setCertificate);
    out.onNext(response.build());
    out.onCompleted();
  }

  @Override
  public void getCertificate(GetCertificateRequest request, StreamObserver<GetCertificateResponse> out) {
    Optional<FinalityCertificate> cert;
    try {
      cert = request.getHeight() == 0 || !finalized(request.getHeight()) ? Optional.empty()
          : node.chain.certificateAt(request.getHeight());
    } catch (java.io.IOException e) {
      out.onError(Status.INTERNAL.withDescription("storage: " + e.getMessage()).asRuntimeException());
      return;
    }
    if (cert.isEmpty()) {
      out.onError(ApiErrors.of(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_NOT_FOUND,
          "no certificate at height " + u64(request.getHeight()) + "; the finalized height is " + node.chain.tipHeight()));
      return;
    }
    out.onNext(GetCertificateResponse.newBuilder().setCertificate(cert.get()).build());
    out.onCompleted();
  }

  @Override
  public void subscribeFinalized(SubscribeFinalizedRequest request, StreamObserver<SubscribeFinalizedResponse> out) {
    if (request.getFromHeight() < 0) { // 2^63 or more, unsigned
      out.onError(ApiErrors.of(Status.Code.OUT_OF_RANGE, ErrorReason.ERROR_REASON_INVALID_ARGUMENT,
          "from_height " + u64(request.getFromHeight()) + " is 2^63 or more, a height no chain reaches; the finalized height is "
              + node.chain.tipHeight()));
      return;
    }
    node.feed.subscribe(request.getFromHeight(), (ServerCallStreamObserver<SubscribeFinalizedResponse>) out);
  }

  @Override
  public void getTransaction(GetTransactionRequest request, StreamObserver<GetTransactionResponse> out) {
    if (request.getTxid().size() != 32) {
      out.onError(invalid("txid must be 32 bytes"));
      return;
    }
    try {
      Optional<ChainStore.Place> place = node.chain.placeOf(request.getTxid());
      if (place.isPresent()) {
        Block block = node.chain.blockAt(place.get().height()).orElseThrow();
        reply(out, GetTransactionResponse.newBuilder()
            .setTransaction(block.getBody().getTransactions(place.get().index()))
            .setStatus(TransactionStatus.TRANSACTION_STATUS_FINALIZED)
            .setBlockHeight(place.get().height())
            .setIndex(place.get().index())
            .build());
        return;
      }
    } catch (java.io.IOException e) {
      out.onError(storage(e));
      return;
    }
    Optional<Transaction> pending = node.pending(request.getTxid());
    if (pending.isPresent()) {
      reply(out, GetTransactionResponse.newBuilder().setTransaction(pending.get())
          .setStatus(TransactionStatus.TRANSACTION_STATUS_PENDING).build());
    } else {
      out.onError(ApiErrors.of(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_NOT_FOUND,
          "no finalized or pending transaction with that id"));
    }
  }

  @Override
  public void getBalance(GetBalanceRequest request, StreamObserver<GetBalanceResponse> out) {
    ByteString address = address(request.getAddress(), out);
    if (address == null) {
      return;
    }
    try {
      ChainStore.Balance b = node.chain.balanceOf(address);
      reply(out, GetBalanceResponse.newBuilder().setBalance(b.amount()).setUnspentCount(b.outputs()).setHeight(b.height()).build());
    } catch (java.io.IOException e) {
      out.onError(storage(e));
    }
  }

  @Override
  public void listUnspent(ListUnspentRequest request, StreamObserver<ListUnspentResponse> out) {
    ByteString address = address(request.getAddress(), out);
    if (address == null) {
      return;
    }
    int size = pageSize(request.getPageSize());
    OutPoint after = null;
    if (!request.getPageToken().isEmpty()) {
      byte[] token;
      try {
        token = HexFormat.of().parseHex(request.getPageToken());
      } catch (IllegalArgumentException e) {
        token = new byte[0];
      }
      if (token.length != 36) {
        out.onError(invalid("page_token is not one this node gave"));
        return;
      }
      after = OutPoint.newBuilder().setTxid(ByteString.copyFrom(token, 0, 32))
          .setIndex(java.nio.ByteBuffer.wrap(token, 32, 4).getInt()).build();
    }
    try {
      ChainStore.UnspentPage page = node.chain.unspentOf(address, after, size);
      ListUnspentResponse.Builder r = ListUnspentResponse.newBuilder().setHeight(page.height());
      for (ChainStore.Unspent u : page.outputs()) {
        r.addOutputs(UnspentOutput.newBuilder().setOutpoint(u.outpoint())
            .setOutput(TxOutput.newBuilder().setAmount(u.amount()).setAddress(address)).setHeight(u.height()));
      }
      if (page.more()) {
        OutPoint last = page.outputs().get(page.outputs().size() - 1).outpoint();
        r.setNextPageToken(HexFormat.of().formatHex(last.getTxid().toByteArray())
            + String.format("%08x", last.getIndex()));
      }
      reply(out, r.build());
    } catch (java.io.IOException e) {
      out.onError(storage(e));
    }
  }

  /** The most transactions a ListAddressTransactions page holds, whatever page_size asks; 0 asks for 50. */
  static final int MAX_HISTORY_PAGE = 500;

  /**
   * The finalized transactions of an address, newest first, from the store's address history (written
   * with each block). The page token is the last transaction's height (u64) and position (u32), hex.
   */
  @Override
  public void listAddressTransactions(ListAddressTransactionsRequest request, StreamObserver<ListAddressTransactionsResponse> out) {
    ByteString address = address(request.getAddress(), out);
    if (address == null) {
      return;
    }
    long size = Integer.toUnsignedLong(request.getPageSize());
    int limit = size == 0 ? 50 : (int) Math.min(size, MAX_HISTORY_PAGE);
    long beforeHeight = -1;
    int beforeIndex = 0;
    if (!request.getPageToken().isEmpty()) {
      byte[] token;
      try {
        token = HexFormat.of().parseHex(request.getPageToken());
      } catch (IllegalArgumentException e) {
        token = new byte[0];
      }
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(token);
      if (token.length != 12 || (beforeHeight = b.getLong()) < 0) {
        out.onError(invalid("page_token is not one this node gave"));
        return;
      }
      beforeIndex = b.getInt();
    }
    try {
      ChainStore.HistoryPage page = node.chain.historyOf(address, beforeHeight, beforeIndex, limit);
      ListAddressTransactionsResponse.Builder r = ListAddressTransactionsResponse.newBuilder().setHeight(Math.max(0, page.height()));
      for (ChainStore.AddressTransaction t : page.transactions()) {
        r.addTransactions(AddressTransaction.newBuilder().setTxid(t.txid()).setHeight(t.height()).setIndex(t.index())
            .setTimestamp(t.timestampMs()).setReceived(t.received()).setSent(t.sent()));
      }
      if (page.more()) {
        ChainStore.AddressTransaction last = page.transactions().get(page.transactions().size() - 1);
        r.setNextPageToken(HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(12).putLong(last.height()).putInt(last.index()).array()));
      }
      reply(out, r.build());
    } catch (java.io.IOException e) {
      out.onError(storage(e));
    }
  }

  @Override
  public void listMasternodes(ListMasternodesRequest request, StreamObserver<ListMasternodesResponse> out) {
    Registry registry = registryAt(request.getHeight(), out);
    if (registry == null) { // refused (and answered) already
      return;
    }
    int size = pageSize(request.getPageSize());
    ByteString after = ByteString.EMPTY;
    if (!request.getPageToken().isEmpty()) {
      try {
        after = ByteString.copyFrom(HexFormat.of().parseHex(request.getPageToken()));
      } catch (IllegalArgumentException e) {
        out.onError(invalid("page_token is not one this node gave"));
        return;
      }
    }
    long next = node.ledger.state().height() + 1;
    ListMasternodesResponse.Builder r = ListMasternodesResponse.newBuilder()
        .setHeight(request.getHeight() == 0 ? next : request.getHeight());
    for (MasternodeRecord m : registry.all()) { // ordered by key
      if (!m.active()) { // a past registration, or one leaving the working registry: GetMasternode has it
        continue;
      }
      if (!after.isEmpty() && ByteString.unsignedLexicographicalComparator().compare(m.consensusKey(), after) <= 0) {
        continue;
      }
      if (r.getMasternodesCount() == size) {
        r.setNextPageToken(HexFormat.of().formatHex(r.getMasternodes(size - 1).getConsensusKey().toByteArray()));
        break;
      }
      r.addMasternodes(m.toProto());
    }
    reply(out, r.build());
  }

  @Override
  public void getMasternode(GetMasternodeRequest request, StreamObserver<GetMasternodeResponse> out) {
    if (request.getConsensusKey().size() != 32) {
      out.onError(invalid("a consensus key is 32 bytes, not " + request.getConsensusKey().size()));
      return;
    }
    Registry registry = registryAt(request.getHeight(), out);
    if (registry == null) {
      return;
    }
    MasternodeRecord m = registry.get(request.getConsensusKey());
    if (m == null && (request.getHeight() == 0 || request.getHeight() == node.ledger.state().height() + 1)) {
      // not active any more: the working registry let it go, the history has its last registration
      try {
        m = node.chain.registrationAfter(request.getConsensusKey(), node.ledger.state().height());
      } catch (java.io.IOException e) {
        out.onError(storage(e));
        return;
      }
    }
    if (m == null) {
      out.onError(ApiErrors.of(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_NOT_FOUND, "no masternode with that consensus key"));
      return;
    }
    reply(out, GetMasternodeResponse.newBuilder().setMasternode(m.toProto()).build());
  }

  @Override
  public void getValidatorSet(GetValidatorSetRequest request, StreamObserver<GetValidatorSetResponse> out) {
    long next = node.ledger.state().height() + 1;
    long height = request.getHeight() == 0 ? next : request.getHeight();
    ValidatorSet set = height < 0 ? null : node.ledger.validatorSetAt(height); // < 0: 2^63 or more
    if (set == null) {
      out.onError(ApiErrors.of(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_NOT_FOUND,
          "no validator set is known for height " + u64(height) + " yet; the next height is " + next));
      return;
    }
    reply(out, GetValidatorSetResponse.newBuilder().setValidatorSet(set.toProto()).build());
  }

  /**
   * The validator set changes at heights above from_height, from the store's index of change heights
   * (docs/protocol.md 7, 8): c = 1 always (the header of block 0, no certificate), then every height
   * whose set differs from the one before. A from_height at or beyond the tip answers no changes.
   */
  @Override
  public void getValidatorSetChanges(GetValidatorSetChangesRequest request, StreamObserver<GetValidatorSetChangesResponse> out) {
    ChainStore.SetChanges changes;
    try {
      changes = node.chain.validatorSetChanges(request.getFromHeight(), pageSize(request.getLimit()));
    } catch (java.io.IOException e) {
      out.onError(storage(e));
      return;
    }
    reply(out, GetValidatorSetChangesResponse.newBuilder().addAllChanges(changes.changes())
        .setFinalizedHeight(Math.max(0, changes.finalizedHeight())).build());
  }

  @Override
  public void listEvidence(ListEvidenceRequest request, StreamObserver<ListEvidenceResponse> out) {
    int size = pageSize(request.getPageSize());
    long skip;
    try {
      skip = request.getPageToken().isEmpty() ? 0 : Long.parseLong(request.getPageToken());
    } catch (NumberFormatException e) {
      skip = -1;
    }
    if (skip < 0) {
      out.onError(invalid("page_token is not one this node gave"));
      return;
    }
    // one more than the page: whether there is a next page (a skip past 2^31 finds nothing anyway)
    List<EquivocationEvidence> page = node.evidence(request.getFromHeight(), (int) Math.min(skip, Integer.MAX_VALUE), size + 1);
    ListEvidenceResponse.Builder r = ListEvidenceResponse.newBuilder().addAllEvidence(page.subList(0, Math.min(size, page.size())));
    if (page.size() > size) {
      r.setNextPageToken(Long.toString(skip + size));
    }
    reply(out, r.build());
  }

  /**
   * The registry that chose the validators of {@code height} (the registry after block height - 1;
   * 0 means the next height): the working registry for the next height, else rebuilt from the
   * store's history, every masternode registered by then, active or not. For a past height, the
   * registrations are that height's and the uptime figures (last signed height, misses) are today's
   * for a masternode still in the working registry, else those of its last registration change:
   * uptime history is not kept.
   */
  private Registry registryAt(long height, StreamObserver<?> out) {
    LedgerState state = node.ledger.state();
    long next = state.height() + 1;
    if (height == 0 || height == next) {
      return state.registry();
    }
    if (Long.compareUnsigned(height, next) > 0) {
      out.onError(ApiErrors.of(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_NOT_FOUND,
          "height " + u64(height) + " is not finalized yet; the next height is " + next));
      return null;
    }
    try {
      List<MasternodeRecord> past = new java.util.ArrayList<>();
      for (MasternodeRecord m : node.chain.registrationsAfter(height - 1)) {
        MasternodeRecord now = state.registry().get(m.consensusKey());
        if (now == null) {
          now = m;
        }
        past.add(new MasternodeRecord(m.consensusKey(), m.collateral(), m.collateralAmount(), m.ownerAddress(),
            m.rewardAddress(), m.registeredHeight(), m.active(), now.lastSignedHeight(), now.missedMask()));
      }
      return Registry.of(past);
    } catch (java.io.IOException e) {
      out.onError(storage(e));
      return null;
    }
  }

  /** The most items a page holds, whatever page_size asks. */
  static final int MAX_PAGE = 1_000;

  /** A page size from a uint32 page_size: 0 means 100; more than {@link #MAX_PAGE} gets MAX_PAGE. */
  static int pageSize(int requested) {
    long size = Integer.toUnsignedLong(requested);
    return size == 0 ? 100 : (int) Math.min(size, MAX_PAGE);
  }

  /** Whether {@code height} (unsigned) is at most the finalized height. */
  private boolean finalized(long height) {
    return Long.compareUnsigned(height, node.chain.tipHeight()) <= 0;
  }

  private static String u64(long value) {
    return Long.toUnsignedString(value);
  }

  /** A failure of the node itself while handling a call (a bug): the call is answered INTERNAL. */
  static final class InternalFailure extends RuntimeException {
    InternalFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The 20 address bytes of a bech32m address of this chain; null (and the error sent) otherwise. */
  private ByteString address(String text, StreamObserver<?> out) {
    try {
      return ByteString.copyFrom(Address.parse(text, node.genesis.chainId()).bytes());
    } catch (IllegalArgumentException e) {
      out.onError(invalid("address '" + text + "': " + e.getMessage()));
      return null;
    }
  }

  private static io.grpc.StatusRuntimeException invalid(String message) {
    return ApiErrors.of(Status.Code.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_INVALID_ARGUMENT, message);
  }

  private static io.grpc.StatusRuntimeException storage(java.io.IOException e) {
    return Status.INTERNAL.withDescription("storage: " + e.getMessage()).asRuntimeException();
  }

  private static <T> void reply(StreamObserver<T> out, T response) {
    out.onNext(response);
    out.onCompleted();
  }

  /** Accepted into the mempool (and relayed), or refused with the ledger's typed reason. */
  @Override
  public void submitTransaction(SubmitTransactionRequest request, StreamObserver<SubmitTransactionResponse> out) {
    if (!request.hasTransaction()) {
      out.onError(ApiErrors.of(Status.Code.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_INVALID_ARGUMENT, "no transaction"));
      return;
    }
    Transaction tx = request.getTransaction();
    node.submit(tx, null).whenComplete((v, failure) -> {
      StatusRuntimeException refused = refusal(tx, v, failure);
      if (refused == null) {
        out.onNext(SubmitTransactionResponse.newBuilder().setTxid(v.txid() != null ? v.txid() : SubmitStream.txidOf(tx)).build());
        out.onCompleted();
      } else {
        out.onError(refused);
      }
    });
  }

  /**
   * Null when the transaction was accepted, is held already, or is already final (submitting is
   * idempotent, so a wallet may resend after losing the answer: docs/protocol.md 7); else the refusal.
   */
  private StatusRuntimeException refusal(Transaction tx, TransactionRules.Verdict v, Throwable failure) {
    if (failure == null && v.reason() == ErrorReason.ERROR_REASON_ALREADY_SPENT) {
      ByteString txid = SubmitStream.txidOf(tx);
      try {
        if (!txid.isEmpty() && node.chain.placeOf(txid).isPresent()) {
          return null;
        }
      } catch (java.io.IOException e) {
        return storage(e);
      }
    }
    return refusal(v, failure);
  }

  /** Null when the transaction was accepted (or held already: accepted before); else the refusal. */
  static StatusRuntimeException refusal(TransactionRules.Verdict v, Throwable failure) {
    if (failure instanceof InternalFailure || failure != null && failure.getCause() instanceof InternalFailure) {
      return Status.INTERNAL.withDescription(failure.getMessage()).asRuntimeException();
    }
    if (failure != null) { // the node's queues are full
      return ApiErrors.of(Status.Code.UNAVAILABLE, ErrorReason.ERROR_REASON_OVERLOADED, failure.getMessage());
    }
    if (v.valid() || v.reason() == ErrorReason.ERROR_REASON_UNSPECIFIED) {
      return null;
    }
    Status.Code code = switch (v.reason()) {
      case ERROR_REASON_MALFORMED, ERROR_REASON_TOO_LARGE -> Status.Code.INVALID_ARGUMENT;
      case ERROR_REASON_MEMPOOL_FULL -> Status.Code.RESOURCE_EXHAUSTED;
      default -> Status.Code.FAILED_PRECONDITION;
    };
    return ApiErrors.of(code, v.reason(), v.detail());
  }

  /** Transactions a SubmitTransactions stream may have in the node at once, read but not answered. */
  static final int SUBMIT_STREAM_AHEAD = 1_024;

  @Override
  public StreamObserver<SubmitTransactionsRequest> submitTransactions(StreamObserver<SubmitTransactionsResponse> responses) {
    return new SubmitStream((ServerCallStreamObserver<SubmitTransactionsResponse>) responses);
  }

  /**
   * One SubmitTransactions stream. Transactions are read SUBMIT_STREAM_AHEAD ahead of their answers;
   * one more is read per answer the client can take (isReady), so a client that does not read its
   * answers stops being read, and nothing piles up in the node. Answers come from the verifier and
   * consensus threads: the call's methods are not thread-safe, hence the lock.
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
      out.setOnCancelHandler(() -> {
        synchronized (this) {
          done = true;
        }
      });
      out.setOnReadyHandler(() -> {
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
        answer(ByteString.EMPTY, ApiErrors.of(Status.Code.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_INVALID_ARGUMENT, "no transaction"));
        return;
      }
      Transaction tx = request.getTransaction();
      String unknown = UnknownFields.find(request); // answered here, per transaction (the stream goes on)
      if (unknown != null) {
        node.metrics.counter("timed_unknown_fields_refused_total", "port", "client", "method", "SubmitTransactions").increment();
        answer(txidOf(tx), ApiErrors.of(Status.Code.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_MALFORMED,
            "unknown field " + unknown + " in a SubmitTransactions message"));
        return;
      }
      node.submit(tx, null).whenComplete((v, failure) ->
          answer(v != null && v.txid() != null ? v.txid() : txidOf(tx), refusal(tx, v, failure)));
    }

    /** A refused transaction's id, for the client to tell which one it was; empty when it has none. */
    private static ByteString txidOf(Transaction tx) {
      try {
        return Hashes.transaction(tx);
      } catch (RuntimeException malformed) {
        return ByteString.EMPTY;
      }
    }

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

  @Override
  public void getStatus(GetStatusRequest request, StreamObserver<GetStatusResponse> out) {
    long height = node.chain.tipHeight();
    Block block;
    try {
      block = node.chain.blockAt(height).orElseThrow();
    } catch (java.io.IOException e) {
      out.onError(Status.INTERNAL.withDescription("storage: " + e.getMessage()).asRuntimeException());
      return;
    }
    var engine = node.loop.engine(); // read across threads: a moment's staleness is fine for status
    long peerMax = node.network.peers().stream().mapToLong(p -> p.getHeight()).max().orElse(0);
    out.onNext(GetStatusResponse.newBuilder()
        .setChainId(node.genesis.chainId())
        .setGenesisHash(node.genesis.hash())
        .setFinalizedHeight(height)
        .setFinalizedHash(Hashes.block(block.getHeader()))
        .setSyncing(peerMax > height + 1)
        .setValidator(engine.validatorSet().member(node.nodeKey()) != null)
        .setNodeKey(node.nodeKey())
        .addAllPeers(node.network.peers())
        .setProtocolVersion(ProtocolVersion.PEER)
        .setRound(engine.round())
        .build());
    out.onCompleted();
  }
}
