package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Address;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.KeyFile;
import io.timecoin.ledger.TransactionRules;
import io.timecoin.node.api.Calls;
import io.timecoin.node.api.InternalFailure;
import io.timecoin.node.api.NodeApi;
import io.timecoin.node.api.SubmissionsApi;
import io.timecoin.node.config.Genesis;
import io.timecoin.node.config.GenesisFile;
import io.timecoin.node.peer.PeerConnection;
import io.timecoin.node.peer.PeerConnections;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.ConnectResponse;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.GetBlockRequest;
import io.timecoin.proto.v1.GetCertificateRequest;
import io.timecoin.proto.v1.GetMasternodeRequest;
import io.timecoin.proto.v1.GetStatusRequest;
import io.timecoin.proto.v1.GetValidatorSetChangesRequest;
import io.timecoin.proto.v1.GetValidatorSetChangesResponse;
import io.timecoin.proto.v1.GetValidatorSetRequest;
import io.timecoin.proto.v1.Hello;
import io.timecoin.proto.v1.ListEvidenceRequest;
import io.timecoin.proto.v1.ListMasternodesRequest;
import io.timecoin.proto.v1.ListMasternodesResponse;
import io.timecoin.proto.v1.ListUnspentRequest;
import io.timecoin.proto.v1.ListUnspentResponse;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.OutPoint;
import io.timecoin.proto.v1.PeerMessage;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.SubmitTransactionRequest;
import io.timecoin.proto.v1.SubscribeFinalizedRequest;
import io.timecoin.proto.v1.SubscribeFinalizedResponse;
import io.timecoin.proto.v1.SyncBlocksRequest;
import io.timecoin.proto.v1.Transaction;
import io.timecoin.proto.v1.ValidatorSetChange;
import io.timecoin.protocol.Transactions;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client API of a real node (one validator, in this JVM, on loopback) against hostile input:
 * fields of the wrong length, unsigned fields at and past 2^31 and 2^63, unknown protobuf fields.
 * Every call must answer at once (a 5 s deadline catches one that hangs) with a typed refusal.
 */
class NodeApiTest {
  private static final long FEE = 1_000_000;

  @TempDir static Path dir;

  private static TestNode net;
  private static Genesis genesis;
  private static Ed25519KeyPair faucet;
  private static OutPoint faucetOutput;

  @BeforeAll
  static void start() throws Exception {
    net = TestNode.start(dir);
    genesis = GenesisFile.read(net.home.resolve("genesis.json"));
    faucet = KeyFile.read(net.faucetKey());
    faucetOutput =
        OutPoint.newBuilder()
            .setTxid(Hashes.transaction(genesis.transaction()))
            .setIndex(0)
            .build();
    net.awaitHeight(2);
  }

  @AfterAll
  static void stop() throws Exception {
    net.close();
  }

  private static NodeServiceGrpc.NodeServiceBlockingStub api() {
    return NodeServiceGrpc.newBlockingStub(net.client).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  private static StatusRuntimeException refused(Status.Code code, String reason, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e::toString);
    assertEquals(reason, reason(e), e::toString);
    return e;
  }

