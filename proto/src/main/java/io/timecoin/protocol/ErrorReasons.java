package io.timecoin.protocol;

import io.timecoin.proto.v1.ErrorReason;

/**
 * The reason code of a refusal as ErrorInfo carries it (errors.proto): the enum name without its
 * prefix.
 */
public final class ErrorReasons {
  private static final int PREFIX = "ERROR_REASON_".length();

  private ErrorReasons() {}

  /** For example "ALREADY_SPENT" for ERROR_REASON_ALREADY_SPENT. */
  public static String code(ErrorReason reason) {
    return reason.name().substring(PREFIX);
  }
}
