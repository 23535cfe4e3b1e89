package io.timecoin.node.api;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.timecoin.node.ApiErrors;
import io.timecoin.proto.v1.ErrorReason;
import java.io.IOException;

/**
 * The one exit of the client API's errors: a call's body returns its answer or throws its refusal
 * (a StatusRuntimeException made by {@link ApiErrors}), and a storage failure is answered INTERNAL.
 * Whatever the body does, the call is answered once.
 */
public final class Calls {
  private Calls() {}

  /** The most items a page holds, whatever page_size asks. */
  public static final int MAX_PAGE = 1_000;

  /** A unary call's work: its answer, or a refusal thrown. */
  @FunctionalInterface
  interface Body<T> {
    T answer() throws IOException;
  }

  /** Answers {@code out} with what {@code body} returns, or with its refusal. */
  static <T> void unary(StreamObserver<T> out, Body<T> body) {
    T response;
    try {
      response = body.answer();
    } catch (StatusRuntimeException | IOException e) {
      fail(out, e);
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }

  /** Ends a call with {@code failure}: a refusal as it is, a storage failure as INTERNAL. */
  static void fail(StreamObserver<?> out, Exception failure) {
    out.onError(failure instanceof IOException e ? storage(e) : failure);
  }

  static StatusRuntimeException storage(IOException e) {
    return Status.INTERNAL.withDescription("storage: " + e.getMessage()).asRuntimeException();
  }

  static StatusRuntimeException invalid(String message) {
    return ApiErrors.of(
        Status.Code.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_INVALID_ARGUMENT, message);
  }

  static StatusRuntimeException notFound(String message) {
    return ApiErrors.of(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_NOT_FOUND, message);
  }

  /**
   * A page size from a uint32 page_size: 0 means 100; more than {@link #MAX_PAGE} gets MAX_PAGE.
   */
  public static int pageSize(int requested) {
    long size = Integer.toUnsignedLong(requested);
    return size == 0 ? 100 : (int) Math.min(size, MAX_PAGE);
  }

  static String u64(long value) {
    return Long.toUnsignedString(value);
  }
}
