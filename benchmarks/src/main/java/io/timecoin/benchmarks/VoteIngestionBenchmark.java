package io.timecoin.benchmarks;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.statemachine.ConsensusConfig;
import io.timecoin.consensus.statemachine.ConsensusEngine;
import io.timecoin.consensus.statemachine.Event;
import io.timecoin.consensus.types.BlockValidator;
import io.timecoin.consensus.types.ChainTip;
import io.timecoin.consensus.types.SignedStep;
import io.timecoin.consensus.types.Signer;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.Validator;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Votes per second through the consensus engine: message checks, membership, strict Ed25519
 * verification, tally and state machine. The same without the signature check shows the engine's
 * own cost, and raw verification of the same votes is the floor.
 *
 * <p>100 equal validators; an observing engine (not a member, so it signs nothing) takes prepares
 * and precommits for nil in rounds 0 to 9 of one height: quorums form, timers start, rounds
 * advance. Run: {@code java -jar benchmarks/target/benchmarks.jar VoteIngestionBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class VoteIngestionBenchmark {
  private static final String CHAIN = "timecoin-bench";
  private static final int VALIDATORS = 100;
  private static final int ROUNDS = 10;
  private static final int VOTES = VALIDATORS * ROUNDS * 2;
  private static final SignatureVerifier UNCHECKED =
      (key, message, signature) -> true; // benchmark only

  private ChainTip genesis;
  private ValidatorSet set;
  private final List<Vote> votes = new ArrayList<>();
  private final List<byte[]> voteBytes = new ArrayList<>();
  private final List<ValidatorSet.Member> signers = new ArrayList<>();
  private Signer observer;

  @Setup
  public void setUp() {
    List<Ed25519KeyPair> keys = new ArrayList<>();
    List<Validator> validators = new ArrayList<>();
    for (int i = 0; i < VALIDATORS; i++) {
      Ed25519KeyPair k = Ed25519KeyPair.fromSeed(Sha256.hash(new byte[] {(byte) i, 1}));
      keys.add(k);
      validators.add(
          Validator.newBuilder()
              .setKey(ByteString.copyFrom(k.publicKey().bytes()))
              .setWeight(1_000)
              .build());
    }
    set = ValidatorSet.of(1, validators);
    genesis = new ChainTip(0, ByteString.copyFrom(Sha256.hash(new byte[] {9})), 0, null, null, set);
    for (int r = 0; r < ROUNDS; r++) {
      for (VoteType type :
          new VoteType[] {VoteType.VOTE_TYPE_PREPARE, VoteType.VOTE_TYPE_PRECOMMIT}) {
        for (Ed25519KeyPair k : keys) {
          Vote unsigned =
              Vote.newBuilder()
                  .setChainId(CHAIN)
                  .setType(type)
                  .setHeight(1)
                  .setRound(r)
                  .setBlockHash(Hashes.NIL)
                  .setValidator(ByteString.copyFrom(k.publicKey().bytes()))
                  .build();
          byte[] bytes = CanonicalBytes.vote(unsigned);
          votes.add(unsigned.toBuilder().setSignature(ByteString.copyFrom(k.sign(bytes))).build());
          voteBytes.add(bytes);
          signers.add(set.member(unsigned.getValidator()));
        }
      }
    }
    Ed25519KeyPair outsider = Ed25519KeyPair.fromSeed(new byte[32]);
    observer =
        new Signer() {
          @Override
          public ByteString publicKey() {
            return ByteString.copyFrom(outsider.publicKey().bytes());
          }

          @Override
          public Optional<ByteString> sign(SignedStep step, byte[] bytes, Lock lock) {
            return Optional.empty();
          }

          @Override
          public Optional<Lock> lockAt(long height) {
            return Optional.empty();
          }

          @Override
          public List<SignedStep> signedAt(long height) {
            return List.of();
          }
        };
  }

  private void ingest(SignatureVerifier verifier, Blackhole bh) {
    ConsensusEngine engine =
        new ConsensusEngine(
            ConsensusConfig.defaults(CHAIN, 0),
            genesis,
            t -> t.assemble(List.of()),
            b -> BlockValidator.Verdict.valid(set),
            observer,
            () -> 0L,
            verifier);
    engine.handle(new Event.Start());
    for (Vote v : votes) {
      bh.consume(engine.handle(new Event.VoteReceived(v)));
    }
  }

  /** The whole path, as the node runs it. */
  @Benchmark
  @OperationsPerInvocation(VOTES)
  public void ingestVotes(Blackhole bh) {
    ingest(SignatureVerifier.ED25519, bh);
  }

  /** The engine's own cost: the same votes with the signature check left out. */
  @Benchmark
  @OperationsPerInvocation(VOTES)
  public void ingestVotesWithoutSignatureCheck(Blackhole bh) {
    ingest(UNCHECKED, bh);
  }

  /** The floor: strict Ed25519 verification of the same votes' bytes, nothing else. */
  @Benchmark
  @OperationsPerInvocation(VOTES)
  public void verifySignaturesOnly(Blackhole bh) {
    for (int i = 0; i < VOTES; i++) {
      bh.consume(
          signers.get(i).key().verify(voteBytes.get(i), votes.get(i).getSignature().toByteArray()));
    }
  }
}
