package io.timecoin.node;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.protocol.ErrorReasons;

/**
 * Refusals as google.rpc.Status with an ErrorInfo (domain timecoin.v1, reason without its prefix).
 */
public final class ApiErrors {
  private ApiErrors() {}

  public static StatusRuntimeException of(Status.Code code, ErrorReason reason, String message) {
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
}
