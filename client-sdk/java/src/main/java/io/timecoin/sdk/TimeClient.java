package io.timecoin.sdk;

import com.google.protobuf.ByteString;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.timecoin.proto.v1.AddressTransaction;
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
import io.timecoin.proto.v1.ListAddressTransactionsRequest;
import io.timecoin.proto.v1.ListAddressTransactionsResponse;
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
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.UnspentOutput;
import io.timecoin.proto.v1.ValidatorSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * A client of one node's {@code NodeService} (docs/protocol.md 7) that trusts no node (8).
 *
 * <pre>{@code
 * try (TimeClient client = TimeClient.builder().target("127.0.0.1:24101")
 *     .trustRoot(TrustRoot.genesis("3f1c...")) // the genesis hash of your chain, 64 hex digits
 *     .build()) {
 *   long height = client.status().getFinalizedHeight();
 * }
 * }</pre>
 *
 * <p>The trust root (a genesis hash, or a pinned checkpoint) is all the client takes on faith: the
 * chain id and every validator set are derived from it (through GetValidatorSetChanges, each set
 * checked against a certified next_validator_set_hash), and every block {@link #subscribeFinalized}
 * delivers is checked against them. Without a root the client trusts the first genesis it sees and
 * logs that at WARN.
 *
 * <p>Every call has a blocking form, which throws {@link TimeException}, and an asynchronous form
 * ({@code ...Async}) whose future completes exceptionally with a {@link TimeException}; cancelling
 * such a future cancels its call. Each call gets the builder's deadline. {@link
 * #subscribeFinalized(long)} streams finalized blocks whose certificates the client has verified.
 * The client is thread-safe; close it to shut its channel down.
 */
public final class TimeClient implements AutoCloseable {
  /** The default deadline of each unary call. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

  /**
   * Channel keep-alive ping interval: the node permits one every 10 s or more, also without calls.
   */
  static final Duration KEEP_ALIVE = Duration.ofSeconds(30);

  /**
   * Largest message the client accepts: a block may be max_block_bytes (4 MiB by default) plus its
   * certificate and reward breakdown, which gRPC's default 4 MiB limit would refuse.
   */
  static final int MAX_INBOUND_BYTES = 16 << 20;

  private final ManagedChannel channel;
  private final Duration deadline;
  private final Subscriptions.Timings timings;
  private final NodeServiceGrpc.NodeServiceBlockingStub blocking;
  private final NodeServiceGrpc.NodeServiceStub async;
  private final TrustedChain trusted;

  private TimeClient(
      ManagedChannel channel, Duration deadline, Subscriptions.Timings timings, TrustRoot root) {
    this.channel = channel;
    this.trusted = new TrustedChain(this, root);
    this.deadline = deadline;
    this.timings = timings;
    this.blocking = NodeServiceGrpc.newBlockingStub(channel);
    this.async = NodeServiceGrpc.newStub(channel);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Builds a {@link TimeClient}: a target (or a ready channel), and optionally a deadline and TLS.
   */
  public static final class Builder {
    private String target;
    private Duration deadline = DEFAULT_DEADLINE;
    private Path caPem;
    private ManagedChannel channel;
    private Subscriptions.Timings timings = Subscriptions.Timings.DEFAULT;
    private TrustRoot root = TrustRoot.firstSeen();

    private Builder() {}

    /**
     * What the client trusts: {@link TrustRoot#genesis} or {@link TrustRoot#checkpoint}. Without
     * one, the first genesis a node shows is trusted (and a WARN says so).
     */
    public Builder trustRoot(TrustRoot root) {
      this.root = Objects.requireNonNull(root, "root");
      return this;
    }

    /**
     * The node's client address, host:port (for example "127.0.0.1:24101"), a bare port (meaning
     * 127.0.0.1:PORT, never a host of that name), or any gRPC target.
     */
    public Builder target(String target) {
      Objects.requireNonNull(target, "target");
      this.target = target.matches("[0-9]{1,5}") ? "127.0.0.1:" + target : target;
      return this;
    }

    /** The deadline of each unary call (default 10 s). Subscriptions have none. */
    public Builder deadline(Duration deadline) {
      if (deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("the deadline must be positive, got " + deadline);
      }
      this.deadline = deadline;
      return this;
    }

    /** Use TLS, trusting the CA certificate(s) in this PEM file. Without it, plaintext. */
    public Builder tls(Path caPem) {
      this.caPem = Objects.requireNonNull(caPem, "caPem");
      return this;
    }

    /**
     * Use this channel instead of building one from the target (an in-process channel, or one with
     * other credentials). {@link TimeClient#close()} shuts it down.
     */
    public Builder channel(ManagedChannel channel) {
      this.channel = Objects.requireNonNull(channel, "channel");
      return this;
    }

    /** For tests: shorter subscription idle timeout and backoff. */
    Builder timings(Subscriptions.Timings timings) {
      this.timings = timings;
      return this;
    }

    /**
     * The client. Its channel connects lazily, on the first call.
     *
     * @throws UncheckedIOException when the CA file cannot be read
     */
    public TimeClient build() {
      if (channel != null) {
        if (target != null || caPem != null) {
          throw new IllegalStateException(
              "give either a channel or a target (with optional tls), not both");
        }
        return new TimeClient(channel, deadline, timings, root);
      }
      if (target == null) {
        throw new IllegalStateException("no target: call target(\"host:port\")");
      }
      ChannelCredentials credentials;
      if (caPem == null) {
        credentials = InsecureChannelCredentials.create();
      } else {
        try {
          credentials = TlsChannelCredentials.newBuilder().trustManager(caPem.toFile()).build();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the CA certificate " + caPem, e);
        }
      }
      ManagedChannel built =
          Grpc.newChannelBuilder(target, credentials)
              // keep-alives keep idle subscriptions' connections open through NATs and detect dead
              // peers
              .keepAliveTime(KEEP_ALIVE.toSeconds(), TimeUnit.SECONDS)
              .keepAliveWithoutCalls(true)
              .maxInboundMessageSize(MAX_INBOUND_BYTES)
              .build();
      return new TimeClient(built, deadline, timings, root);
    }
  }

  // ---- status ----

  /** The node's status: chain id, finalized height and hash, peers, ... */
  public GetStatusResponse status() {
    return call(s -> s.getStatus(GetStatusRequest.getDefaultInstance()));
  }

  public CompletableFuture<GetStatusResponse> statusAsync() {
    return unary(GetStatusRequest.getDefaultInstance(), async()::getStatus);
  }

  /**
   * The chain id, from the trust root's header (block 0, or the checkpoint): fetched and checked on
   * first use, then remembered.
   *
   * @throws TimeException GENESIS_MISMATCH (or WRONG_CHAIN for a checkpoint) when the node is on
   *     another chain than the root
   */
  public String chainId() {
    return trusted.anchor().chainId();
  }

  /**
   * The root this client has checked the node against: the one it was built with, or, built without
   * one, the genesis it trusted on first sight (pin that one next time).
   *
   * @throws TimeException as {@link #chainId()}
   */
  public TrustRoot trustRoot() {
    TrustedChain.Anchor a = trusted.anchor();
    return a.height() == 0
        ? TrustRoot.genesis(a.hash())
        : TrustRoot.checkpoint(a.height(), a.hash());
  }

  // ---- blocks and certificates ----

  /** The finalized block of {@code height} with its certificate (none for block 0). */
  public GetBlockResponse block(long height) {
    return call(s -> s.getBlock(blockAt(height)));
  }

  public CompletableFuture<GetBlockResponse> blockAsync(long height) {
    return unary(blockAt(height), async()::getBlock);
  }

  /** The finalized block with this 32-byte hash, with its certificate. */
  public GetBlockResponse blockByHash(ByteString hash) {
    return call(s -> s.getBlock(blockWith(hash)));
  }

  public CompletableFuture<GetBlockResponse> blockByHashAsync(ByteString hash) {
    return unary(blockWith(hash), async()::getBlock);
  }

  /** The finality certificate of {@code height} (at least 1). */
  public FinalityCertificate certificate(long height) {
    return call(s -> s.getCertificate(certificateAt(height))).getCertificate();
  }

  public CompletableFuture<FinalityCertificate> certificateAsync(long height) {
    return unary(certificateAt(height), async()::getCertificate)
        .thenApply(GetCertificateResponse::getCertificate);
  }

  // ---- transactions and balances ----

  /** A transaction by its 32-byte id, with whether it is pending or final (and where). */
  public GetTransactionResponse transaction(ByteString txid) {
    return call(s -> s.getTransaction(transactionWith(txid)));
  }

  public CompletableFuture<GetTransactionResponse> transactionAsync(ByteString txid) {
    return unary(transactionWith(txid), async()::getTransaction);
  }

  /** The finalized balance of a bech32m address. */
  public GetBalanceResponse balance(String address) {
    return call(s -> s.getBalance(balanceOf(address)));
  }

  public CompletableFuture<GetBalanceResponse> balanceAsync(String address) {
    return unary(balanceOf(address), async()::getBalance);
  }

  /** Every finalized unspent output of a bech32m address (all pages). */
  public List<UnspentOutput> listUnspent(String address) {
    List<UnspentOutput> all = new ArrayList<>();
    String token = "";
    do {
      ListUnspentRequest request = unspentPage(address, token);
      ListUnspentResponse page = call(s -> s.listUnspent(request));
      all.addAll(page.getOutputsList());
      token = nextToken(token, page.getNextPageToken());
    } while (!token.isEmpty());
    return all;
  }

  public CompletableFuture<List<UnspentOutput>> listUnspentAsync(String address) {
    return unspentFrom(address, "", new ArrayList<>());
  }

  private CompletableFuture<List<UnspentOutput>> unspentFrom(
      String address, String token, List<UnspentOutput> all) {
    return unary(unspentPage(address, token), async()::listUnspent)
        .thenCompose(
            page -> {
              all.addAll(page.getOutputsList());
              String next = nextToken(token, page.getNextPageToken());
              return next.isEmpty()
                  ? CompletableFuture.completedFuture(all)
                  : unspentFrom(address, next, all);
            });
  }

  /**
   * The newest {@code limit} finalized transactions that pay to or spend from a bech32m address,
   * newest first, each with what it paid to and spent from the address (as many pages as it takes;
   * a validator's reward address has one a block, so ask for what is shown).
   */
  public List<AddressTransaction> addressTransactions(String address, int limit) {
    List<AddressTransaction> all = new ArrayList<>();
    if (limit <= 0) {
      return all;
    }
    String token = "";
    do {
      ListAddressTransactionsRequest request = historyPage(address, limit - all.size(), token);
      ListAddressTransactionsResponse page = call(s -> s.listAddressTransactions(request));
      all.addAll(
          page.getTransactionsList()
              .subList(0, Math.min(page.getTransactionsCount(), limit - all.size())));
      token = nextToken(token, page.getNextPageToken());
    } while (!token.isEmpty() && all.size() < limit);
    return all;
  }

  /**
   * One page of an address's transactions, newest first: for an explorer that pages by the node's
   * token.
   */
  public ListAddressTransactionsResponse addressTransactionsPage(
      String address, int pageSize, String pageToken) {
    return call(s -> s.listAddressTransactions(historyPage(address, pageSize, pageToken)));
  }

  public CompletableFuture<ListAddressTransactionsResponse> addressTransactionsPageAsync(
      String address, int pageSize, String pageToken) {
    return unary(historyPage(address, pageSize, pageToken), async()::listAddressTransactions);
  }

  private static ListAddressTransactionsRequest historyPage(
      String address, int pageSize, String token) {
    return ListAddressTransactionsRequest.newBuilder()
        .setAddress(address)
        .setPageSize(Math.max(0, Math.min(pageSize, 500)))
        .setPageToken(token)
        .build();
  }

  /**
   * Offers a signed transaction to the node's mempool.
   *
   * @return its id (32 bytes)
   * @throws TimeException with the ledger's reason (ALREADY_SPENT, FEE_TOO_LOW, ...) when refused
   */
  public ByteString submit(Transaction tx) {
    return call(s -> s.submitTransaction(submission(tx))).getTxid();
  }

  public CompletableFuture<ByteString> submitAsync(Transaction tx) {
    return unary(submission(tx), async()::submitTransaction)
        .thenApply(SubmitTransactionResponse::getTxid);
  }

  /**
   * What became of one transaction offered by {@link #submitAll}: its id, and the refusal if
   * refused.
   */
  public record Submitted(ByteString txid, TimeException refusal) {
    public boolean accepted() {
      return refusal == null;
    }
  }

  /**
   * Offers many signed transactions over one SubmitTransactions stream: for a service that submits
   * a lot, far cheaper than a call each. Sends as fast as the node reads (gRPC flow control) and
   * waits for every answer (the deadline applies to the whole stream).
   *
   * @return an answer per transaction, in the order given
   * @throws TimeException when the stream itself fails (the node is unreachable, the deadline
   *     passed)
   */
  public List<Submitted> submitAll(List<Transaction> txs) {
    Map<ByteString, Submitted> answers = new java.util.concurrent.ConcurrentHashMap<>();
    CompletableFuture<Void> streamEnd = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicBoolean allSent =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.Iterator<Transaction> next = txs.iterator();
    async()
        .submitTransactions(
            new ClientResponseObserver<SubmitTransactionsRequest, SubmitTransactionsResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<SubmitTransactionsRequest> call) {
                call.setOnReadyHandler(
                    () -> { // on gRPC's thread, once at start and whenever the node reads on
                      while (call.isReady() && next.hasNext()) {
                        call.onNext(
                            SubmitTransactionsRequest.newBuilder()
                                .setTransaction(next.next())
                                .build());
                      }
                      if (!next.hasNext() && allSent.compareAndSet(false, true)) {
                        call.onCompleted(); // all sent: the node answers the rest, then ends the
                        // stream
                      }
                    });
              }

              @Override
              public void onNext(SubmitTransactionsResponse r) {
                answers.put(
                    r.getTxid(),
                    new Submitted(
                        r.getTxid(),
                        r.hasError()
                            ? TimeException.from(
                                io.grpc.protobuf.StatusProto.toStatusRuntimeException(r.getError()))
                            : null));
              }

              @Override
              public void onError(Throwable t) {
                streamEnd.completeExceptionally(TimeException.from(t));
              }

              @Override
              public void onCompleted() {
                streamEnd.complete(null);
              }
            });
    try {
      streamEnd.join();
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof TimeException t ? t : TimeException.from(e.getCause());
    }
    List<Submitted> out = new ArrayList<>(txs.size());
    for (Transaction tx : txs) {
      ByteString id = io.timecoin.canonical.Hashes.transaction(tx);
      out.add(
          answers.getOrDefault(
              id,
              new Submitted(
                  id,
                  new TimeException(
                      Status.Code.INTERNAL,
                      ErrorReason.ERROR_REASON_UNSPECIFIED,
                      "the node ended the stream without answering this transaction"))));
    }
    return out;
  }

  // ---- masternodes and validator sets ----

  /**
   * Every masternode registered at the next height to be finalized (all pages), by consensus key.
   */
  public List<Masternode> masternodes() {
    List<Masternode> all = new ArrayList<>();
    long height = 0;
    String token = "";
    do {
      ListMasternodesRequest request = masternodePage(height, token);
      ListMasternodesResponse page = call(s -> s.listMasternodes(request));
      all.addAll(page.getMasternodesList());
      // Later pages ask for the height of the first: "0" (the next height) may move between pages.
      height = page.getHeight();
      token = nextToken(token, page.getNextPageToken());
    } while (!token.isEmpty());
    return all;
  }

  public CompletableFuture<List<Masternode>> masternodesAsync() {
    return masternodesFrom(0, "", new ArrayList<>());
  }

  private CompletableFuture<List<Masternode>> masternodesFrom(
      long height, String token, List<Masternode> all) {
    return unary(masternodePage(height, token), async()::listMasternodes)
        .thenCompose(
            page -> {
              all.addAll(page.getMasternodesList());
              String next = nextToken(token, page.getNextPageToken());
              return next.isEmpty()
                  ? CompletableFuture.completedFuture(all)
                  : masternodesFrom(page.getHeight(), next, all);
            });
  }

  /** One masternode, at the next height, by its 32-byte consensus key. */
  public Masternode masternode(ByteString consensusKey) {
    return call(s -> s.getMasternode(masternodeWith(consensusKey))).getMasternode();
  }

  public CompletableFuture<Masternode> masternodeAsync(ByteString consensusKey) {
    return unary(masternodeWith(consensusKey), async()::getMasternode)
        .thenApply(GetMasternodeResponse::getMasternode);
  }

  /**
   * The validator set that votes at {@code height} (0: the next height to be finalized), as the
   * node says: unchecked, for display. The SDK itself never trusts it; it derives the sets it
   * checks blocks with from {@link #validatorSetChanges} and the trust root.
   */
  public ValidatorSet validatorSet(long height) {
    return call(s -> s.getValidatorSet(validatorSetAt(height))).getValidatorSet();
  }

  public CompletableFuture<ValidatorSet> validatorSetAsync(long height) {
    return unary(validatorSetAt(height), async()::getValidatorSet)
        .thenApply(GetValidatorSetResponse::getValidatorSet);
  }

  /**
   * The validator set that votes at {@code height}, derived from the trust root through every set
   * change up to it, each change checked (docs/sdk.md 4.1): what the subscriptions check blocks
   * with, and what a client that trusts no node displays.
   *
   * @throws TimeException DATA_LOSS with the reason when what the node sent does not check out;
   *     UNAVAILABLE / NOT_SYNCED when the node's changes do not reach {@code height} yet
   */
  public ValidatorSet verifiedValidatorSet(long height) {
    return trusted.setAt(height).toProto();
  }

  /**
   * Up to {@code limit} validator set changes after {@code fromHeight} (limit 0: the node's default
   * of 100; it gives at most 1,000), as the node sends them: each the certified header of c-1 and
   * set(c). Unchecked here: the subscriptions check each against the trust root before using it.
   */
  public GetValidatorSetChangesResponse validatorSetChanges(long fromHeight, int limit) {
    return call(s -> s.getValidatorSetChanges(setChangesAfter(fromHeight, limit)));
  }

  public CompletableFuture<GetValidatorSetChangesResponse> validatorSetChangesAsync(
      long fromHeight, int limit) {
    return unary(setChangesAfter(fromHeight, limit), async()::getValidatorSetChanges);
  }

  // ---- subscriptions ----

  /**
   * Finalized blocks from {@code fromHeight} on (0: from the first block after the trust root,
   * which for a genesis root is block 1; a checkpoint root checks only blocks above it), in order,
   * each exactly once: the publisher resubscribes by itself from the last delivered height + 1 when
   * the stream breaks (UNAVAILABLE, UNKNOWN, CANCELLED by the node, DEADLINE_EXCEEDED,
   * RESOURCE_EXHAUSTED), with a backoff from 100 ms doubling to 5 s. Each {@code subscribe} opens
   * its own stream, when the subscriber first requests.
   *
   * <p>A block is delivered only once its header hashes to its certificate's block_hash, names the
   * validator set derived from the trust root for its height, chains to the block before, and
   * commits to its body, and the certificate is valid for that set (docs/protocol.md 8). A block
   * that fails ends the subscription with a {@link TimeException} naming why (GENESIS_MISMATCH,
   * BAD_SIGNATURE, UNKNOWN_VALIDATOR, NO_QUORUM, INVALID_BLOCK, ...), and is never delivered.
   */
  public Flow.Publisher<VerifiedBlock> subscribeFinalized(long fromHeight) {
    if (fromHeight < 0) {
      throw new IllegalArgumentException("fromHeight must be >= 0, got " + fromHeight);
    }
    long from = fromHeight == 0 ? trusted.rootHeight() + 1 : fromHeight;
    return subscriber ->
        new Subscriptions.Finalized(
                this, from, Objects.requireNonNull(subscriber, "subscriber"), timings)
            .start();
  }

  /** Shuts the channel down; calls in flight fail, subscriptions end with an error. */
  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return channel.isShutdown();
  }

  // ---- for the subscriptions ----

  NodeServiceGrpc.NodeServiceStub streamingStub() {
    return async; // no deadline: a subscription lives as long as its subscriber wants
  }

  /** The root, and the validator sets derived from it, shared by the subscriptions. */
  TrustedChain trusted() {
    return trusted;
  }

  // ---- plumbing ----

  private NodeServiceGrpc.NodeServiceStub async() {
    return async.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  private <T> T call(Function<NodeServiceGrpc.NodeServiceBlockingStub, T> rpc) {
    try {
      return rpc.apply(blocking.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
    } catch (StatusRuntimeException e) {
      throw TimeException.from(e);
    }
  }

  /** An asynchronous unary call as a future; cancelling the future cancels the call. */
  private static <Req, Resp> CompletableFuture<Resp> unary(
      Req request, BiConsumer<Req, io.grpc.stub.StreamObserver<Resp>> rpc) {
    CompletableFuture<Resp> future = new CompletableFuture<>();
    rpc.accept(
        request,
        new ClientResponseObserver<Req, Resp>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<Req> call) {
            future.whenComplete(
                (r, e) -> {
                  if (future.isCancelled()) {
                    call.cancel("cancelled by the caller", null);
                  }
                });
          }

          @Override
          public void onNext(Resp value) {
            future.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            future.completeExceptionally(TimeException.from(t));
          }

          @Override
          public void onCompleted() {
            if (!future.isDone()) {
              future.completeExceptionally(
                  new TimeException(
                      Status.Code.INTERNAL,
                      ErrorReason.ERROR_REASON_UNSPECIFIED,
                      "the node closed the call without a response"));
            }
          }
        });
    return future;
  }

  /**
   * The next page token; a node repeating the token it was given would loop forever, so refuse it.
   */
  private static String nextToken(String current, String next) {
    if (!next.isEmpty() && next.equals(current)) {
      throw new TimeException(
          Status.Code.INTERNAL,
          ErrorReason.ERROR_REASON_INVALID_ARGUMENT,
          "the node returned the same page token again");
    }
    return next;
  }

  private static GetBlockRequest blockAt(long height) {
    return GetBlockRequest.newBuilder().setHeight(height).build();
  }

  private static GetBlockRequest blockWith(ByteString hash) {
    return GetBlockRequest.newBuilder().setHash(hash).build();
  }

  private static GetCertificateRequest certificateAt(long height) {
    return GetCertificateRequest.newBuilder().setHeight(height).build();
  }

  private static GetTransactionRequest transactionWith(ByteString txid) {
    return GetTransactionRequest.newBuilder().setTxid(txid).build();
  }

  private static GetBalanceRequest balanceOf(String address) {
    return GetBalanceRequest.newBuilder().setAddress(address).build();
  }

  private static ListUnspentRequest unspentPage(String address, String token) {
    return ListUnspentRequest.newBuilder().setAddress(address).setPageToken(token).build();
  }

  private static SubmitTransactionRequest submission(Transaction tx) {
    return SubmitTransactionRequest.newBuilder().setTransaction(tx).build();
  }

  private static ListMasternodesRequest masternodePage(long height, String token) {
    return ListMasternodesRequest.newBuilder().setHeight(height).setPageToken(token).build();
  }

  private static GetMasternodeRequest masternodeWith(ByteString key) {
    return GetMasternodeRequest.newBuilder().setConsensusKey(key).build();
  }

  private static GetValidatorSetChangesRequest setChangesAfter(long fromHeight, int limit) {
    return GetValidatorSetChangesRequest.newBuilder()
        .setFromHeight(fromHeight)
        .setLimit(limit)
        .build();
  }

  private static GetValidatorSetRequest validatorSetAt(long height) {
    return GetValidatorSetRequest.newBuilder().setHeight(height).build();
  }
}
