package io.timecoin.sdk;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.timecoin.proto.v1.ErrorReason;

/**
 * A refusal or failure of a call to a node, or a block the SDK refused to trust.
 *
 * <p>A node refuses with a google.rpc.Status carrying a google.rpc.ErrorInfo of domain {@value
 * #DOMAIN} whose reason is an {@link ErrorReason} name without its "ERROR_REASON_" prefix
 * (errors.proto). {@link #reason()} is that enum; {@link ErrorReason#ERROR_REASON_UNSPECIFIED} when
 * the status carries no such ErrorInfo (a transport failure, a deadline, another domain) or names a
 * reason this SDK does not know (a newer node).
 */
public class TimeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The ErrorInfo domain of the node's refusals. */
  public static final String DOMAIN = "timecoin.v1";

  private static final String PREFIX = "ERROR_REASON_";

  private final Status.Code code;
  private final ErrorReason reason;

  public TimeException(Status.Code code, ErrorReason reason, String message) {
    this(code, reason, message, null);
  }

  public TimeException(Status.Code code, ErrorReason reason, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.reason = reason;
  }

  /**
   * The exception a failed call's throwable stands for: itself when it already is one, else the
   * gRPC status (code, message, ErrorInfo reason) found in it or its causes.
   */
  public static TimeException from(Throwable t) {
    if (t instanceof TimeException e) {
      return e;
    }
    Status status = Status.fromThrowable(t); // UNKNOWN when t carries no gRPC status
    String message =
        status.getDescription() != null ? status.getDescription() : status.getCode().name();
    return new TimeException(status.getCode(), reasonOf(StatusProto.fromThrowable(t)), message, t);
  }

  /** The ErrorReason named by the status's timecoin.v1 ErrorInfo; UNSPECIFIED without one. */
  static ErrorReason reasonOf(com.google.rpc.Status status) {
    if (status == null) {
      return ErrorReason.ERROR_REASON_UNSPECIFIED;
    }
    for (Any detail : status.getDetailsList()) {
      if (!detail.is(ErrorInfo.class)) {
        continue;
      }
      try {
        ErrorInfo info = detail.unpack(ErrorInfo.class);
        if (DOMAIN.equals(info.getDomain())) {
          return ErrorReason.valueOf(PREFIX + info.getReason());
        }
      } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
        // An undecodable detail or a reason we do not know: no typed reason.
        return ErrorReason.ERROR_REASON_UNSPECIFIED;
      }
    }
    return ErrorReason.ERROR_REASON_UNSPECIFIED;
  }

  /** Why the node refused, or UNSPECIFIED when it gave no typed reason. */
  public ErrorReason reason() {
    return reason;
  }

  /** The gRPC status code of the failure. */
  public Status.Code code() {
    return code;
  }

  @Override
  public String toString() {
    String r =
        reason == ErrorReason.ERROR_REASON_UNSPECIFIED
            ? ""
            : " " + reason.name().substring(PREFIX.length());
    return "TimeException(" + code + r + "): " + getMessage();
  }
}
