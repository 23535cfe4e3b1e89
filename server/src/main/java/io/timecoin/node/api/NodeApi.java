package io.timecoin.node.api;

import io.grpc.stub.StreamObserver;
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
import io.timecoin.proto.v1.ListEvidenceRequest;
import io.timecoin.proto.v1.ListEvidenceResponse;
import io.timecoin.proto.v1.ListMasternodesRequest;
import io.timecoin.proto.v1.ListMasternodesResponse;
import io.timecoin.proto.v1.ListUnspentRequest;
import io.timecoin.proto.v1.ListUnspentResponse;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.SubmitTransactionRequest;
import io.timecoin.proto.v1.SubmitTransactionResponse;
import io.timecoin.proto.v1.SubmitTransactionsRequest;
import io.timecoin.proto.v1.SubmitTransactionsResponse;
import io.timecoin.proto.v1.SubscribeFinalizedRequest;
import io.timecoin.proto.v1.SubscribeFinalizedResponse;

/**
 * The client API of docs/protocol.md 7, each call handed to its area (chain, ledger, registry,
 * submissions); every refusal leaves through {@link Calls}, a google.rpc.Status with an ErrorInfo
 * reason. Reads come from the chain store (consistent at one finalized height), the ledger's
 * published state and the consensus thread's status snapshot, never from the engine, except
 * SubmitTransaction, whose admission runs on the consensus thread.
 *
 * <p>Every uint32 and uint64 of a request is read as unsigned (a page_size of 2^31 is not negative,
 * a height of 2^63 is not below 1): page sizes are clamped to {@link Calls#MAX_PAGE}, a height
 * beyond the finalized one is NOT_FOUND, and SubscribeFinalized waits for any height below 2^63 but
 * refuses one from 2^63 on with OUT_OF_RANGE (no chain gets there; holding a stream for it would
 * only hold a slot). Each call answers once: the first bad field is the refusal.
 */
public final class NodeApi extends NodeServiceGrpc.NodeServiceImplBase {
  private final ChainApi chain;
  private final LedgerApi ledger;
  private final RegistryApi registry;
  private final SubmissionsApi submissions;

  public NodeApi(
      ChainApi chain, LedgerApi ledger, RegistryApi registry, SubmissionsApi submissions) {
    this.chain = chain;
    this.ledger = ledger;
    this.registry = registry;
    this.submissions = submissions;
  }

  @Override
  public void getBlock(GetBlockRequest request, StreamObserver<GetBlockResponse> out) {
    Calls.unary(out, () -> chain.block(request));
  }

  @Override
  public void getCertificate(
      GetCertificateRequest request, StreamObserver<GetCertificateResponse> out) {
    Calls.unary(out, () -> chain.certificate(request));
  }

  @Override
  public void subscribeFinalized(
      SubscribeFinalizedRequest request, StreamObserver<SubscribeFinalizedResponse> out) {
    chain.subscribeFinalized(request, out);
  }

  @Override
  public void getStatus(GetStatusRequest request, StreamObserver<GetStatusResponse> out) {
    Calls.unary(out, chain::status);
  }

  @Override
  public void getValidatorSetChanges(
      GetValidatorSetChangesRequest request, StreamObserver<GetValidatorSetChangesResponse> out) {
    Calls.unary(out, () -> chain.validatorSetChanges(request));
  }

  @Override
  public void getTransaction(
      GetTransactionRequest request, StreamObserver<GetTransactionResponse> out) {
    Calls.unary(out, () -> ledger.transaction(request));
  }

  @Override
  public void getBalance(GetBalanceRequest request, StreamObserver<GetBalanceResponse> out) {
    Calls.unary(out, () -> ledger.balance(request));
  }

  @Override
  public void listUnspent(ListUnspentRequest request, StreamObserver<ListUnspentResponse> out) {
    Calls.unary(out, () -> ledger.unspent(request));
  }

  @Override
  public void listAddressTransactions(
      ListAddressTransactionsRequest request, StreamObserver<ListAddressTransactionsResponse> out) {
    Calls.unary(out, () -> ledger.history(request));
  }

  @Override
  public void listMasternodes(
      ListMasternodesRequest request, StreamObserver<ListMasternodesResponse> out) {
    Calls.unary(out, () -> registry.masternodes(request));
  }

  @Override
  public void getMasternode(
      GetMasternodeRequest request, StreamObserver<GetMasternodeResponse> out) {
    Calls.unary(out, () -> registry.masternode(request));
  }

  @Override
  public void getValidatorSet(
      GetValidatorSetRequest request, StreamObserver<GetValidatorSetResponse> out) {
    Calls.unary(out, () -> registry.validatorSet(request));
  }

  @Override
  public void listEvidence(ListEvidenceRequest request, StreamObserver<ListEvidenceResponse> out) {
    Calls.unary(out, () -> registry.evidence(request));
  }

  @Override
  public void submitTransaction(
      SubmitTransactionRequest request, StreamObserver<SubmitTransactionResponse> out) {
    submissions.submit(request, out);
  }

  @Override
  public StreamObserver<SubmitTransactionsRequest> submitTransactions(
      StreamObserver<SubmitTransactionsResponse> responses) {
    return submissions.stream(responses);
  }
}
