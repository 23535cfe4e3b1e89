package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.consensus.signer.MemorySignerRecordStore;
import io.timecoin.consensus.signer.RecordKeepingSigner;
import io.timecoin.consensus.statemachine.ConsensusConfig;
import io.timecoin.consensus.statemachine.ConsensusEngine;
import io.timecoin.consensus.statemachine.Event;
import io.timecoin.consensus.types.BlockValidator;
import io.timecoin.consensus.types.ChainTip;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.Validator;
import io.timecoin.proto.v1.Vote;
import io.timecoin.protocol.ValidatorSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The consensus thread's order of work: events first, yet tasks are not starved by a stream of
 * events.
 */
class ConsensusLoopTest {
  private static final String CHAIN = "timecoin-loop-test";

  @Test
  @Timeout(30)
  void aTaskRunsWithinAFewEventsEvenWhenEventsKeepWaiting() throws Exception {
    ConsensusEngine engine = engine();
    AtomicInteger eventsHandled = new AtomicInteger();
    CountDownLatch allHandled = new CountDownLatch(201);
    try (ConsensusLoop loop =
        new ConsensusLoop(
            engine,
            (input, outcome) -> {
              eventsHandled.incrementAndGet();
              allHandled.countDown();
            },
            1_000,
            1L << 20,
            (what, cause) -> {
              throw new AssertionError(what, cause);
            })) {
      // 200 events (votes the engine refuses: it checks each) and then one task, all queued before
      // the
      // loop starts: with events strictly first, the task would wait for all 200
      for (int i = 0; i < 200; i++) {
        assertTrue(
            loop.submit(
                new Event.VoteReceived(Vote.newBuilder().setHeight(1).setRound(i).build()), null));
      }
      int[] eventsBeforeTask = {-1};
      CountDownLatch taskRan = new CountDownLatch(1);
      assertTrue(
          loop.execute(
              () -> {
                eventsBeforeTask[0] = eventsHandled.get();
                taskRan.countDown();
              }));
      loop.start(); // queues Start first
      assertTrue(taskRan.await(10, TimeUnit.SECONDS));
      assertTrue(allHandled.await(10, TimeUnit.SECONDS));
      assertTrue(
          eventsBeforeTask[0] >= 16 && eventsBeforeTask[0] <= 17,
          "the task ran after " + eventsBeforeTask[0] + " of 201 events");
      assertEquals(201, eventsHandled.get());
    }
  }

