package io.timecoin.node.api;

/** A failure of the node itself while handling a call (a bug): the call is answered INTERNAL. */
public final class InternalFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InternalFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
