package io.timecoin.protocol;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.Hashes;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.crypto.Sha256;
import io.timecoin.proto.v1.Validator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The validators of one height with their weights (docs/protocol.md 4.1): who may vote, how much
 * each vote weighs, what a quorum is (4.2) and who proposes in each round (5.1). A key outside the
 * set has no weight at all: {@link #member} answers null for it.
 */
public final class ValidatorSet {
  /** Total weight is kept below 2^61 so that 3 * weight never overflows. */
  public static final long MAX_TOTAL_WEIGHT = 1L << 61;

  /** A member: its key (decoded once, for fast verification) and its weight. */
  public record Member(ByteString keyBytes, Ed25519PublicKey key, long weight) {}

  private final long height;
  private final List<Member> members;
  private final Map<ByteString, Member> byKey;
  private final long totalWeight;
  private final ByteString hash;

  private ValidatorSet(long height, List<Member> members) {
    this.height = height;
    this.members = List.copyOf(members);
    this.byKey = new HashMap<>();
    long total = 0;
    for (Member m : members) {
      byKey.put(m.keyBytes(), m);
      total += m.weight();
    }
    this.totalWeight = total;
    this.hash = Hashes.validatorSet(toProto());
  }

  /**
   * The set of {@code height} from (key, weight) pairs in any order.
   *
   * @throws IllegalArgumentException for an empty set, a repeated or invalid key, a weight of zero,
   *     or a total weight of 2^61 or more
   */
  public static ValidatorSet of(long height, List<Validator> validators) {
    return of(height, validators, key -> Ed25519PublicKey.of(key.toByteArray()));
  }

  /**
   * The same, decoding each key with {@code keys}: a node passes its cache of decoded keys, since
   * decoding strictly (the prime-order check) costs as much as a verification, and a new set is
   * mostly the keys of the last one.
   */
  public static ValidatorSet of(
      long height,
      List<Validator> validators,
      java.util.function.Function<ByteString, Ed25519PublicKey> keys) {
    if (validators.isEmpty()) {
      throw new IllegalArgumentException("a validator set needs at least one validator");
    }
    List<Member> members = new ArrayList<>();
    long total = 0;
    for (Validator v : validators) {
      if (v.getWeight() <= 0) {
        throw new IllegalArgumentException("validator " + hex(v.getKey()) + " has no weight");
      }
      total += v.getWeight();
      if (total >= MAX_TOTAL_WEIGHT || total < 0) {
        throw new IllegalArgumentException("total weight must stay below 2^61");
      }
      members.add(new Member(v.getKey(), keys.apply(v.getKey()), v.getWeight()));
    }
    members.sort(
        Comparator.comparing(Member::keyBytes, ByteString.unsignedLexicographicalComparator()));
    for (int i = 1; i < members.size(); i++) {
      if (members.get(i).keyBytes().equals(members.get(i - 1).keyBytes())) {
        throw new IllegalArgumentException(
            "validator " + hex(members.get(i).keyBytes()) + " appears twice");
      }
    }
    return new ValidatorSet(height, members);
  }

  /** The set a protobuf ValidatorSet describes. */
  public static ValidatorSet fromProto(io.timecoin.proto.v1.ValidatorSet proto) {
    return of(proto.getHeight(), proto.getValidatorsList());
  }

  /** The same members, as the set of another height. */
  public ValidatorSet atHeight(long newHeight) {
    return newHeight == height ? this : new ValidatorSet(newHeight, members);
  }

  public io.timecoin.proto.v1.ValidatorSet toProto() {
    io.timecoin.proto.v1.ValidatorSet.Builder b =
        io.timecoin.proto.v1.ValidatorSet.newBuilder().setHeight(height);
    for (Member m : members) {
      b.addValidators(Validator.newBuilder().setKey(m.keyBytes()).setWeight(m.weight()));
    }
    return b.build();
  }

  /** The member with this key, or null: a key outside the set has no weight. */
  public Member member(ByteString key) {
    return byKey.get(key);
  }

  /** Whether the distinct signers' summed weight is a quorum: {@code 3*S > 2*W}. */
  public boolean isQuorum(long signedWeight) {
    return 3 * signedWeight > 2 * totalWeight;
  }

  /**
   * Whether the weight is more than a third of the total: enough to contain an honest validator.
   */
  public boolean exceedsOneThird(long weight) {
    return 3 * weight > totalWeight;
  }

  /**
   * proposer(h, r): x = the first 8 bytes of SHA-256(PROPOSER bytes of chain_id, h, r) as an
   * unsigned integer mod W; walking the members in key order and summing weights, the first whose
   * running sum exceeds x proposes (docs/protocol.md 5.1, 8.2). The seed holds nothing a validator
   * chooses (v1 hashed prev_hash, which the proposer of h-1 could grind).
   */
  public Member proposer(String chainId, long h, int round) {
    byte[] digest = Sha256.hash(CanonicalBytes.proposerSeed(chainId, h, round));
    long x = 0;
    for (int i = 0; i < 8; i++) {
      x = (x << 8) | (digest[i] & 0xff);
    }
    long target = Long.remainderUnsigned(x, totalWeight);
    long running = 0;
    for (Member m : members) {
      running += m.weight();
      if (running > target) {
        return m;
      }
    }
    throw new IllegalStateException("unreachable: target below total weight");
  }

  public long height() {
    return height;
  }

  public List<Member> members() {
    return Collections.unmodifiableList(members);
  }

  public int size() {
    return members.size();
  }

  public long totalWeight() {
    return totalWeight;
  }

  /** SHA-256 of the VALSET bytes: what a block header commits to. */
  public ByteString hash() {
    return hash;
  }

  private static String hex(ByteString b) {
    return java.util.HexFormat.of().formatHex(b.toByteArray());
  }

  @Override
  public String toString() {
    return "ValidatorSet(h=" + height + ", n=" + members.size() + ", W=" + totalWeight + ")";
  }
}
