package io.timecoin.node.peer;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.ConnectResponse;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.PeerServiceGrpc;
import io.timecoin.proto.v1.SyncBlocksRequest;
import io.timecoin.proto.v1.SyncBlocksResponse;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The PeerService that the peer port serves: a dialing peer's Connect stream, answered as the
 * handshake's dialed side, and SyncBlocks. Requests that do not parse arrive as {@link Undecodable}
 * markers (see {@link #definition}), and their sender is dropped.
 */
final class PeerService extends PeerServiceGrpc.PeerServiceImplBase {
  private final Handshake handshake;
  private final ConnectStreams streams;
  private final SyncServer syncServer;
  private final Penalties penalties;

  PeerService(
      Handshake handshake, ConnectStreams streams, SyncServer syncServer, Penalties penalties) {
    this.handshake = handshake;
    this.streams = streams;
    this.syncServer = syncServer;
    this.penalties = penalties;
  }

  /** The service's definition, with its requests parsed leniently. */
  io.grpc.ServerServiceDefinition definition() {
    return Undecodable.lenient(bindService());
  }

  @Override
  public StreamObserver<ConnectRequest> connect(StreamObserver<ConnectResponse> responseObserver) {
    ServerCallStreamObserver<ConnectResponse> out =
        (ServerCallStreamObserver<ConnectResponse>) responseObserver;
    SocketAddress remote = RemoteAddress.KEY.get();
    PeerConnection conn =
        streams.open(
            PeerConnection.Direction.INBOUND,
            remote == null ? "inbound" : remote.toString().replaceFirst("^/", ""),
            remote);
    AtomicBoolean done = new AtomicBoolean();
    streams.bind(
        conn,
        m -> out.onNext(ConnectResponse.newBuilder().setMessage(m).build()),
        out::isReady,
        status -> {
          if (done.compareAndSet(false, true)) {
            out.onError(status);
          }
        });
    out.setOnReadyHandler(conn::drain);
    out.setOnCancelHandler(() -> conn.ended("stream_cancelled"));
    // a frame that does not parse makes gRPC close the call itself: no onError, no cancel, only
    // this
    out.setOnCloseHandler(() -> conn.ended("stream_closed"));
    Handshake.Answerer hs = handshake.answerer();
    streams.deadline(conn);
    return new StreamObserver<>() {
      @Override
      public void onNext(ConnectRequest request) {
        if (request == Undecodable.CONNECT) {
          undecodable(conn);
        } else {
          streams.received(conn, hs::next, request.getMessage());
        }
      }

      @Override
      public void onError(Throwable t) {
        conn.ended("stream_error");
      }

      @Override
      public void onCompleted() {
        conn.ended("stream_ended");
        if (done.compareAndSet(false, true)) {
          out.onCompleted();
        }
      }
    };
  }

  @Override
  public void syncBlocks(
      SyncBlocksRequest request, StreamObserver<SyncBlocksResponse> responseObserver) {
    if (request == Undecodable.SYNC) {
      penalties.counter("timed_peer_sync_refused_total", "reason", "malformed").increment();
      responseObserver.onError(
          Handshake.refusal(ErrorReason.ERROR_REASON_MALFORMED, "the request does not parse"));
    } else {
      syncServer.serve(request, responseObserver, RemoteAddress.KEY.get());
    }
  }

  /**
   * A frame that does not parse: whoever sends one is not speaking the protocol, and is dropped.
   */
  private void undecodable(PeerConnection conn) {
    penalties.counter("timed_peer_penalties_total", "reason", "malformed").increment();
    conn.close(
        "malformed",
        Handshake.refusal(ErrorReason.ERROR_REASON_MALFORMED, "a frame that does not parse"),
        true);
  }
}
