package io.timecoin.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.FinalizedBlock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FinalizedSubscriptionTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final TestChain chain = new TestChain(10);
  private FakeNode node;
  private TimeClient client;

  private void start(Subscriptions.Timings timings) throws Exception {
    node = new FakeNode(chain);
    client = node.client(timings);
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (node != null) {
      node.close();
    }
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  @Test
  void deliversVerifiedBlocksInOrderAndSkipsKeepAlives() throws Exception {
    start(Subscriptions.Timings.DEFAULT);
    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(0).subscribe(c);

    assertEquals(range(1, 10), c.heights(10, WAIT));
    assertEquals(List.of(1L), node.subscribedFrom);
    VerifiedBlock none = c.items.poll(200, TimeUnit.MILLISECONDS);
    assertEquals(null, none, "keep-alives are never delivered");
    assertTrue(!c.terminated.isDone());
  }

  @Test
  void startsAtFromHeightAndCarriesHashAndCertificate() throws Exception {
    start(Subscriptions.Timings.DEFAULT);
    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(4).subscribe(c);

    VerifiedBlock b = c.items.poll(10, TimeUnit.SECONDS);
    assertEquals(4, b.height());
    assertEquals(chain.hash(4), b.hash());
    assertEquals(chain.block(4), b.finalized());
    assertEquals(chain.hash(4), b.certificate().getBlockHash());
    assertEquals(List.of(5L, 6L), c.heights(2, WAIT));
    assertEquals(List.of(4L), node.subscribedFrom);
  }

  @Test
  void resubscribesAfterUnavailableAndDeliversEveryBlockExactlyOnce() throws Exception {
    start(Subscriptions.Timings.DEFAULT);
    node.breakFirstAfter = 4; // blocks 1..4, then UNAVAILABLE
    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(c);

    assertEquals(range(1, 10), c.heights(10, WAIT));
    assertEquals(
        List.of(1L, 5L), node.subscribedFrom, "resubscribed from the last delivered height + 1");
    assertEquals(null, c.items.poll(300, TimeUnit.MILLISECONDS), "no block twice");
    assertTrue(!c.terminated.isDone());
  }

  @Test
  void resubscribesWhenTheStreamFallsSilent() throws Exception {
    start(
        new Subscriptions.Timings(
            Duration.ofMillis(300), Duration.ofMillis(50), Duration.ofMillis(200)));
    node.silenceFirstAfter = 3; // blocks 1..3, then nothing at all, not even keep-alives
    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(c);

    assertEquals(range(1, 10), c.heights(10, WAIT));
    assertEquals(List.of(1L, 4L), node.subscribedFrom.subList(0, 2));
  }

  @Test
  void forgedCertificateIsNeverDeliveredAndEndsWithBadSignature() throws Exception {
    start(Subscriptions.Timings.DEFAULT);
    FinalizedBlock honest = chain.block(3);
    FinalityCertificate cert = honest.getCertificate();
    CertificateSignature first = cert.getSignatures(0);
    byte[] sig = first.getSignature().toByteArray();
    sig[5] ^= 1; // one bit of one validator's signature
    FinalityCertificate forged =
        cert.toBuilder()
            .setSignatures(0, first.toBuilder().setSignature(ByteString.copyFrom(sig)))
            .build();
    node.replaced.put(3L, honest.toBuilder().setCertificate(forged).build());

    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(c);

    Throwable error = c.terminated.get(10, TimeUnit.SECONDS);
    TimeException e = assertInstanceOf(TimeException.class, error);
    assertEquals(ErrorReason.ERROR_REASON_BAD_SIGNATURE, e.reason());
    assertEquals(Status.Code.DATA_LOSS, e.code());
    assertEquals(List.of(1L, 2L), c.heights(2, WAIT));
    assertTrue(c.items.isEmpty(), "block 3 and later are never delivered");
  }

  @Test
  void certificateWithoutQuorumEndsWithNoQuorum() throws Exception {
    start(Subscriptions.Timings.DEFAULT);
    FinalizedBlock honest = chain.block(2);
    // Two of four equal validators: 3 * 2 > 2 * 4 is false.
    FinalityCertificate weak =
        TestChain.certificate(2, chain.hash(2), chain.validators.subList(0, 2));
    node.replaced.put(2L, honest.toBuilder().setCertificate(weak).build());

    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(c);

    TimeException e = assertInstanceOf(TimeException.class, c.terminated.get(10, TimeUnit.SECONDS));
    assertEquals(ErrorReason.ERROR_REASON_NO_QUORUM, e.reason());
    assertEquals(List.of(1L), c.heights(1, WAIT));
    assertTrue(c.items.isEmpty());
  }

  @Test
  void certificateOfAnotherBlockEndsWithInvalidBlock() throws Exception {
    start(Subscriptions.Timings.DEFAULT);
    // A valid certificate, but of block 4, served with block 3.
    node.replaced.put(
        3L, chain.block(3).toBuilder().setCertificate(chain.block(4).getCertificate()).build());

    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(c);

    TimeException e = assertInstanceOf(TimeException.class, c.terminated.get(10, TimeUnit.SECONDS));
    assertEquals(ErrorReason.ERROR_REASON_INVALID_BLOCK, e.reason());
    assertEquals(List.of(1L, 2L), c.heights(2, WAIT));
  }

  @Test
  void certificateSignedByOutsidersIsRefused() throws Exception {
    start(Subscriptions.Timings.DEFAULT);
    List<Ed25519KeyPair> outsiders =
        List.of(Ed25519KeyPair.generate(), Ed25519KeyPair.generate(), Ed25519KeyPair.generate());
    node.replaced.put(
        1L,
        chain.block(1).toBuilder()
            .setCertificate(TestChain.certificate(1, chain.hash(1), outsiders))
            .build());

    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(c);

    TimeException e = assertInstanceOf(TimeException.class, c.terminated.get(10, TimeUnit.SECONDS));
    assertEquals(ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR, e.reason());
    assertTrue(c.items.isEmpty());
  }

  @Test
  void aBlockSentTwiceIsDeliveredOnce() throws Exception {
    start(Subscriptions.Timings.DEFAULT);
    node.repeatHeight = 3;

    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(c);

    assertEquals(range(1, 10), c.heights(10, WAIT));
    assertEquals(null, c.items.poll(300, TimeUnit.MILLISECONDS), "no block a second time");
    assertEquals(null, c.terminated.getNow(null), "the subscription goes on");
  }

  @Test
  void aGapInHeightsIsAnError() throws Exception {
    start(Subscriptions.Timings.DEFAULT);
    node.skipHeight = 4;

    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(c);

    TimeException e = assertInstanceOf(TimeException.class, c.terminated.get(10, TimeUnit.SECONDS));
    assertEquals(ErrorReason.ERROR_REASON_INVALID_BLOCK, e.reason());
    assertTrue(e.getMessage().contains("expected block 4"), e.getMessage());
    assertEquals(range(1, 3), c.heights(3, WAIT));
    assertTrue(c.items.isEmpty());
  }

  @Test
  void honoursBackPressure() throws Exception {
    start(Subscriptions.Timings.DEFAULT);
    Collector c = new Collector(2);
    client.subscribeFinalized(1).subscribe(c);

    assertEquals(List.of(1L, 2L), c.heights(2, WAIT));
    assertEquals(null, c.items.poll(500, TimeUnit.MILLISECONDS), "nothing beyond the 2 requested");
    // gRPC flow control: the client pulled keep-alive, 1, keep-alive, 2, and nothing more.
    assertEquals(4, node.streamMessagesRequested.get());

    c.subscription().request(3);
    assertEquals(List.of(3L, 4L, 5L), c.heights(3, WAIT));
    assertEquals(null, c.items.poll(500, TimeUnit.MILLISECONDS), "nothing beyond the 5 requested");
    assertEquals(List.of(1L), node.subscribedFrom, "one stream throughout");
  }

  @Test
  void opensNoStreamBeforeTheFirstRequest() throws Exception {
    start(Subscriptions.Timings.DEFAULT);
    Collector c = new Collector(0);
    client.subscribeFinalized(1).subscribe(c);
    c.subscription();
    Thread.sleep(200);
    assertTrue(node.subscribedFrom.isEmpty());
    c.subscription().request(1);
    assertEquals(List.of(1L), c.heights(1, WAIT));
  }

  @Test
  void cancelStopsDelivery() throws Exception {
    start(Subscriptions.Timings.DEFAULT);
    Collector c = new Collector(1);
    client.subscribeFinalized(1).subscribe(c);
    assertEquals(List.of(1L), c.heights(1, WAIT));

    c.subscription().cancel();
    c.subscription().request(5); // ignored after cancel
    assertEquals(null, c.items.poll(500, TimeUnit.MILLISECONDS));
    assertTrue(!c.terminated.isDone(), "cancel signals nothing");
  }

  @Test
  void nonPositiveRequestIsAnError() throws Exception {
    start(Subscriptions.Timings.DEFAULT);
    Collector c = new Collector(0);
    client.subscribeFinalized(1).subscribe(c);
    c.subscription().request(0);
    assertInstanceOf(IllegalArgumentException.class, c.terminated.get(5, TimeUnit.SECONDS));
  }

  @Test
  void setsAreDerivedOnceForTheClientAndGetValidatorSetIsNeverAsked() throws Exception {
    start(Subscriptions.Timings.DEFAULT);
    node.breakFirstAfter = 4;
    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(c);
    assertEquals(range(1, 10), c.heights(10, WAIT));
    Collector again = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(again);
    assertEquals(range(1, 10), again.heights(10, WAIT));
    assertEquals(
        1,
        node.setChangeRequests.size(),
        "the changes once, shared by both subscriptions and the resubscription");
    assertEquals(0, node.validatorSetCalls.get(), "the SDK never trusts GetValidatorSet");
  }
}
