package io.timecoin.sdk;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.timecoin.canonical.Hashes;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalizedBlock;
import io.timecoin.proto.v1.GetBlockRequest;
import io.timecoin.proto.v1.GetBlockResponse;
import io.timecoin.proto.v1.GetStatusRequest;
import io.timecoin.proto.v1.GetStatusResponse;
import io.timecoin.proto.v1.GetTransactionRequest;
import io.timecoin.proto.v1.GetTransactionResponse;
import io.timecoin.proto.v1.GetValidatorSetChangesRequest;
import io.timecoin.proto.v1.GetValidatorSetChangesResponse;
import io.timecoin.proto.v1.GetValidatorSetRequest;
import io.timecoin.proto.v1.GetValidatorSetResponse;
import io.timecoin.proto.v1.KeepAlive;
import io.timecoin.proto.v1.ListMasternodesRequest;
import io.timecoin.proto.v1.ListMasternodesResponse;
import io.timecoin.proto.v1.ListUnspentRequest;
import io.timecoin.proto.v1.ListUnspentResponse;
import io.timecoin.proto.v1.Masternode;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.SubmitTransactionRequest;
import io.timecoin.proto.v1.SubmitTransactionResponse;
import io.timecoin.proto.v1.SubmitTransactionsRequest;
import io.timecoin.proto.v1.SubmitTransactionsResponse;
import io.timecoin.proto.v1.SubscribeFinalizedRequest;
import io.timecoin.proto.v1.SubscribeFinalizedResponse;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.UnspentOutput;
import io.timecoin.proto.v1.ValidatorSetChange;
import io.timecoin.protocol.ErrorReasons;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A scripted NodeService on an in-process server, and a TimeClient connected to it. */
class FakeNode extends NodeServiceGrpc.NodeServiceImplBase implements AutoCloseable {
  static final int PAGE = 2;

  final TestChain chain;
  final Server server;
  final String name = InProcessServerBuilder.generateName();

  // Scripted behaviour.
  /** Blocks served instead of the chain's, by height. */
  final Map<Long, FinalizedBlock> replaced = new ConcurrentHashMap<>();

  /** On the first subscription only: after this many blocks, close with UNAVAILABLE (-1: never). */
  volatile int breakFirstAfter = -1;

  /**
   * By subscription index (0 = the first): after this many blocks, close with {@link #breakStatus}.
   */
  final Map<Integer, Integer> breakAfter = new ConcurrentHashMap<>();

  volatile Status breakStatus = Status.UNKNOWN.withDescription("channel closed");

  /** GetValidatorSetChanges answers these instead of the chain's changes (null: the chain's). */
  volatile List<ValidatorSetChange> changes;

  /**
   * When set, GetValidatorSetChanges answers what this gives for the request (before {@link
   * #changes}).
   */
  volatile java.util.function.Function<GetValidatorSetChangesRequest, List<ValidatorSetChange>>
      changesFor;

  /** The finalized_height GetValidatorSetChanges answers (-1: the chain's tip). */
  volatile long changesFinalizedHeight = -1;

  /** GetValidatorSet answers this set, whatever the height (null: the chain's, honestly). */
  volatile io.timecoin.proto.v1.ValidatorSet lyingSet;

  /** On the first subscription only: after this many blocks, send nothing more (-1: never). */
  volatile int silenceFirstAfter = -1;

  /** A height left out of every stream (0: none). */
  volatile long skipHeight;

  /** A height whose block every stream sends twice (0: none). */
  volatile long repeatHeight;

  /** The refusal of SubmitTransaction, or null to accept. */
  volatile StatusRuntimeException submitError;

  /** The address histories by bech32m address, newest first. */
  final Map<String, List<io.timecoin.proto.v1.AddressTransaction>> history =
      new ConcurrentHashMap<>();

  /** The ListAddressTransactions requests received, in order. */
  final List<io.timecoin.proto.v1.ListAddressTransactionsRequest> historyRequests =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The unspent outputs by bech32m address. */
  final Map<String, List<UnspentOutput>> unspent = new ConcurrentHashMap<>();

  /** The answers of GetTransaction, in turn; the last one repeats. Empty: NOT_FOUND. */
  final Queue<GetTransactionResponse> transactionAnswers = new ConcurrentLinkedQueue<>();

  final List<Masternode> masternodes = new CopyOnWriteArrayList<>();

  // What happened.
  final List<Long> subscribedFrom = new CopyOnWriteArrayList<>();
  final List<Transaction> submitted = new CopyOnWriteArrayList<>();
  final List<ListMasternodesRequest> masternodeRequests = new CopyOnWriteArrayList<>();
  final AtomicInteger validatorSetCalls = new AtomicInteger();
  final List<GetValidatorSetChangesRequest> setChangeRequests = new CopyOnWriteArrayList<>();

  /** How many stream messages the client asked gRPC for (its flow-control requests). */
  final AtomicInteger streamMessagesRequested = new AtomicInteger();

