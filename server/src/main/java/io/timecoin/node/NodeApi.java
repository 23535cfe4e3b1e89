package io.timecoin.node;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.GetBlockRequest;
import io.timecoin.proto.v1.GetBlockResponse;
import io.timecoin.proto.v1.GetCertificateRequest;
import io.timecoin.proto.v1.GetCertificateResponse;
import java.util.Optional;
import java.util.OptionalLong;
import io.timecoin.canonical.Hashes;
import io.timecoin.proto.v1.GetStatusRequest;
import io.timecoin.proto.v1.GetStatusResponse;
import io.timecoin.proto.v1.NodeServiceGrpc;
import io.timecoin.proto.v1.SubmitTransactionRequest;
import io.timecoin.proto.v1.SubmitTransactionResponse;
import io.timecoin.protocol.ProtocolVersion;

/**
 * The client API of PROTOCOL.md 7. GetStatus, GetBlock, GetCertificate and SubmitTransaction are
 * served; the other methods arrive with the client API issue and answer UNIMPLEMENTED until then
 * (gRPC's default).
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
    OptionalLong height = switch (request.getSelectorCase()) {
      case HEIGHT -> OptionalLong.of(request.getHeight());
      case HASH -> node.chain.heightOf(request.getHash());
      default -> OptionalLong.empty();
    };
    if (request.getSelectorCase() == GetBlockRequest.SelectorCase.SELECTOR_NOT_SET) {
      out.onError(ApiErrors.of(Status.Code.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_INVALID_ARGUMENT, "give a height or a hash"));
      return;
    }
    Optional<Block> block = height.isPresent() ? node.chain.blockAt(height.getAsLong()) : Optional.empty();
    if (block.isEmpty()) {
      out.onError(ApiErrors.of(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_NOT_FOUND,
          "no finalized block " + (request.hasHash() ? "with that hash" : "at height " + request.getHeight())
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
      cert = request.getHeight() == 0 ? Optional.empty() : node.chain.certificateAt(request.getHeight());
    } catch (java.io.IOException e) {
      out.onError(Status.INTERNAL.withDescription("storage: " + e.getMessage()).asRuntimeException());
      return;
    }
    if (cert.isEmpty()) {
      out.onError(ApiErrors.of(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_NOT_FOUND,
          "no certificate at height " + request.getHeight() + "; the finalized height is " + node.chain.tipHeight()));
      return;
    }
    out.onNext(GetCertificateResponse.newBuilder().setCertificate(cert.get()).build());
    out.onCompleted();
  }

  /** Accepted into the mempool (and relayed), or refused with the ledger's typed reason. */
  @Override
  public void submitTransaction(SubmitTransactionRequest request, StreamObserver<SubmitTransactionResponse> out) {
    if (!request.hasTransaction()) {
      out.onError(ApiErrors.of(Status.Code.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_INVALID_ARGUMENT, "no transaction"));
      return;
    }
    node.submit(request.getTransaction(), null).whenComplete((v, failure) -> {
      if (failure != null) {
        out.onError(Status.UNAVAILABLE.withDescription(failure.getMessage()).asRuntimeException());
      } else if (v.valid() || v.reason() == ErrorReason.ERROR_REASON_UNSPECIFIED) { // already held: accepted before
        out.onNext(SubmitTransactionResponse.newBuilder().setTxid(v.txid()).build());
        out.onCompleted();
      } else {
        Status.Code code = switch (v.reason()) {
          case ERROR_REASON_MALFORMED, ERROR_REASON_TOO_LARGE -> Status.Code.INVALID_ARGUMENT;
          case ERROR_REASON_MEMPOOL_FULL -> Status.Code.RESOURCE_EXHAUSTED;
          default -> Status.Code.FAILED_PRECONDITION;
        };
        out.onError(ApiErrors.of(code, v.reason(), v.detail()));
      }
    });
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
