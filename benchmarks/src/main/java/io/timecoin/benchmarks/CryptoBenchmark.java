package io.timecoin.benchmarks;

import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.crypto.Sha256;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ed25519 sign and verify rates, and SHA-256 throughput, on one thread.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar CryptoBenchmark}. SHA-256 bytes per
 * second = ops/s x size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CryptoBenchmark {
  @Param({"64", "1024", "65536"})
  int size;

  private Ed25519KeyPair key;
  private byte[] publicKeyBytes;
  private byte[] vote;
  private byte[] signature;
  private byte[] data;

  @Setup
  public void setUp() {
    key = Ed25519KeyPair.fromSeed(new byte[32]);
    publicKeyBytes = key.publicKey().bytes();
    // what validators sign and check most: the VOTE bytes of a precommit
    vote =
        CanonicalBytes.vote(
            Vote.newBuilder()
                .setChainId("timecoin-devnet")
                .setType(VoteType.VOTE_TYPE_PRECOMMIT)
                .setHeight(1_000)
                .setRound(0)
                .setBlockHash(com.google.protobuf.ByteString.copyFrom(new byte[32]))
                .build());
    signature = key.sign(vote);
    data = new byte[size];
    new Random(1).nextBytes(data);
  }

  /** Signing a vote (size does not apply). */
  @Benchmark
  public byte[] ed25519Sign() {
    return key.sign(vote);
  }

  /** Verifying a vote with the validator's key decoded once (as the node caches it). */
  @Benchmark
  public boolean ed25519Verify() {
    return key.publicKey().verify(vote, signature);
  }

  /** Verifying a vote from raw key bytes: decoding and fully validating the key each time. */
  @Benchmark
  public boolean ed25519VerifyWithKeyDecode() {
    return Ed25519PublicKey.of(publicKeyBytes).verify(vote, signature);
  }

  /** SHA-256 of {@code size} bytes. */
  @Benchmark
  public byte[] sha256() {
    return Sha256.hash(data);
  }
}