  private static String reason(Throwable t) {
    com.google.rpc.Status s = StatusProto.fromThrowable(t);
    if (s == null) {
      return null;
    }
    for (var any : s.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        try {
          return any.unpack(ErrorInfo.class).getReason();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          throw new AssertionError(e);
        }
      }
    }
    return null;
  }

  private static String faucetAddress() {
    return Address.of(faucet.publicKey()).toBech32m(genesis.chainId());
  }

  /**
   * A transfer of the faucet's output, signed, then with its input's txid replaced by {@code n}
   * bytes.
   */
  private static Transaction withTxidOf(int n) {
    Transaction tx = signedTransfer(faucetOutput, faucet);
    return tx.toBuilder()
        .setInputs(
            0,
            tx.getInputs(0).toBuilder()
                .setOutpoint(
                    OutPoint.newBuilder().setTxid(ByteString.copyFrom(new byte[n])).setIndex(0)))
        .build();
  }

  private static Transaction signedTransfer(OutPoint input, Ed25519KeyPair signer) {
    long amount = genesis.allocations().get(0).amount();
    return Transactions.sign(
        Transactions.transfer(
            List.of(input),
            List.of(Transactions.output(amount - FEE, Address.of(faucet.publicKey())))),
        genesis.chainId(),
        List.of(signer),
        List.of());
  }

  private static double count(String name, String... tags) {
    return net.node.metrics.registry.find(name).tags(tags).counters().stream()
        .mapToDouble(io.micrometer.core.instrument.Counter::count)
        .sum();
  }

  // ---------------------------------------------------------------- lengths

  /** Issue 14 item 7: a 33-byte txid killed a verifier thread and the call never answered. */
  @Test
  void aTxidOfTheWrongLengthIsMalformedAtOnce() {
    for (int n : new int[] {33, 0, 31}) {
      refused(
          Status.Code.INVALID_ARGUMENT,
          "MALFORMED",
          () ->
              api()
                  .submitTransaction(
                      SubmitTransactionRequest.newBuilder().setTransaction(withTxidOf(n)).build()));
    }
  }

  @Test
  void aPeersTransactionOfTheWrongLengthIsCountedAndPenalized() throws Exception {
    PeerConnection peer = PeerConnections.unbound("127.0.0.1:7000");
    double before = count("timed_transactions_total", "verdict", "malformed");
    for (int n : new int[] {33, 0, 31}) {
      TransactionRules.Verdict v =
          net.node.admission.submit(withTxidOf(n), peer).get(5, TimeUnit.SECONDS);
      assertEquals(ErrorReason.ERROR_REASON_MALFORMED, v.reason(), v::toString);
    }
    assertEquals(3, PeerConnections.penalties(peer));
    assertEquals(before + 3, count("timed_transactions_total", "verdict", "malformed"));
  }

  /** Issue 14 item 6: WRONG_OWNER and the like cost the relaying peer nothing. */
  @Test
  void aPeerIsPenalizedForWhatNoHonestNodeCouldHaveAdmittedAndOnlyThat() throws Exception {
    PeerConnection peer = PeerConnections.unbound("127.0.0.1:7001");
    Transaction thief =
        signedTransfer(
            faucetOutput, Ed25519KeyPair.generate()); // valid signature, not the owner's key
    assertEquals(
        ErrorReason.ERROR_REASON_WRONG_OWNER,
        net.node.admission.submit(thief, peer).get(5, TimeUnit.SECONDS).reason());
    assertEquals(1, PeerConnections.penalties(peer));
    Transaction forged =
        thief.toBuilder()
            .setInputs(
                0,
                thief.getInputs(0).toBuilder()
                    .setWitness(
                        thief.getInputs(0).getWitness().toBuilder()
                            .setSignature(ByteString.copyFrom(new byte[64]))))
            .build();
    assertEquals(
        ErrorReason.ERROR_REASON_BAD_SIGNATURE,
        net.node.admission.submit(forged, peer).get(5, TimeUnit.SECONDS).reason());
    assertEquals(2, PeerConnections.penalties(peer));
    OutPoint unknown =
        OutPoint.newBuilder().setTxid(ByteString.copyFrom(new byte[32])).setIndex(9).build();
    // an output we do not know yet may exist at a peer that is ahead: no penalty
    assertEquals(
        ErrorReason.ERROR_REASON_UNKNOWN_INPUT,
        net.node
            .admission
            .submit(signedTransfer(unknown, faucet), peer)
            .get(5, TimeUnit.SECONDS)
            .reason());
    assertEquals(2, PeerConnections.penalties(peer));
  }

  @Test
  void aHashOrKeyOfTheWrongLengthIsAnInvalidArgument() {
    refused(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        () ->
            api()
                .getBlock(
                    GetBlockRequest.newBuilder()
                        .setHash(ByteString.copyFrom(new byte[33]))
                        .build()));
    refused(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        () ->
            api()
                .getMasternode(
                    GetMasternodeRequest.newBuilder()
                        .setConsensusKey(ByteString.copyFrom(new byte[31]))
                        .build()));
  }

  /** A bug on the verifier path answers the client INTERNAL; a full queue stays OVERLOADED. */
  @Test
  void anInternalFailureAnswersInternal() {
    StatusRuntimeException internal =
        SubmissionsApi.refusal(null, new InternalFailure("boom", new IllegalStateException()));
    assertEquals(Status.Code.INTERNAL, internal.getStatus().getCode());
    assertEquals(
        Status.Code.INTERNAL,
        SubmissionsApi.refusal(
                null,
                new java.util.concurrent.CompletionException(new InternalFailure("boom", null)))
            .getStatus()
            .getCode());
    assertEquals(
        Status.Code.UNAVAILABLE,
        SubmissionsApi.refusal(null, new IllegalStateException("full")).getStatus().getCode());
  }

  // ---------------------------------------------------------------- unsigned fields

  /**
   * Issue 14 item 7: a page_size of 2^31 or more was a negative int, and the call never answered.
   */
  @Test
  void pageSizesOf2To31AndMoreAreClampedAndAnswered() {
    for (int size : new int[] {Integer.MIN_VALUE, -1, Integer.MAX_VALUE, 5_000}) {
      ListUnspentResponse u =
          api()
              .listUnspent(
                  ListUnspentRequest.newBuilder()
                      .setAddress(faucetAddress())
                      .setPageSize(size)
                      .build());
      assertTrue(u.getOutputsCount() <= Calls.MAX_PAGE);
      ListMasternodesResponse m =
          api().listMasternodes(ListMasternodesRequest.newBuilder().setPageSize(size).build());
      assertEquals(1, m.getMasternodesCount());
      api().listEvidence(ListEvidenceRequest.newBuilder().setPageSize(size).build());
    }
    assertEquals(100, Calls.pageSize(0));
    assertEquals(7, Calls.pageSize(7));
    assertEquals(Calls.MAX_PAGE, Calls.pageSize(Integer.MIN_VALUE));
    assertEquals(Calls.MAX_PAGE, Calls.pageSize(-1));
  }

  @Test
  void anEvidencePageTokenNearTheLimitIsAnsweredNotOverflowed() {
    api()
        .listEvidence(
            ListEvidenceRequest.newBuilder()
                .setPageToken(Long.toString(Integer.MAX_VALUE))
                .setPageSize(1_000)
                .build());
    refused(
        Status.Code.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        () -> api().listEvidence(ListEvidenceRequest.newBuilder().setPageToken("-5").build()));
  }

  /**
   * Issue 14 item 7: heights of 2^63 or more were negative: ListMasternodes at 2^63 answered OK.
   */
  @Test
  void heightsOf2To63AndMoreAreNotFinalized() {
    for (long h : new long[] {Long.MIN_VALUE, -1L, Long.MIN_VALUE + 1}) {
      refused(
          Status.Code.NOT_FOUND,
          "NOT_FOUND",
          () -> api().listMasternodes(ListMasternodesRequest.newBuilder().setHeight(h).build()));
      refused(
          Status.Code.NOT_FOUND,
          "NOT_FOUND",
          () ->
              api()
                  .getMasternode(
                      GetMasternodeRequest.newBuilder()
                          .setConsensusKey(
                              ByteString.copyFrom(
                                  genesis.masternodes().get(0).consensusKey().bytes()))
                          .setHeight(h)
                          .build()));
      refused(
          Status.Code.NOT_FOUND,
          "NOT_FOUND",
          () -> api().getBlock(GetBlockRequest.newBuilder().setHeight(h).build()));
      StatusRuntimeException e =
          refused(
              Status.Code.NOT_FOUND,
              "NOT_FOUND",
              () -> api().getCertificate(GetCertificateRequest.newBuilder().setHeight(h).build()));
      assertTrue(e.getStatus().getDescription().contains(Long.toUnsignedString(h)), e::toString);
      refused(
          Status.Code.NOT_FOUND,
          "NOT_FOUND",
          () -> api().getValidatorSet(GetValidatorSetRequest.newBuilder().setHeight(h).build()));
    }
  }

  /**
   * docs/protocol.md 7: one validator, no change after genesis: only c = 1, from block 0's header.
   */
  @Test
  void validatorSetChangesStartWithTheSetOfHeightOneAndEndAtTheTip() {
    GetValidatorSetChangesResponse r =
        api().getValidatorSetChanges(GetValidatorSetChangesRequest.getDefaultInstance());
    assertEquals(1, r.getChangesCount());
    ValidatorSetChange first = r.getChanges(0);
    assertEquals(1, first.getHeight());
    assertEquals(0, first.getHeader().getHeight());
    assertEquals(
        genesis.hash(),
        Hashes.block(first.getHeader()),
        "the header of block 0: trusted by the genesis hash");
    assertFalse(first.hasCertificate());
    assertEquals(
        first.getHeader().getValidatorSetHash(),
        Hashes.validatorSet(first.getValidatorSet().toBuilder().clearHeight().build()));
    assertTrue(r.getFinalizedHeight() >= 2);
    for (long from : new long[] {1, r.getFinalizedHeight() + 5, Long.MIN_VALUE, -1L}) {
      assertEquals(
          0,
          api()
              .getValidatorSetChanges(
                  GetValidatorSetChangesRequest.newBuilder().setFromHeight(from).build())
              .getChangesCount(),
          "from " + Long.toUnsignedString(from));
    }
    for (int limit :
        new int[] {
          1, -1, Integer.MIN_VALUE
        }) { // a uint32 limit of 2^31 or more is clamped, not negative
      assertEquals(
          1,
          api()
              .getValidatorSetChanges(
                  GetValidatorSetChangesRequest.newBuilder().setLimit(limit).build())
              .getChangesCount());
    }
  }

  /** Issue 14 item 7: SubscribeFinalized from 2^63 replayed from height 1. */
  @Test
  void aSubscriptionFrom2To63IsOutOfRangeAndOneFromAFutureHeightWaits() {
    for (long h : new long[] {Long.MIN_VALUE, -1L}) {
      Iterator<SubscribeFinalizedResponse> events =
          api().subscribeFinalized(SubscribeFinalizedRequest.newBuilder().setFromHeight(h).build());
      refused(Status.Code.OUT_OF_RANGE, "INVALID_ARGUMENT", events::hasNext);
    }
    Iterator<SubscribeFinalizedResponse> waiting =
        NodeServiceGrpc.newBlockingStub(net.client)
            .withDeadlineAfter(1, TimeUnit.SECONDS)
            .subscribeFinalized(
                SubscribeFinalizedRequest.newBuilder().setFromHeight(Long.MAX_VALUE).build());
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> {
              while (waiting.hasNext()) {
                assertFalse(waiting.next().hasBlock(), "no block is that high");
              }
            });
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
  }

  // ---------------------------------------------------------------- one answer per call

  /** Records what a call answered. */
  private static final class Answers<T> implements StreamObserver<T> {
    int values;
    int errors;
    int completions;
    Throwable error;

    @Override
    public void onNext(T value) {
      values++;
    }

    @Override
    public void onError(Throwable t) {
      errors++;
      error = t;
    }

    @Override
    public void onCompleted() {
      completions++;
    }
  }

  /** Issue 14 item 6: two bad fields called onError twice. */
  @Test
  void aRequestWithTwoBadFieldsIsAnsweredOnce() {
    NodeApi api = net.node.api;
    Answers<ListMasternodesResponse> masternodes = new Answers<>();
    api.listMasternodes(
        ListMasternodesRequest.newBuilder()
            .setHeight(net.node.status().finalizedHeight() + 1_000)
            .setPageSize(5_000)
            .setPageToken("not hex")
            .build(),
        masternodes);
    assertEquals(1, masternodes.errors);
    assertEquals(0, masternodes.values + masternodes.completions);
    Answers<ListUnspentResponse> unspent = new Answers<>();
    api.listUnspent(
        ListUnspentRequest.newBuilder()
            .setAddress(faucetAddress())
            .setPageSize(5_000)
            .setPageToken("zz")
            .build(),
        unspent);
    assertEquals(1, unspent.errors);
    assertEquals(0, unspent.values + unspent.completions);
    assertEquals("INVALID_ARGUMENT", reason(unspent.error));
  }

  // ---------------------------------------------------------------- unknown fields

  private static UnknownFieldSet unknown(int number) {
    return UnknownFieldSet.newBuilder()
        .addField(number, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
        .build();
  }

  /**
   * Issue 14 item 1: unknown fields are kept by protobuf and covered by no signature: refused as
   * MALFORMED.
   */
  @Test
  void unknownFieldsAreRefusedOnTheClientPort() {
    double calls = count("timed_api_calls_total", "method", "GetStatus", "reason", "MALFORMED");
    StatusRuntimeException e =
        refused(
            Status.Code.INVALID_ARGUMENT,
            "MALFORMED",
            () ->
                api()
                    .getStatus(
                        GetStatusRequest.newBuilder().setUnknownFields(unknown(99)).build()));
    assertTrue(e.getStatus().getDescription().contains("#99"), e::toString);
    assertEquals(
        calls + 1, count("timed_api_calls_total", "method", "GetStatus", "reason", "MALFORMED"));

    Transaction tx = signedTransfer(faucetOutput, faucet);
    Transaction tampered =
        tx.toBuilder()
            .setInputs(
                0,
                tx.getInputs(0).toBuilder()
                    .setWitness(
                        tx.getInputs(0).getWitness().toBuilder().setUnknownFields(unknown(7))))
            .build();
    assertEquals(Hashes.transaction(tx), Hashes.transaction(tampered), "the txid does not see it");
    e =
        refused(
            Status.Code.INVALID_ARGUMENT,
            "MALFORMED",
            () ->
                api()
                    .submitTransaction(
                        SubmitTransactionRequest.newBuilder().setTransaction(tampered).build()));
    assertTrue(
        e.getStatus().getDescription().contains("transaction.inputs[0].witness#7"), e::toString);
    assertTrue(count("timed_unknown_fields_refused_total", "port", "client") >= 2);

    api().getStatus(GetStatusRequest.getDefaultInstance()); // a clean call is served as ever
  }

  @Test
  void unknownFieldsAreRefusedOnThePeerPort() throws Exception {
    double before = count("timed_unknown_fields_refused_total", "port", "peer");
    var sync =
        PeerServiceGrpc.newBlockingStub(net.peer)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .syncBlocks(
                SyncBlocksRequest.newBuilder()
                    .setChainId(genesis.chainId())
                    .setFromHeight(1)
                    .setUnknownFields(unknown(50))
                    .build());
    refused(Status.Code.FAILED_PRECONDITION, "MALFORMED", sync::hasNext);

    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    StreamObserver<ConnectRequest> requests =
        PeerServiceGrpc.newStub(net.peer)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .connect(
                new StreamObserver<ConnectResponse>() {
                  @Override
                  public void onNext(ConnectResponse value) {}

                  @Override
                  public void onError(Throwable t) {
                    ended.complete(t);
                  }

                  @Override
                  public void onCompleted() {
                    ended.complete(null);
                  }
                });
    requests.onNext(
        ConnectRequest.newBuilder()
            .setMessage(
                PeerMessage.newBuilder()
                    .setHello(
                        Hello.newBuilder()
                            .setChainId(genesis.chainId())
                            .setUnknownFields(unknown(40))))
            .build());
    Throwable t = ended.get(5, TimeUnit.SECONDS);
    assertEquals(
        Status.Code.FAILED_PRECONDITION, Status.fromThrowable(t).getCode(), String.valueOf(t));
    assertEquals("MALFORMED", reason(t));
    assertTrue(
        Status.fromThrowable(t).getDescription().contains("message.hello#40"), String.valueOf(t));
    assertEquals(before + 2, count("timed_unknown_fields_refused_total", "port", "peer"));
  }

  /**
   * On SubmitTransactions a refusal answers its own transaction and the stream goes on: so for an
   * unknown field.
   */
  @Test
  void anUnknownFieldOnTheSubmitStreamAnswersItsTransactionOnly() throws Exception {
    Transaction unknownInput =
        signedTransfer(
            OutPoint.newBuilder().setTxid(ByteString.copyFrom(new byte[32])).setIndex(5).build(),
            faucet);
    Transaction tampered = unknownInput.toBuilder().setUnknownFields(unknown(31)).build();
    List<io.timecoin.proto.v1.SubmitTransactionsResponse> answers =
        new java.util.concurrent.CopyOnWriteArrayList<>();
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    StreamObserver<io.timecoin.proto.v1.SubmitTransactionsRequest> stream =
        NodeServiceGrpc.newStub(net.client)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .submitTransactions(
                new StreamObserver<>() {
                  @Override
                  public void onNext(io.timecoin.proto.v1.SubmitTransactionsResponse value) {
                    answers.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    ended.complete(t);
                  }

                  @Override
                  public void onCompleted() {
                    ended.complete(null);
                  }
                });
    stream.onNext(
        io.timecoin.proto.v1.SubmitTransactionsRequest.newBuilder()
            .setTransaction(tampered)
            .build());
    stream.onNext(
        io.timecoin.proto.v1.SubmitTransactionsRequest.newBuilder()
            .setTransaction(unknownInput)
            .build());
    stream.onCompleted();
    assertEquals(null, ended.get(5, TimeUnit.SECONDS), "the stream ends well");
    assertEquals(2, answers.size());
    List<String> reasons =
        answers.stream()
            .map(a -> a.getError().getDetails(0))
            .map(
                any -> {
                  try {
                    return any.unpack(ErrorInfo.class).getReason();
                  } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                    throw new AssertionError(e);
                  }
                })
            .sorted()
            .toList();
    assertEquals(List.of("MALFORMED", "UNKNOWN_INPUT"), reasons);
  }
}
