package io.timecoin.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.Transaction;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TimeExceptionTest {
  private FakeNode node;
  private TimeClient client;

  @BeforeEach
  void start() throws Exception {
    node = new FakeNode(new TestChain(1));
    client = node.client();
  }

  @AfterEach
  void stop() {
    client.close();
    node.close();
  }

  @Test
  void refusalWithErrorInfoBecomesATypedException() {
    node.submitError =
        FakeNode.refusal(
            Status.Code.FAILED_PRECONDITION,
            ErrorReason.ERROR_REASON_ALREADY_SPENT,
            "input 0 is already spent");
    TimeException e =
        assertThrows(TimeException.class, () -> client.submit(Transaction.getDefaultInstance()));
    assertEquals(ErrorReason.ERROR_REASON_ALREADY_SPENT, e.reason());
    assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
    assertEquals("input 0 is already spent", e.getMessage());
  }

  @Test
  void asyncCallsFailWithTheSameTypedException() {
    node.submitError =
        FakeNode.refusal(
            Status.Code.RESOURCE_EXHAUSTED, ErrorReason.ERROR_REASON_MEMPOOL_FULL, "full");
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () -> client.submitAsync(Transaction.getDefaultInstance()).get(5, TimeUnit.SECONDS));
    TimeException t = assertInstanceOf(TimeException.class, e.getCause());
    assertEquals(ErrorReason.ERROR_REASON_MEMPOOL_FULL, t.reason());
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, t.code());
  }

  @Test
  void statusWithoutErrorInfoHasNoReason() {
    node.submitError = Status.INTERNAL.withDescription("disk on fire").asRuntimeException();
    TimeException e =
        assertThrows(TimeException.class, () -> client.submit(Transaction.getDefaultInstance()));
    assertEquals(ErrorReason.ERROR_REASON_UNSPECIFIED, e.reason());
    assertEquals(Status.Code.INTERNAL, e.code());
    assertEquals("disk on fire", e.getMessage());
  }

  @Test
  void errorInfoOfAnotherDomainOrUnknownReasonHasNoReason() {
    com.google.rpc.Status other =
        com.google.rpc.Status.newBuilder()
            .setCode(3)
            .addDetails(
                com.google.protobuf.Any.pack(
                    com.google.rpc.ErrorInfo.newBuilder()
                        .setDomain("example.com")
                        .setReason("ALREADY_SPENT")
                        .build()))
            .build();
    assertEquals(ErrorReason.ERROR_REASON_UNSPECIFIED, TimeException.reasonOf(other));
    com.google.rpc.Status unknown =
        com.google.rpc.Status.newBuilder()
            .setCode(3)
            .addDetails(
                com.google.protobuf.Any.pack(
                    com.google.rpc.ErrorInfo.newBuilder()
                        .setDomain("timecoin.v1")
                        .setReason("SOMETHING_NEW")
                        .build()))
            .build();
    assertEquals(ErrorReason.ERROR_REASON_UNSPECIFIED, TimeException.reasonOf(unknown));
  }
}
