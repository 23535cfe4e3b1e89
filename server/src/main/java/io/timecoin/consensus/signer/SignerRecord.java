package io.timecoin.consensus.signer;

import io.timecoin.consensus.types.SignedStep;
import io.timecoin.consensus.types.Signer;
import java.util.ArrayList;
import java.util.List;

/**
 * The never-sign-twice record (docs/protocol.md 5.6): for each of the latest heights at which this
 * validator signed, every step it signed there (in signing order) and the lock it took.
 *
 * <p>Within a height a validator signs in (round, step) order, so a step may be signed when it
 * comes after the height's last step, or when it is exactly a recorded one (the very same message
 * again: Ed25519 is deterministic). A proposal's step includes its valid_round, so a second
 * proposal of a (height, round) with another block or another valid_round is never signed. A height
 * with no signatures at or above {@code forgottenBelow} was never signed at, so anything may be
 * signed there; a height below it has been forgotten and is refused. Keeping a few heights, not
 * one, lets a validator that restarted behind its own record (it lost its blocks, not its record)
 * re-send the votes a stalled height still needs.
 */
public record SignerRecord(List<Height> heights, long forgottenBelow) {
  /** How many heights with signatures are kept. */
  public static final int KEPT_HEIGHTS = 4;

  /** Nothing signed yet. */
  public static final SignerRecord EMPTY = new SignerRecord(List.of(), 0);

  /** The steps signed at one height, and the lock taken there (null if none). */
  public record Height(long height, List<SignedStep> signed, Signer.Lock lock) {
    public Height {
      signed = List.copyOf(signed);
    }

    SignedStep last() {
      return signed.get(signed.size() - 1);
    }
  }

  public SignerRecord {
    heights = List.copyOf(heights);
  }

  /** What was signed at {@code height}, or null. */
  public Height at(long height) {
    for (Height h : heights) {
      if (h.height() == height) {
        return h;
      }
    }
    return null;
  }

  /** Whether {@code step} may be signed without contradicting anything signed before. */
  public boolean allows(SignedStep step) {
    if (step.height() < forgottenBelow) {
      return false;
    }
    Height h = at(step.height());
    return h == null || isAfter(step, h.last()) || h.signed().contains(step);
  }

  /** Whether signing {@code step} adds to the record (it is not a recorded step again). */
  public boolean isNew(SignedStep step) {
    Height h = at(step.height());
    return h == null || isAfter(step, h.last());
  }

  /**
   * The record after signing {@code step}, which takes {@code lock} (or null to keep the height's).
   */
  public SignerRecord after(SignedStep step, Signer.Lock lock) {
    List<Height> next = new ArrayList<>();
    boolean placed = false;
    for (Height h : heights) {
      if (h.height() == step.height()) {
        List<SignedStep> steps = new ArrayList<>(h.signed());
        steps.add(step);
        next.add(new Height(h.height(), steps, lock != null ? lock : h.lock()));
        placed = true;
      } else {
        next.add(h);
      }
    }
    if (!placed) {
      next.add(new Height(step.height(), List.of(step), lock));
      next.sort((a, b) -> Long.compare(a.height(), b.height()));
    }
    long forgotten = forgottenBelow;
    while (next.size() > KEPT_HEIGHTS) {
      forgotten = next.remove(0).height() + 1;
    }
    return new SignerRecord(next, forgotten);
  }

  private static boolean isAfter(SignedStep a, SignedStep b) {
    int c = Integer.compare(a.round(), b.round());
    return c > 0 || c == 0 && a.kind().ordinal() > b.kind().ordinal();
  }
}
