package io.timecoin.node.api;

import static io.timecoin.node.api.Calls.invalid;
import static io.timecoin.node.api.Calls.notFound;
import static io.timecoin.node.api.Calls.u64;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.timecoin.node.ApiErrors;
import io.timecoin.node.NodeStatus;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.GetBlockRequest;
import io.timecoin.proto.v1.GetBlockResponse;
import io.timecoin.proto.v1.GetCertificateRequest;
import io.timecoin.proto.v1.GetCertificateResponse;
import io.timecoin.proto.v1.GetStatusResponse;
import io.timecoin.proto.v1.GetValidatorSetChangesRequest;
import io.timecoin.proto.v1.GetValidatorSetChangesResponse;
import io.timecoin.proto.v1.PeerInfo;
import io.timecoin.proto.v1.SubscribeFinalizedRequest;
import io.timecoin.proto.v1.SubscribeFinalizedResponse;
import io.timecoin.protocol.ProtocolVersion;
import io.timecoin.storage.ChainStore;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The chain's part of the client API: blocks, certificates, the finalized feed, status, validator
 * set changes.
 */
public final class ChainApi {
  /** Where SubscribeFinalized streams are served from. */
  public interface Subscriptions {
    void subscribe(long fromHeight, ServerCallStreamObserver<SubscribeFinalizedResponse> out);
  }

  /** What GetStatus tells of this node besides its status: its chain and key, its peers. */
  public record Identity(
      String chainId, ByteString genesisHash, ByteString nodeKey, Supplier<List<PeerInfo>> peers) {}

  private final ChainReads chain;
  private final Subscriptions feed;
  private final Supplier<NodeStatus> status;
  private final Identity identity;

  public ChainApi(
      ChainReads chain, Subscriptions feed, Supplier<NodeStatus> status, Identity identity) {
    this.chain = chain;
    this.feed = feed;
    this.status = status;
    this.identity = identity;
  }

  GetBlockResponse block(GetBlockRequest request) throws java.io.IOException {
    if (request.getSelectorCase() == GetBlockRequest.SelectorCase.SELECTOR_NOT_SET) {
      throw invalid("give a height or a hash");
    }
    if (request.hasHash() && request.getHash().size() != 32) {
      throw invalid("a block hash is 32 bytes, not " + request.getHash().size());
    }
    OptionalLong height =
        request.hasHash()
            ? chain.heightOf(request.getHash())
            : finalized(request.getHeight())
                ? OptionalLong.of(request.getHeight())
                : OptionalLong.empty();
    Optional<Block> block =
        height.isPresent() ? chain.blockAt(height.getAsLong()) : Optional.empty();
    if (block.isEmpty()) {
      throw notFound(
          "no finalized block "
              + (request.hasHash() ? "with that hash" : "at height " + u64(request.getHeight()))
              + "; the finalized height is "
              + chain.tipHeight());
    }
    GetBlockResponse.Builder response = GetBlockResponse.newBuilder().setBlock(block.get());
    chain.certificateAt(height.getAsLong()).ifPresent(response::setCertificate);
    return response.build();
  }

  GetCertificateResponse certificate(GetCertificateRequest request) throws java.io.IOException {
    Optional<FinalityCertificate> cert =
        request.getHeight() == 0 || !finalized(request.getHeight())
            ? Optional.empty()
            : chain.certificateAt(request.getHeight());
    if (cert.isEmpty()) {
      throw notFound(
          "no certificate at height "
              + u64(request.getHeight())
              + "; the finalized height is "
              + chain.tipHeight());
    }
    return GetCertificateResponse.newBuilder().setCertificate(cert.get()).build();
  }

  void subscribeFinalized(
      SubscribeFinalizedRequest request, StreamObserver<SubscribeFinalizedResponse> out) {
    if (request.getFromHeight() < 0) { // 2^63 or more, unsigned
      Calls.fail(
          out,
          ApiErrors.of(
              Status.Code.OUT_OF_RANGE,
              ErrorReason.ERROR_REASON_INVALID_ARGUMENT,
              "from_height "
                  + u64(request.getFromHeight())
                  + " is 2^63 or more, a height no chain reaches; the finalized height is "
                  + chain.tipHeight()));
      return;
    }
    feed.subscribe(
        request.getFromHeight(), (ServerCallStreamObserver<SubscribeFinalizedResponse>) out);
  }

  /**
   * The validator set changes at heights above from_height, from the store's index of change
   * heights (docs/protocol.md 7, 8): c = 1 always (the header of block 0, no certificate), then
   * every height whose set differs from the one before. A from_height at or beyond the tip answers
   * no changes.
   */
  GetValidatorSetChangesResponse validatorSetChanges(GetValidatorSetChangesRequest request)
      throws java.io.IOException {
    ChainStore.SetChanges changes =
        chain.validatorSetChanges(request.getFromHeight(), Calls.pageSize(request.getLimit()));
    return GetValidatorSetChangesResponse.newBuilder()
        .addAllChanges(changes.changes())
        .setFinalizedHeight(Math.max(0, changes.finalizedHeight()))
        .build();
  }

  /** From the consensus thread's latest snapshot, not the engine. */
  GetStatusResponse status() {
    NodeStatus s = status.get();
    List<PeerInfo> peers = identity.peers().get();
    long peerMax = peers.stream().mapToLong(PeerInfo::getHeight).max().orElse(0);
    return GetStatusResponse.newBuilder()
        .setChainId(identity.chainId())
        .setGenesisHash(identity.genesisHash())
        .setFinalizedHeight(s.finalizedHeight())
        .setFinalizedHash(s.finalizedHash())
        .setSyncing(peerMax > s.finalizedHeight() + 1)
        .setValidator(s.validator())
        .setNodeKey(identity.nodeKey())
        .addAllPeers(peers)
        .setProtocolVersion(ProtocolVersion.PEER)
        .setRound(s.round())
        .build();
  }

  /** Whether {@code height} (unsigned) is at most the finalized height. */
  private boolean finalized(long height) {
    return Long.compareUnsigned(height, chain.tipHeight()) <= 0;
  }
}
