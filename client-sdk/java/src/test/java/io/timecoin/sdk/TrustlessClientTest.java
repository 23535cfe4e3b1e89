package io.timecoin.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.timecoin.canonical.Hashes;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.ValidatorSetChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A client that trusts no node (docs/protocol.md 8): it holds the genesis hash (or a checkpoint),
 * and a node that serves anything else, however consistent, delivers nothing.
 */
class TrustlessClientTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Subscriptions.Timings FAST =
      new Subscriptions.Timings(
          Duration.ofSeconds(15), Duration.ofMillis(20), Duration.ofMillis(100));

  private final TestChain honest = new TestChain(10);
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private FakeNode serve(TestChain chain) throws Exception {
    FakeNode node = new FakeNode(chain);
    open.add(node);
    return node;
  }

  private TimeClient client(FakeNode node, TrustRoot root) {
    TimeClient client = node.client(FAST, root);
    open.add(0, client);
    return client;
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  /**
   * Subscribes from {@code from} and returns the error that ends it, after checking nothing was
   * delivered.
   */
  private static TimeException refusedWithNothingDelivered(TimeClient client, long from)
      throws Exception {
    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(from).subscribe(c);
    TimeException e = assertInstanceOf(TimeException.class, c.terminated.get(10, TimeUnit.SECONDS));
    assertTrue(c.items.isEmpty(), "nothing is delivered");
    assertEquals(Status.Code.DATA_LOSS, e.code());
    return e;
  }

  @Test
  void aChainWithItsOwnGenesisSignedByAFabricatedSetIsRefusedAsGenesisMismatch() throws Exception {
    TestChain fabricated =
        new TestChain(10); // consistent hashes, valid certificates, by keys we never trusted
    TimeClient client = client(serve(fabricated), TrustRoot.genesis(honest.genesisHash()));

    TimeException e = refusedWithNothingDelivered(client, 1);
    assertEquals(ErrorReason.ERROR_REASON_GENESIS_MISMATCH, e.reason());
    assertTrue(e.getMessage().contains("not the trusted"), e.getMessage());
    assertEquals(
        ErrorReason.ERROR_REASON_GENESIS_MISMATCH,
        assertThrows(TimeException.class, client::chainId).reason());
  }

  @Test
  void theTrustedGenesisWithAFabricatedSetOfHeightOneIsRefused() throws Exception {
    TestChain fabricated = new TestChain(10);
    FakeNode node = serve(honest);
    // Block 0 is the trusted one, but the set claimed for height 1 is another.
    node.changes =
        List.of(
            honest.changes().get(0).toBuilder().setValidatorSet(fabricated.setProto(1)).build());

    TimeException e =
        refusedWithNothingDelivered(client(node, TrustRoot.genesis(honest.genesisHash())), 1);
    assertEquals(ErrorReason.ERROR_REASON_INVALID_BLOCK, e.reason());
    assertTrue(
        e.getMessage().contains("height 1 does not match block 0's next_validator_set_hash"),
        e.getMessage());
  }

  @Test
  void theTrustedGenesisWithAFabricatedSetChangeCertifiedByOutsidersIsRefused() throws Exception {
    TestChain fabricated = new TestChain(10);
    FakeNode node = serve(honest);
    // A block 2 of the trusted chain's set, naming the fabricated set as the next, certified by the
    // fabricated keys: a change at height 3 that the trusted set never signed.
    BlockHeader forged =
        honest.block(2).getBlock().getHeader().toBuilder()
            .setNextValidatorSetHash(fabricated.set.hash())
            .build();
    FinalityCertificate cert =
        TestChain.certificate(2, Hashes.block(forged), fabricated.validators.subList(0, 3));
    node.changes =
        List.of(
            honest.changes().get(0),
            ValidatorSetChange.newBuilder()
                .setHeight(3)
                .setHeader(forged)
                .setCertificate(cert)
                .setValidatorSet(fabricated.setProto(3))
                .build());

    TimeException e =
        refusedWithNothingDelivered(client(node, TrustRoot.genesis(honest.genesisHash())), 5);
    assertEquals(ErrorReason.ERROR_REASON_UNKNOWN_VALIDATOR, e.reason());
    assertTrue(e.getMessage().contains("change at height 3"), e.getMessage());
  }

  @Test
  void aChangeLeftOutIsNoticedByTheNextBlock() throws Exception {
    TestChain changing = new TestChain(10, 4);
    FakeNode node = serve(changing);
    node.changes = List.of(changing.changes().get(0)); // hides the change at 4

    TimeException e =
        refusedWithNothingDelivered(client(node, TrustRoot.genesis(changing.genesisHash())), 6);
    assertEquals(ErrorReason.ERROR_REASON_INVALID_BLOCK, e.reason());
    assertTrue(e.getMessage().contains("block 6: its validator_set_hash"), e.getMessage());
  }

  /**
   * The node's changes reach only height 3 when the subscription starts: block 3 announces the
   * change at 4.
   */
  private static FakeNode announcingTheChangeAt4Later(FakeNode node, ValidatorSetChange atFour) {
    node.changesFinalizedHeight = 2;
    node.changesFor =
        r -> r.getFromHeight() == 0 ? List.of(node.chain.changes().get(0)) : List.of(atFour);
    return node;
  }

  @Test
  void aChangeAnnouncedByACertifiedHeaderIsFetchedAndFollowed() throws Exception {
    TestChain changing = new TestChain(10, 4);
    FakeNode node = announcingTheChangeAt4Later(serve(changing), changing.changes().get(1));
    Collector c = new Collector(Long.MAX_VALUE);
    client(node, TrustRoot.genesis(changing.genesisHash())).subscribeFinalized(1).subscribe(c);
    assertEquals(range(1, 10), c.heights(10, WAIT));
    assertEquals(
        List.of(0L, 3L), node.setChangeRequests.stream().map(r -> r.getFromHeight()).toList());
  }

  @Test
  void aFabricatedChangeForACertifiedHeaderIsRefusedAndItsBlockNeverDelivered() throws Exception {
    TestChain changing = new TestChain(10, 4);
    TestChain fabricated = new TestChain(1);
    FakeNode node =
        announcingTheChangeAt4Later(
            serve(changing),
            changing.changes().get(1).toBuilder().setValidatorSet(fabricated.setProto(4)).build());
    Collector c = new Collector(Long.MAX_VALUE);
    client(node, TrustRoot.genesis(changing.genesisHash())).subscribeFinalized(1).subscribe(c);

    TimeException e = assertInstanceOf(TimeException.class, c.terminated.get(10, TimeUnit.SECONDS));
    assertEquals(ErrorReason.ERROR_REASON_INVALID_BLOCK, e.reason());
    assertTrue(
        e.getMessage().contains("height 4 does not match the next_validator_set_hash of block 3"),
        e.getMessage());
    assertEquals(range(1, 3), c.heights(3, WAIT));
    assertTrue(c.items.isEmpty(), "block 4 and later are never delivered");
  }

  @Test
  void aRealSetChangeIsFollowedFromGenesisAndDerivedWhenStartingLater() throws Exception {
    TestChain changing = new TestChain(10, 4);
    FakeNode node = serve(changing);
    TimeClient client = client(node, TrustRoot.genesis(changing.genesisHash()));
    Collector all = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(all);
    assertEquals(range(1, 10), all.heights(10, WAIT));

    TimeClient later = client(node, TrustRoot.genesis(changing.genesisHash()));
    Collector tail = new Collector(Long.MAX_VALUE);
    later.subscribeFinalized(7).subscribe(tail);
    assertEquals(range(7, 10), tail.heights(4, WAIT));
    assertTrue(!all.terminated.isDone() && !tail.terminated.isDone());
    assertEquals(0, node.validatorSetCalls.get());
  }

  @Test
  void aLyingGetValidatorSetIsNotUsed() throws Exception {
    FakeNode node = serve(honest);
    node.lyingSet = new TestChain(1).setProto(1);
    TimeClient client = client(node, TrustRoot.genesis(honest.genesisHash()));
    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(c);
    assertEquals(range(1, 10), c.heights(10, WAIT));
    assertEquals(
        0, node.validatorSetCalls.get(), "with a genesis root, sets come from the changes only");

    // A checkpoint root asks GetValidatorSet for the set after it, and checks it against the pinned
    // header.
    TimeClient pinned = client(node, TrustRoot.checkpoint(5, honest.hash(5)));
    TimeException e = refusedWithNothingDelivered(pinned, 6);
    assertEquals(ErrorReason.ERROR_REASON_INVALID_BLOCK, e.reason());
    assertTrue(e.getMessage().contains("checkpoint's next_validator_set_hash"), e.getMessage());
  }

  @Test
  void aCheckpointRootChecksBlocksAboveIt() throws Exception {
    FakeNode node = serve(honest);
    TimeClient client = client(node, TrustRoot.checkpoint(5, honest.hash(5)));
    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(0).subscribe(c); // 0: the first block after the root
    assertEquals(range(6, 10), c.heights(5, WAIT));
    assertEquals(List.of(6L), node.subscribedFrom);
    assertEquals(TestChain.CHAIN_ID, client.chainId(), "the chain id of the checkpoint's header");

    Collector below = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(5).subscribe(below);
    TimeException e =
        assertInstanceOf(TimeException.class, below.terminated.get(10, TimeUnit.SECONDS));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.code());
    assertTrue(below.items.isEmpty());

    TimeClient wrong = client(node, TrustRoot.checkpoint(5, honest.hash(4)));
    assertEquals(
        ErrorReason.ERROR_REASON_WRONG_CHAIN, refusedWithNothingDelivered(wrong, 6).reason());
  }

  @Test
  void withoutARootTheFirstGenesisSeenIsTrustedAndReported() throws Exception {
    FakeNode node = serve(honest);
    TimeClient client = client(node, TrustRoot.firstSeen());
    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(c);
    assertEquals(range(1, 10), c.heights(10, WAIT));
    assertEquals(honest.genesisHash(), client.trustRoot().blockHash());
    assertEquals(0, client.trustRoot().height());
  }

  @Test
  void aStreamFailingWithUnknownTwiceMidwayDeliversEveryBlockExactlyOnce() throws Exception {
    FakeNode node = serve(honest);
    node.breakAfter.put(0, 3); // blocks 1..3, then "channel closed"
    node.breakAfter.put(1, 2); // blocks 4..5, then again
    TimeClient client = client(node, TrustRoot.genesis(honest.genesisHash()));
    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(c);

    assertEquals(range(1, 10), c.heights(10, WAIT));
    assertEquals(List.of(1L, 4L, 6L), node.subscribedFrom);
    assertEquals(null, c.items.poll(300, TimeUnit.MILLISECONDS), "no block twice");
    assertTrue(!c.terminated.isDone());
  }

  @ParameterizedTest
  @EnumSource(
      value = Status.Code.class,
      names = {"UNAVAILABLE", "UNKNOWN", "CANCELLED", "DEADLINE_EXCEEDED", "RESOURCE_EXHAUSTED"})
  void everyTransportFailureResumesFromTheNextHeight(Status.Code code) throws Exception {
    FakeNode node = serve(honest);
    node.breakStatus = Status.fromCode(code).withDescription("transport failure");
    node.breakAfter.put(0, 6);
    TimeClient client = client(node, TrustRoot.genesis(honest.genesisHash()));
    Collector c = new Collector(Long.MAX_VALUE);
    client.subscribeFinalized(1).subscribe(c);

    assertEquals(range(1, 10), c.heights(10, WAIT));
    assertEquals(List.of(1L, 7L), node.subscribedFrom);
  }

  @Test
  void aRefusalThatIsNotATransportFailureEndsTheSubscription() throws Exception {
    FakeNode node = serve(honest);
    node.breakStatus = Status.PERMISSION_DENIED.withDescription("no");
    node.breakAfter.put(0, 2);
    Collector c = new Collector(Long.MAX_VALUE);
    client(node, TrustRoot.genesis(honest.genesisHash())).subscribeFinalized(1).subscribe(c);
    TimeException e = assertInstanceOf(TimeException.class, c.terminated.get(10, TimeUnit.SECONDS));
    assertEquals(Status.Code.PERMISSION_DENIED, e.code());
    assertEquals(List.of(1L, 2L), c.heights(2, WAIT));
  }
}
