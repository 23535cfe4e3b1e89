package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.BlockBody;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.CertificateSignature;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.VoteType;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SyncPipelineTest {
  private static final String CHAIN = "timecoin-test";
  private final Ed25519KeyPair validator = Ed25519KeyPair.generate();
  private static final FailStop.Fatal FATAL =
      (what, cause) -> {
        throw new AssertionError(what, cause);
      };

  private FinalityCertificate certificate(long height) throws Exception {
    byte[] raw = new byte[32];
    raw[0] = (byte) height;
    raw[1] = (byte) (height >> 8);
    ByteString hash = ByteString.copyFrom(raw);
    byte[] precommit = CanonicalBytes.vote(CHAIN, VoteType.VOTE_TYPE_PRECOMMIT, height, 0, hash);
    return FinalityCertificate.newBuilder()
        .setHeight(height)
        .setBlockHash(hash)
        .addSignatures(
            CertificateSignature.newBuilder()
                .setValidator(ByteString.copyFrom(validator.publicKey().bytes()))
                .setSignature(ByteString.copyFrom(validator.sign(precommit))))
        .build();
  }

  @Test
  @org.junit.jupiter.api.Timeout(20)
  void blocksVerifiedOutOfOrderReachConsensusInOrderWithTheirSignaturesKnown() throws Exception {
    Random random = new Random(7);
    ExecutorService verifiers = Executors.newFixedThreadPool(4);
    SignatureCache cache = new SignatureCache(1_000);
    LinkedBlockingQueue<Object[]> consensus = new LinkedBlockingQueue<>();
    SyncPipeline pipeline =
        new SyncPipeline(
            "test",
            CHAIN,
            cache,
            task ->
                verifiers.execute(
                    () -> {
                      try {
                        Thread.sleep(random.nextInt(4)); // finish in a shuffled order
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      task.run();
                    }),
            8,
            1 << 20,
            (block, cert, ticket) -> consensus.add(new Object[] {block, ticket}),
            FATAL);
    List<FinalityCertificate> certificates = new ArrayList<>();
    List<Long> order = java.util.Collections.synchronizedList(new ArrayList<>());
    int n = 200;
    Thread consumer =
        new Thread(
            () -> { // the consensus thread: hands the window back as it applies
              try {
                for (int i = 0; i < n; i++) {
                  Object[] next = consensus.take();
                  Block b = (Block) next[0];
                  order.add(b.getHeader().getHeight());
                  pipeline.done((SyncPipeline.Ticket) next[1], b.getHeader().getHeight());
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    for (long h = 1; h <= n; h++) {
      FinalityCertificate c = certificate(h);
      certificates.add(c);
      Block block =
          Block.newBuilder()
              .setHeader(BlockHeader.newBuilder().setHeight(h))
              .setBody(
                  h == 1
                      ? BlockBody.getDefaultInstance()
                      : BlockBody.newBuilder()
                          .setLastCertificate(certificates.get((int) h - 2))
                          .build())
              .build();
      pipeline.offer(block, c);
      if (h == 4) {
        consumer
            .start(); // the window (8 signatures, 2 per block) is full by now: offer waits for it
      }
    }
    consumer.join(10_000);
    verifiers.shutdown();
    assertTrue(verifiers.awaitTermination(5, TimeUnit.SECONDS));
    assertEquals(java.util.stream.LongStream.rangeClosed(1, n).boxed().toList(), order);
    assertEquals(
        n,
        cache.verifications(),
        "each certificate verified once, its copy in the next block not again");
    // the consensus thread checks each certificate again: every signature is found verified
    for (FinalityCertificate c : certificates) {
      byte[] precommit =
          CanonicalBytes.vote(
              CHAIN, VoteType.VOTE_TYPE_PRECOMMIT, c.getHeight(), 0, c.getBlockHash());
      assertTrue(cache.verify(validator.publicKey(), precommit, c.getSignatures(0).getSignature()));
    }
    assertEquals(n, cache.hits());
    assertEquals(n, cache.verifications());
  }

  @Test
  @org.junit.jupiter.api.Timeout(20)
  void aBlockThatFailsOnTheWayDoesNotStopTheOnesAfterIt() throws Exception {
    ExecutorService verifiers = Executors.newFixedThreadPool(2);
    List<Long> order = java.util.Collections.synchronizedList(new ArrayList<>());
    SyncPipeline[] pipeline = new SyncPipeline[1];
    pipeline[0] =
        new SyncPipeline(
            "test",
            CHAIN,
            new SignatureCache(1_000),
            verifiers,
            4,
            1 << 20,
            (block, cert, ticket) -> {
              long h = block.getHeader().getHeight();
              if (h == 3) {
                throw new IllegalStateException("the consensus queue broke on block 3");
              }
              order.add(h);
              pipeline[0].done(ticket, h); // applied at once: the window comes back
              return true;
            },
            FATAL);
    for (long h = 1;
        h <= 50;
        h++) { // 50 blocks of 1 signature through a window of 4: only if the room comes back
      pipeline[0].offer(
          Block.newBuilder().setHeader(BlockHeader.newBuilder().setHeight(h)).build(),
          certificate(h));
    }
    verifiers.shutdown();
    assertTrue(verifiers.awaitTermination(5, TimeUnit.SECONDS));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (order.size() < 49 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    List<Long> expected =
        new ArrayList<>(java.util.stream.LongStream.rangeClosed(1, 50).boxed().toList());
    expected.remove(Long.valueOf(3));
    assertEquals(expected, order);
  }

  @Test
  @org.junit.jupiter.api.Timeout(20)
  void theWindowBoundsTheBytesInFlightNotOnlyTheSignatures() throws Exception {
    ExecutorService verifiers = Executors.newFixedThreadPool(2);
    LinkedBlockingQueue<Object[]> consensus = new LinkedBlockingQueue<>();
    int windowBytes = 4 << 20;
    // a window of 10,000 signatures: blocks of 1 MiB and one signature each would all fit it
    SyncPipeline pipeline =
        new SyncPipeline(
            "test",
            CHAIN,
            new SignatureCache(1_000),
            verifiers,
            10_000,
            windowBytes,
            (block, cert, ticket) -> consensus.add(new Object[] {block, ticket}),
            FATAL);
    int n = 40;
    java.util.concurrent.atomic.AtomicInteger offered =
        new java.util.concurrent.atomic.AtomicInteger();
    Thread stream =
        new Thread(
            () -> { // the peer's sync stream: offer blocks while there is room
              try {
                for (long h = 1; h <= n; h++) {
                  Block block =
                      Block.newBuilder()
                          .setHeader(BlockHeader.newBuilder().setHeight(h))
                          .setBody(
                              BlockBody.newBuilder()
                                  .addTransactions(
                                      io.timecoin.proto.v1.Transaction.newBuilder()
                                          .addOutputs(
                                              io.timecoin.proto.v1.TxOutput.newBuilder()
                                                  .setAddress(
                                                      ByteString.copyFrom(new byte[1 << 20])))))
                          .build();
                  pipeline.offer(block, certificate(h));
                  offered.incrementAndGet();
                }
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    stream.start();
    Thread.sleep(1_000); // nothing is applied meanwhile: the stream must wait at the window
    assertTrue(
        offered.get() <= 3, offered.get() + " blocks of 1 MiB in flight through a window of 4 MiB");
    long inFlight = 0;
    for (Object[] o : consensus) {
      inFlight += ((Block) o[0]).getSerializedSize();
    }
    assertTrue(inFlight <= windowBytes, inFlight + " bytes in flight");
    for (int applied = 0;
        applied < n;
        applied++) { // the consensus thread applies them: every block comes
      Object[] next = consensus.poll(5, TimeUnit.SECONDS);
      Block b = (Block) next[0];
      assertEquals(applied + 1, b.getHeader().getHeight());
      pipeline.done((SyncPipeline.Ticket) next[1], b.getHeader().getHeight());
    }
    stream.join(5_000);
    assertEquals(n, offered.get());
    verifiers.shutdown();
  }
}
