package io.timecoin.canonical;

/** A structure that has no canonical bytes: a field of the wrong size or kind, or bad ordering. */
public final class MalformedException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public MalformedException(String message) {
    super(message);
  }
}
