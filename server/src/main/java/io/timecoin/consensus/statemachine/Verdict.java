package io.timecoin.consensus.statemachine;

import io.timecoin.consensus.validation.Refusal;
import io.timecoin.proto.v1.ErrorReason;

/**
 * What became of one message: accepted (relay it), a duplicate (drop silently), buffered for a
 * coming height, or refused with its {@link Refusal}, a typed reason (count it; a peer that keeps
 * earning these is disconnected). Late is a message for the height just finalized, come after its
 * quorum: normal on a healthy network (the slowest signers' votes), counted apart so it is not
 * mistaken for a fault.
 */
public record Verdict(Kind kind, Refusal refusal) {
  public enum Kind {
    ACCEPTED,
    DUPLICATE,
    BUFFERED,
    REFUSED,
    IGNORED,
    LATE
  }

  public static final Verdict ACCEPTED = new Verdict(Kind.ACCEPTED, null);
  public static final Verdict DUPLICATE = new Verdict(Kind.DUPLICATE, null);
  public static final Verdict BUFFERED = new Verdict(Kind.BUFFERED, null);
  public static final Verdict IGNORED = new Verdict(Kind.IGNORED, null);
  public static final Verdict LATE = new Verdict(Kind.LATE, null);

  public static Verdict refused(Refusal refusal) {
    return new Verdict(Kind.REFUSED, java.util.Objects.requireNonNull(refusal));
  }

  public static Verdict refused(ErrorReason reason, String detail) {
    return refused(new Refusal(reason, detail));
  }

  /** The refusal's typed reason; null unless refused. */
  public ErrorReason reason() {
    return refusal == null ? null : refusal.reason();
  }

  /** The refusal's words for logs; empty unless refused. */
  public String detail() {
    return refusal == null ? "" : refusal.detail();
  }

  public boolean accepted() {
    return kind == Kind.ACCEPTED;
  }

  @Override
  public String toString() {
    return refusal == null ? kind.name() : kind + "(" + refusal + ")";
  }
}
