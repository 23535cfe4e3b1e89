package io.timecoin.benchmarks;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.crypto.SignatureVerifier;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Validator;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.FinalityCertificates;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.List;
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
 * Finality certificates per second through {@link FinalityCertificates#verify} (what a node pays
 * for each block it syncs, and for the last certificate in every block it receives), on one thread:
 * the canonical-form check, membership, the quorum and strict Ed25519 verification of every
 * signature.
 *
 * <p>A set of {@code validators} equal-weight members (keys decoded once, as the set holds them);
 * 16 certificates of consecutive heights, each signed by every member, checked in turn. Run: {@code
 * java -jar benchmarks/target/benchmarks.jar CertificateVerificationBenchmark}. Signatures verified
 * per second = certificates/s x validators.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class CertificateVerificationBenchmark {
  private static final String CHAIN = "timecoin-bench";
  private static final int CERTIFICATES = 16; // a power of two: the index wraps with a mask

  @Param({"4", "16", "64"})
  int validators;

  private ValidatorSet set;
  private FinalityCertificate[] certificates;
  private int next;

  @Setup
  public void setUp() throws FinalityCertificates.InvalidCertificateException {
    List<Ed25519KeyPair> keys = new ArrayList<>();
    List<Validator> members = new ArrayList<>();
    for (int i = 0; i < validators; i++) {
      Ed25519KeyPair k = Ed25519KeyPair.fromSeed(Sha256.hash(new byte[] {(byte) i, 4}));
      keys.add(k);
      members.add(
          Validator.newBuilder()
              .setKey(ByteString.copyFrom(k.publicKey().bytes()))
              .setWeight(1_000)
              .build());
    }
    set = ValidatorSet.of(1_000, members);
    certificates = new FinalityCertificate[CERTIFICATES];
    for (int c = 0; c < CERTIFICATES; c++) {
      long height = 1_000 + c;
      ByteString blockHash = ByteString.copyFrom(Sha256.hash(Long.toString(height).getBytes()));
      List<Vote> precommits = new ArrayList<>();
      for (Ed25519KeyPair k : keys) {
        Vote unsigned =
            Vote.newBuilder()
                .setChainId(CHAIN)
                .setType(VoteType.VOTE_TYPE_PRECOMMIT)
                .setHeight(height)
                .setRound(0)
                .setBlockHash(blockHash)
                .setValidator(ByteString.copyFrom(k.publicKey().bytes()))
                .build();
        precommits.add(
            unsigned.toBuilder()
                .setSignature(ByteString.copyFrom(k.sign(CanonicalBytes.vote(unsigned))))
                .build());
      }
      certificates[c] = FinalityCertificates.build(height, 0, blockHash, precommits);
      FinalityCertificates.verify(certificates[c], CHAIN, set, SignatureVerifier.ED25519);
    }
  }

  /** One certificate, all {@code validators} signatures verified. */
  @Benchmark
  public FinalityCertificate verify() throws FinalityCertificates.InvalidCertificateException {
    FinalityCertificate cert = certificates[next];
    next = (next + 1) & (CERTIFICATES - 1);
    FinalityCertificates.verify(cert, CHAIN, set, SignatureVerifier.ED25519);
    return cert;
  }
}