  private final List<StreamObserver<?>> openStreams = new CopyOnWriteArrayList<>();

  FakeNode(TestChain chain) throws IOException {
    this.chain = chain;
    this.server = InProcessServerBuilder.forName(name).addService(this).build().start();
  }

  TimeClient client() {
    return client(Subscriptions.Timings.DEFAULT);
  }

  TimeClient client(Subscriptions.Timings timings) {
    return client(timings, TrustRoot.genesis(chain.genesisHash()));
  }

  /** A client trusting {@code root} (the served chain's genesis by default). */
  TimeClient client(Subscriptions.Timings timings, TrustRoot root) {
    ManagedChannel channel =
        InProcessChannelBuilder.forName(name)
            .intercept(
                new ClientInterceptor() {
                  @Override
                  public <Q, R> ClientCall<Q, R> interceptCall(
                      MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                    ClientCall<Q, R> call = next.newCall(method, options);
                    if (method != NodeServiceGrpc.getSubscribeFinalizedMethod()) {
                      return call;
                    }
                    return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
                      @Override
                      public void request(int n) {
                        streamMessagesRequested.addAndGet(n);
                        super.request(n);
                      }
                    };
                  }
                })
            .build();
    return TimeClient.builder().channel(channel).timings(timings).trustRoot(root).build();
  }

  /** A refusal as the node sends it: a google.rpc.Status with a timecoin.v1 ErrorInfo. */
  static StatusRuntimeException refusal(Status.Code code, ErrorReason reason, String message) {
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(code.value())
            .setMessage(message)
            .addDetails(
                Any.pack(
                    ErrorInfo.newBuilder()
                        .setDomain("timecoin.v1")
                        .setReason(ErrorReasons.code(reason))
                        .build()))
            .build());
  }

  @Override
  public void getStatus(GetStatusRequest request, StreamObserver<GetStatusResponse> out) {
    out.onNext(
        GetStatusResponse.newBuilder()
            .setChainId(TestChain.CHAIN_ID)
            .setFinalizedHeight(chain.blocks.size())
            .build());
    out.onCompleted();
  }

  @Override
  public void getValidatorSet(
      GetValidatorSetRequest request, StreamObserver<GetValidatorSetResponse> out) {
    validatorSetCalls.incrementAndGet();
    io.timecoin.proto.v1.ValidatorSet set =
        lyingSet != null ? lyingSet : chain.setProto(request.getHeight());
    out.onNext(GetValidatorSetResponse.newBuilder().setValidatorSet(set).build());
    out.onCompleted();
  }

  @Override
  public void getValidatorSetChanges(
      GetValidatorSetChangesRequest request, StreamObserver<GetValidatorSetChangesResponse> out) {
    setChangeRequests.add(request);
    int limit = request.getLimit() == 0 ? 100 : Math.min(request.getLimit(), 1_000);
    List<ValidatorSetChange> all =
        changesFor != null
            ? changesFor.apply(request)
            : changes != null ? changes : chain.changes();
    out.onNext(
        GetValidatorSetChangesResponse.newBuilder()
            .addAllChanges(
                all.stream()
                    .filter(c -> c.getHeight() > request.getFromHeight())
                    .limit(limit)
                    .toList())
            .setFinalizedHeight(
                changesFinalizedHeight >= 0 ? changesFinalizedHeight : chain.blocks.size())
            .build());
    out.onCompleted();
  }

  @Override
  public void getBlock(GetBlockRequest request, StreamObserver<GetBlockResponse> out) {
    long h = request.getHeight();
    if (h > chain.blocks.size()) {
      out.onError(
          refusal(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_NOT_FOUND, "no block " + h));
      return;
    }
    FinalizedBlock b = chain.block(h);
    GetBlockResponse.Builder r = GetBlockResponse.newBuilder().setBlock(b.getBlock());
    if (b.hasCertificate()) {
      r.setCertificate(b.getCertificate());
    }
    out.onNext(r.build());
    out.onCompleted();
  }

  @Override
  public void subscribeFinalized(
      SubscribeFinalizedRequest request, StreamObserver<SubscribeFinalizedResponse> out) {
    int index = subscribedFrom.size();
    subscribedFrom.add(request.getFromHeight());
    int sent = 0;
    for (long h = Math.max(1, request.getFromHeight()); h <= chain.blocks.size(); h++) {
      if (index == 0 && sent == breakFirstAfter) {
        out.onError(Status.UNAVAILABLE.withDescription("node restarting").asRuntimeException());
        return;
      }
      if (breakAfter.containsKey(index) && sent == breakAfter.get(index)) {
        out.onError(breakStatus.asRuntimeException());
        return;
      }
      if (index == 0 && sent == silenceFirstAfter) {
        break;
      }
      if (h == skipHeight) {
        continue;
      }
      // A keep-alive before every block: the subscriber must never see them.
      out.onNext(
          SubscribeFinalizedResponse.newBuilder()
              .setKeepAlive(KeepAlive.newBuilder().setFinalizedHeight(h - 1))
              .build());
      out.onNext(
          SubscribeFinalizedResponse.newBuilder()
              .setBlock(replaced.getOrDefault(h, chain.block(h)))
              .build());
      if (h == repeatHeight) {
        out.onNext(
            SubscribeFinalizedResponse.newBuilder()
                .setBlock(replaced.getOrDefault(h, chain.block(h)))
                .build());
      }
      sent++;
    }
    openStreams.add(out); // a live node with nothing new: the stream stays open
  }

  @Override
  public void submitTransaction(
      SubmitTransactionRequest request, StreamObserver<SubmitTransactionResponse> out) {
    if (submitError != null) {
      out.onError(submitError);
      return;
    }
    submitted.add(request.getTransaction());
    out.onNext(
        SubmitTransactionResponse.newBuilder()
            .setTxid(Hashes.transaction(request.getTransaction()))
            .build());
    out.onCompleted();
  }

  /**
   * Transactions of a SubmitTransactions stream refused with {@link #submitError}; the others
   * accepted.
   */
  volatile java.util.function.Predicate<Transaction> refuseOnStream = tx -> false;

  @Override
  public StreamObserver<SubmitTransactionsRequest> submitTransactions(
      StreamObserver<SubmitTransactionsResponse> out) {
    return new StreamObserver<>() {
      @Override
      public void onNext(SubmitTransactionsRequest request) {
        Transaction tx = request.getTransaction();
        SubmitTransactionsResponse.Builder answer =
            SubmitTransactionsResponse.newBuilder().setTxid(Hashes.transaction(tx));
        if (refuseOnStream.test(tx)) {
          answer.setError(StatusProto.fromThrowable(submitError));
        } else {
          submitted.add(tx);
        }
        out.onNext(answer.build());
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        out.onCompleted();
      }
    };
  }

  @Override
  public void getBalance(
      io.timecoin.proto.v1.GetBalanceRequest request,
      StreamObserver<io.timecoin.proto.v1.GetBalanceResponse> out) {
    List<UnspentOutput> all = unspent.getOrDefault(request.getAddress(), List.of());
    long sum = all.stream().mapToLong(u -> u.getOutput().getAmount()).sum();
    out.onNext(
        io.timecoin.proto.v1.GetBalanceResponse.newBuilder()
            .setBalance(sum)
            .setUnspentCount(all.size())
            .setHeight(9)
            .build());
    out.onCompleted();
  }

  @Override
  public void listUnspent(ListUnspentRequest request, StreamObserver<ListUnspentResponse> out) {
    List<UnspentOutput> all = unspent.getOrDefault(request.getAddress(), List.of());
    int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
    int to = Math.min(all.size(), from + PAGE);
    out.onNext(
        ListUnspentResponse.newBuilder()
            .addAllOutputs(all.subList(from, to))
            .setHeight(9)
            .setNextPageToken(to < all.size() ? Integer.toString(to) : "")
            .build());
    out.onCompleted();
  }

  @Override
  public void listAddressTransactions(
      io.timecoin.proto.v1.ListAddressTransactionsRequest request,
      StreamObserver<io.timecoin.proto.v1.ListAddressTransactionsResponse> out) {
    historyRequests.add(request);
    List<io.timecoin.proto.v1.AddressTransaction> all =
        history.getOrDefault(request.getAddress(), List.of());
    int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
    int to = Math.min(all.size(), from + (request.getPageSize() == 0 ? 50 : request.getPageSize()));
    out.onNext(
        io.timecoin.proto.v1.ListAddressTransactionsResponse.newBuilder()
            .addAllTransactions(all.subList(from, to))
            .setHeight(9)
            .setNextPageToken(to < all.size() ? Integer.toString(to) : "")
            .build());
    out.onCompleted();
  }

  @Override
  public void getTransaction(
      GetTransactionRequest request, StreamObserver<GetTransactionResponse> out) {
    GetTransactionResponse answer =
        transactionAnswers.size() > 1 ? transactionAnswers.poll() : transactionAnswers.peek();
    if (answer == null) {
      out.onError(
          refusal(
              Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_NOT_FOUND, "no such transaction"));
      return;
    }
    out.onNext(answer);
    out.onCompleted();
  }

  @Override
  public void listMasternodes(
      ListMasternodesRequest request, StreamObserver<ListMasternodesResponse> out) {
    masternodeRequests.add(request);
    int from = request.getPageToken().isEmpty() ? 0 : Integer.parseInt(request.getPageToken());
    int to = Math.min(masternodes.size(), from + PAGE);
    out.onNext(
        ListMasternodesResponse.newBuilder()
            .addAllMasternodes(new ArrayList<>(masternodes.subList(from, to)))
            .setHeight(42)
            .setNextPageToken(to < masternodes.size() ? Integer.toString(to) : "")
            .build());
    out.onCompleted();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
