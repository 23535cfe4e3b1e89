package io.timecoin.consensus.statemachine;

import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.protocol.ErrorReasons;

/**
 * What became of one message: accepted (relay it), a duplicate (drop silently), buffered for a
 * coming height, or refused with a typed reason (count it; a peer that keeps earning these is
 * disconnected). Late is a message for the height just finalized, come after its quorum: normal
 * on a healthy network (the slowest signers' votes), counted apart so it is not mistaken for a fault.
 */
public record Verdict(Kind kind, ErrorReason reason, String detail) {
  public enum Kind { ACCEPTED, DUPLICATE, BUFFERED, REFUSED, IGNORED, LATE }

  public static final Verdict ACCEPTED = new Verdict(Kind.ACCEPTED, null, "");
  public static final Verdict DUPLICATE = new Verdict(Kind.DUPLICATE, null, "");
  public static final Verdict BUFFERED = new Verdict(Kind.BUFFERED, null, "");
  public static final Verdict IGNORED = new Verdict(Kind.IGNORED, null, "");
  public static final Verdict LATE = new Verdict(Kind.LATE, null, "");

  public static Verdict refused(ErrorReason reason, String detail) {
    return new Verdict(Kind.REFUSED, reason, detail);
  }

  public boolean accepted() {
    return kind == Kind.ACCEPTED;
  }

  @Override
  public String toString() {
    return reason == null ? kind.name() : kind + "(" + ErrorReasons.code(reason) + ": " + detail + ")";
  }
}
