package io.timecoin.consensus.signer;

import io.timecoin.consensus.types.SignedStep;
import io.timecoin.consensus.types.Signer;
import java.util.ArrayList;
import java.util.List;

/**
 * The never-sign-twice record (PROTOCOL.md 5.6): every step this validator signed at its latest
 * height (in signing order, so the last one is the highest), and the lock it held. Within a height
 * a validator signs in (round, step) order, so anything before the last step is refused unless it
 * is one of the recorded steps for the same block (the very same message again: Ed25519 is
 * deterministic). Keeping the height's steps, and the lock, lets a validator restarted mid-height
 * re-send what it had signed and still honour its lock.
 */
public record SignerRecord(long height, List<SignedStep> signed, Signer.Lock lock) {
  /** Nothing signed yet. */
  public static final SignerRecord EMPTY = new SignerRecord(0, List.of(), null);

  public SignerRecord {
    signed = List.copyOf(signed);
  }

  /** The highest step signed, or null. */
  public SignedStep last() {
    return signed.isEmpty() ? null : signed.get(signed.size() - 1);
  }

  /** Whether {@code step} may be signed: after the last step, or exactly a recorded one. */
  public boolean allows(SignedStep step) {
    SignedStep last = last();
    if (last == null || isAfter(step, last)) {
      return true;
    }
    return step.height() == height && signed.contains(step);
  }

  /** Whether signing {@code step} changes the record (a step after the last one). */
  public boolean isNew(SignedStep step) {
    SignedStep last = last();
    return last == null || isAfter(step, last);
  }

  /** The record after signing {@code step}, which takes {@code newLock} (or null to keep the height's lock). */
  public SignerRecord after(SignedStep step, Signer.Lock newLock) {
    boolean sameHeight = step.height() == height;
    List<SignedStep> steps = new ArrayList<>(sameHeight ? signed : List.of());
    steps.add(step);
    return new SignerRecord(step.height(), steps, newLock != null ? newLock : sameHeight ? lock : null);
  }

  private static boolean isAfter(SignedStep a, SignedStep b) {
    int c = Long.compare(a.height(), b.height());
    if (c == 0) {
      c = Integer.compare(a.round(), b.round());
    }
    if (c == 0) {
      c = Integer.compare(a.kind().ordinal(), b.kind().ordinal());
    }
    return c > 0;
  }
}
