package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** The consensus thread's order of work: events first, yet tasks are not starved by a stream of events. */
class ConsensusLoopTest {
  private static final String CHAIN = "timecoin-loop-test";

  @Test
  @Timeout(30)
  void aTaskRunsWithinAFewEventsEvenWhenEventsKeepWaiting() throws Exception {
    List<Validator> validators = new ArrayList<>();
    List<Ed25519KeyPair> keys = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      keys.add(Ed25519KeyPair.fromSeed(Sha256.hash(("loop test " + i).getBytes(StandardCharsets.UTF_8))));
      validators.add(Validator.newBuilder().setKey(ByteString.copyFrom(keys.get(i).publicKey().bytes())).setWeight(1).build());
    }
    ValidatorSet set = ValidatorSet.of(1, validators);
    ChainTip genesis = new ChainTip(0, ByteString.copyFrom(Sha256.hash("genesis".getBytes(StandardCharsets.UTF_8))),
        System.currentTimeMillis(), null, null, set);
    ConsensusEngine engine = new ConsensusEngine(ConsensusConfig.defaults(CHAIN, 0), genesis, t -> t.assemble(List.of()),
        b -> BlockValidator.Verdict.valid(set), new RecordKeepingSigner(keys.get(0), new MemorySignerRecordStore()),
        System::currentTimeMillis, SignatureVerifier.ED25519);
    AtomicInteger eventsHandled = new AtomicInteger();
    CountDownLatch allHandled = new CountDownLatch(201);
    try (ConsensusLoop loop = new ConsensusLoop(engine, (input, outcome) -> {
      eventsHandled.incrementAndGet();
      allHandled.countDown();
    }, 1_000)) {
      // 200 events (votes the engine refuses: it checks each) and then one task, all queued before the
      // loop starts: with events strictly first, the task would wait for all 200
      for (int i = 0; i < 200; i++) {
        assertTrue(loop.submit(new Event.VoteReceived(Vote.newBuilder().setHeight(1).setRound(i).build()), null));
      }
      int[] eventsBeforeTask = {-1};
      CountDownLatch taskRan = new CountDownLatch(1);
      assertTrue(loop.execute(() -> {
        eventsBeforeTask[0] = eventsHandled.get();
        taskRan.countDown();
      }));
      loop.start(); // queues Start first
      assertTrue(taskRan.await(10, TimeUnit.SECONDS));
      assertTrue(allHandled.await(10, TimeUnit.SECONDS));
      assertTrue(eventsBeforeTask[0] >= 16 && eventsBeforeTask[0] <= 17,
          "the task ran after " + eventsBeforeTask[0] + " of 201 events");
      assertEquals(201, eventsHandled.get());
    }
  }
}
