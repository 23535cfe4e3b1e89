package io.timecoin.consensus.validation;

import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.protocol.ErrorReasons;

/** Why a message or block is refused: a typed reason for metrics and peers, and words for logs. */
public record Refusal(ErrorReason reason, String detail) {
  @Override
  public String toString() {
    return ErrorReasons.code(reason) + ": " + detail;
  }
}
