package io.timecoin.node.peer;

import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.timecoin.proto.v1.ConnectRequest;
import io.timecoin.proto.v1.SyncBlocksRequest;
import java.io.InputStream;

/**
 * Requests on the peer port that do not parse reach the service as a marker instead of failing
 * inside gRPC, which would close the call on its own (no callback on the stream's observer) and log
 * a stack trace per frame: the service refuses them as MALFORMED, counts them, and drops the peer,
 * as for any other bad input.
 */
final class Undecodable {
  /** Compared by identity: what a Connect frame that does not parse arrives as. */
  static final ConnectRequest CONNECT = ConnectRequest.newBuilder().build();

  /** The same for a SyncBlocks request. */
  static final SyncBlocksRequest SYNC = SyncBlocksRequest.newBuilder().build();

  private Undecodable() {}

  /**
   * {@code service} with its requests parsed leniently: a frame that does not parse becomes the
   * marker.
   */
  static ServerServiceDefinition lenient(ServerServiceDefinition service) {
    ServerServiceDefinition.Builder out =
        ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
    for (ServerMethodDefinition<?, ?> m : service.getMethods()) {
      out.addMethod(lenient(m));
    }
    return out.build();
  }

  @SuppressWarnings("unchecked")
  private static <Q, R> ServerMethodDefinition<Q, R> lenient(ServerMethodDefinition<Q, R> m) {
    Object prototype =
        m.getMethodDescriptor().getFullMethodName().endsWith("/Connect") ? CONNECT : SYNC;
    MethodDescriptor.Marshaller<Q> strict = m.getMethodDescriptor().getRequestMarshaller();
    MethodDescriptor.Marshaller<Q> marshaller =
        new MethodDescriptor.Marshaller<>() {
          @Override
          public InputStream stream(Q value) {
            return strict.stream(value);
          }

          @Override
          public Q parse(InputStream stream) {
            try {
              return strict.parse(stream);
            } catch (RuntimeException undecodable) { // gRPC's marshaller reports bad bytes as a
              // StatusRuntimeException
              return (Q) prototype;
            }
          }
        };
    return ServerMethodDefinition.create(
        m.getMethodDescriptor().toBuilder(
                marshaller, m.getMethodDescriptor().getResponseMarshaller())
            .build(),
        m.getServerCallHandler());
  }
}