  static ConsensusEngine engine() throws java.io.IOException {
    List<Validator> validators = new ArrayList<>();
    List<Ed25519KeyPair> keys = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      keys.add(
          Ed25519KeyPair.fromSeed(
              Sha256.hash(("loop test " + i).getBytes(StandardCharsets.UTF_8))));
      validators.add(
          Validator.newBuilder()
              .setKey(ByteString.copyFrom(keys.get(i).publicKey().bytes()))
              .setWeight(1)
              .build());
    }
    ValidatorSet set = ValidatorSet.of(1, validators);
    ChainTip genesis =
        new ChainTip(
            0,
            ByteString.copyFrom(Sha256.hash("genesis".getBytes(StandardCharsets.UTF_8))),
            System.currentTimeMillis(),
            null,
            null,
            set);
    return new ConsensusEngine(
        ConsensusConfig.defaults(CHAIN, 0),
        genesis,
        t -> t.assemble(List.of()),
        b -> BlockValidator.Verdict.valid(set),
        new RecordKeepingSigner(keys.get(0), new MemorySignerRecordStore()),
        System::currentTimeMillis,
        SignatureVerifier.ED25519);
  }

  /** What the loop told its fatal handler. */
  private static final class Recorder implements FailStop.Fatal {
    final List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    final CountDownLatch called = new CountDownLatch(1);

    @Override
    public void fatal(String what, Throwable cause) {
      failures.add(cause);
      called.countDown();
    }
  }

  private static Vote vote(int round, int padding) {
    return Vote.newBuilder()
        .setHeight(1)
        .setRound(round)
        .setSignature(ByteString.copyFrom(new byte[padding]))
        .build();
  }

  @Test
  @Timeout(30)
  void anErrorOnTheConsensusThreadIsFatalAndTheLoopTakesNoFurtherEvent() throws Exception {
    Recorder fatal = new Recorder();
    AtomicInteger handled = new AtomicInteger();
    try (ConsensusLoop loop =
        new ConsensusLoop(
            engine(),
            (input, outcome) -> {
              if (handled.incrementAndGet() == 2) {
                throw new StackOverflowError("deep");
              }
            },
            1_000,
            1L << 20,
            fatal)) {
      for (int i = 0; i < 10; i++) {
        assertTrue(loop.submit(new Event.VoteReceived(vote(i, 0)), null));
      }
      loop.start();
      assertTrue(fatal.called.await(10, TimeUnit.SECONDS));
      Thread.sleep(200);
      assertEquals(1, fatal.failures.size());
      assertTrue(fatal.failures.get(0) instanceof StackOverflowError);
      assertEquals(2, handled.get(), "no event after the failure");
      assertFalse(loop.running());
      assertFalse(
          loop.submit(new Event.VoteReceived(vote(99, 0)), null), "a failed loop takes no event");
      assertFalse(loop.execute(() -> {}), "nor a task");
    }
  }

  @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir;

  @Test
  @Timeout(30)
  void aBlockTheStoreCannotWriteStopsTheLoop() throws Exception {
    Recorder fatal = new Recorder();
    AtomicInteger handled = new AtomicInteger();
    // as the node's host does: each finalized block is written first, and a failed write throws out
    // of
    // handled (here a store that refuses every block: it has no genesis)
    try (io.timecoin.storage.ChainStore store = io.timecoin.storage.ChainStore.open(dir);
        ConsensusLoop loop =
            new ConsensusLoop(
                engine(),
                (input, outcome) -> {
                  handled.incrementAndGet();
                  io.timecoin.proto.v1.Block block =
                      io.timecoin.proto.v1.Block.newBuilder()
                          .setHeader(io.timecoin.proto.v1.BlockHeader.newBuilder().setHeight(1))
                          .build();
                  try {
                    store.putFinalized(
                        block,
                        io.timecoin.proto.v1.FinalityCertificate.getDefaultInstance(),
                        new io.timecoin.ledger.StateChanges(
                            1, List.of(), List.of(), List.of(), List.of(), null),
                        true);
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("cannot persist finalized block 1", e);
                  }
                },
                1_000,
                1L << 20,
                fatal)) {
      loop.submit(new Event.VoteReceived(vote(0, 0)), null);
      loop.start();
      assertTrue(fatal.called.await(10, TimeUnit.SECONDS));
      Thread.sleep(200);
      assertEquals(1, handled.get(), "the engine runs no further than the store");
      assertTrue(fatal.failures.get(0) instanceof java.io.UncheckedIOException);
    }
  }

  @Test
  @Timeout(30)
  void aFailedTaskIsFatalToo() throws Exception {
    Recorder fatal = new Recorder();
    try (ConsensusLoop loop =
        new ConsensusLoop(engine(), (input, outcome) -> {}, 1_000, 1L << 20, fatal)) {
      loop.start();
      assertTrue(
          loop.execute(
              () -> {
                throw new IllegalStateException("a bug");
              }));
      assertTrue(fatal.called.await(10, TimeUnit.SECONDS));
      assertFalse(loop.execute(() -> {}));
    }
  }

  @Test
  void theQueueIsBoundedInBytesAsWellAsInEvents() throws Exception {
    try (ConsensusLoop loop =
        new ConsensusLoop(engine(), (input, outcome) -> {}, 50_000, 1L << 20, (w, c) -> {})) {
      int accepted = 0;
      while (loop.submit(
          new Event.VoteReceived(vote(accepted, 64 << 10)), null)) { // 64 KiB each, not started
        accepted++;
        assertTrue(accepted < 50_000, "the byte budget never refused");
      }
      assertEquals(15, accepted, "1 MiB holds 15 votes of 64 KiB and a few bytes");
      assertTrue(loop.queuedBytes() <= 1L << 20);
      assertTrue(loop.submit(new Event.VoteReceived(vote(0, 0)), null), "a small event still fits");
    }
  }
}
