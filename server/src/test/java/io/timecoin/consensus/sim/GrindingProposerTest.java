package io.timecoin.consensus.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalWriter;
import io.timecoin.canonical.Domain;
import io.timecoin.canonical.Hashes;
import io.timecoin.canonical.MerkleRoot;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Sha256;
import io.timecoin.proto.v1.BlockHeader;
import io.timecoin.proto.v1.Validator;
import io.timecoin.protocol.ProtocolVersion;
import io.timecoin.protocol.ValidatorSet;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * A proposer that grinds (docs/protocol.md 8.2). One validator of four holds 1% of the stake; each
 * time it proposes it tries 256 blocks (16 timestamps within its slot times 16 subsets of its
 * mempool, each a different tx_root and so a different block hash) and keeps one that makes it the
 * proposer of the next height. Under version 1's seed (prev_hash, h, r) that works: once in, it
 * keeps the proposer's seat for long runs. Under version 2's seed (chain_id, h, r) nothing it
 * chooses enters the seed, and over 10,000 heights it proposes its 1% and no more.
 *
 * <p>The chain is driven through the proposer rule directly (round 0 of each height), with real
 * headers and hashes; the full simulator checks the same rule on every block it finalizes.
 */
class GrindingProposerTest {
  private static final String CHAIN_ID = "timecoin-grind";
  private static final int HEIGHTS = 10_000;
  private static final long INTERVAL_MS = 1_000;
  private static final int TIMESTAMPS = 16;
  private static final int TX_SUBSETS = 16;

  private final List<ByteString> keys = new ArrayList<>();
  private final ValidatorSet set;
  private final ByteString grinder;

  /**
   * The tx_root of each subset of the grinder's four pending transactions (txids of the test's
   * own).
   */
  private final List<ByteString> txRoots = new ArrayList<>();

  GrindingProposerTest() {
    long[] weights = {1, 33, 33, 33};
    List<Validator> validators = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      ByteString key =
          ByteString.copyFrom(
              Ed25519KeyPair.fromSeed(Sha256.hash(("grind " + i).getBytes(StandardCharsets.UTF_8)))
                  .publicKey()
                  .bytes());
      keys.add(key);
      validators.add(Validator.newBuilder().setKey(key).setWeight(weights[i]).build());
    }
    set = ValidatorSet.of(1, validators);
    grinder = keys.get(0);
    List<ByteString> pending = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      pending.add(
          ByteString.copyFrom(Sha256.hash(("pending tx " + i).getBytes(StandardCharsets.UTF_8))));
    }
    for (int mask = 0; mask < TX_SUBSETS; mask++) {
      List<ByteString> subset = new ArrayList<>();
      for (int i = 0; i < pending.size(); i++) {
        if ((mask & (1 << i)) != 0) {
          subset.add(pending.get(i));
        }
      }
      txRoots.add(MerkleRoot.of(subset));
    }
  }

  /** Version 1's rule, reproduced for the counterfactual: the seed holds the parent's hash. */
  private ByteString proposerV1(ByteString prevHash, long h) {
    byte[] digest =
        Sha256.hash(
            new CanonicalWriter(Domain.PROPOSER)
                .hash(prevHash, "prev_hash")
                .u64(h)
                .u32(0)
                .toByteArray());
    long x = 0;
    for (int i = 0; i < 8; i++) {
      x = (x << 8) | (digest[i] & 0xff);
    }
    long target = Long.remainderUnsigned(x, set.totalWeight());
    long running = 0;
    for (ValidatorSet.Member m : set.members()) {
      running += m.weight();
      if (running > target) {
        return m.keyBytes();
      }
    }
    throw new IllegalStateException();
  }

  private ByteString proposerV2(ByteString prevHash, long h) {
    return set.proposer(CHAIN_ID, h, 0).keyBytes();
  }

  private ByteString blockHash(
      long h, long timestampMs, ByteString prevHash, ByteString txRoot, ByteString proposer) {
    return Hashes.block(
        BlockHeader.newBuilder()
            .setVersion(ProtocolVersion.BLOCK)
            .setChainId(CHAIN_ID)
            .setHeight(h)
            // the witness root stands in for the real one: it moves with the transaction choice as
            // tx_root does
            .setTimestampMs(timestampMs)
            .setPrevHash(prevHash)
            .setTxRoot(txRoot)
            .setWitnessRoot(txRoot)
            .setLastCertificateHash(Hashes.NIL)
            .setValidatorSetHash(set.hash())
            .setNextValidatorSetHash(set.hash())
            .setProposer(proposer)
            .build());
  }

  /**
   * Runs HEIGHTS heights under {@code rule} (the proposer of h from the parent's hash and h) and
   * returns how many the grinder proposed. Honest proposers make one block at the slot's opening
   * with every pending transaction; the grinder tries its 256 blocks and keeps the first that makes
   * it the next proposer under the rule, else the honest one.
   */
  private int grinderProposals(BiFunction<ByteString, Long, ByteString> rule) {
    ByteString prev = ByteString.copyFrom(Sha256.hash("genesis".getBytes(StandardCharsets.UTF_8)));
    long slot = 1_800_000_000_000L;
    int won = 0;
    for (long h = 1; h <= HEIGHTS; h++) {
      slot += INTERVAL_MS;
      ByteString proposer = rule.apply(prev, h);
      ByteString hash = blockHash(h, slot, prev, txRoots.get(TX_SUBSETS - 1), proposer);
      if (proposer.equals(grinder)) {
        won++;
        search:
        for (int t = 0;
            t < TIMESTAMPS;
            t++) { // any timestamp up to its clock + max_clock_ahead is timely
          for (ByteString txRoot : txRoots) {
            ByteString candidate = blockHash(h, slot + t, prev, txRoot, proposer);
            if (rule.apply(candidate, h + 1).equals(grinder)) {
              hash = candidate;
              break search;
            }
          }
        }
      }
      prev = hash;
    }
    return won;
  }

  @Test
  void aGrinderWithOnePercentOfTheStakeProposesOnePercentOfTheBlocks() {
    double share = 1.0 / 100;
    double expected = HEIGHTS * share;
    double sigma = Math.sqrt(HEIGHTS * share * (1 - share)); // binomial: 100 +- 9.95
    int underV1 = grinderProposals(this::proposerV1);
    int underV2 = grinderProposals(this::proposerV2);
    // under v1, 256 tries keep the seat with probability 1 - 0.99^256 = 92%: about 11% of the
    // heights
    assertTrue(
        underV1 > 5 * expected,
        "v1's seed let the grinder propose only " + underV1 + " of " + HEIGHTS);
    assertTrue(
        Math.abs(underV2 - expected) <= 3 * sigma,
        "under v2 the grinder proposed "
            + underV2
            + " of "
            + HEIGHTS
            + ", expected "
            + expected
            + " +- "
            + 3 * sigma);
  }
}
