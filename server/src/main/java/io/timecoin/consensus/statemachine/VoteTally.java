package io.timecoin.consensus.statemachine;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Vote;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The votes of one kind in one round. It only counts; the engine decides what a count means.
 *
 * <p>Per block hash it sums the weight of the distinct validators that voted for it. A validator's
 * first vote is the one counted towards "a quorum of any kind"; a second, conflicting vote is
 * evidence, and it still counts towards its own hash (as CometBFT does for a claimed polka): the
 * quorum-intersection argument already lets Byzantine validators vote for everything, and without
 * it a node that heard an equivocator's other vote first could never see a real quorum. At most two
 * hashes are counted per validator, so an equivocator cannot grow the tally without bound.
 *
 * <p>It reports each {@link Threshold} once, the first time it is asked about it after it was
 * crossed (Malachite's votekeeper emits each output once the same way): the rules that fire "for
 * the first time" (docs/protocol.md 5.3, rules 3 and 5) ask it, so a round keeps no flags of its
 * own.
 */
final class VoteTally {
  enum Added {
    NEW,
    DUPLICATE,
    CONFLICT
  }

  /**
   * A count worth acting on once: a quorum of votes of any kind, of votes for one value whichever,
   * or for this value.
   */
  record Threshold(Kind kind, ByteString value) {
    enum Kind {
      ANY,
      SOME_VALUE,
      VALUE
    }

    /**
     * Distinct validators' votes, whatever they are for, weigh a quorum: the timers of rules 3 and
     * 5.
     */
    static final Threshold ANY = new Threshold(Kind.ANY, null);

    /** The votes for one value, block or nil, whichever, weigh a quorum: worth a log line. */
    static final Threshold SOME_VALUE = new Threshold(Kind.SOME_VALUE, null);

    /** The votes for this value (a block hash, or nil) weigh a quorum. */
    static Threshold quorumFor(ByteString value) {
      return new Threshold(Kind.VALUE, value);
    }
  }

  private static final int MAX_HASHES_PER_VALIDATOR = 2;

  private final ValidatorSet set;
  private final Map<ByteString, List<Vote>> byValidator = new HashMap<>();
  private final Map<ByteString, List<Vote>> byHash = new HashMap<>();
  private final Map<ByteString, Long> weightByHash = new HashMap<>();
  private long totalWeight;
  private final Set<Threshold> reported = new HashSet<>();

  VoteTally(ValidatorSet set) {
    this.set = set;
  }

  /** The vote first counted for this validator, or null. */
  Vote existing(ByteString validator) {
    List<Vote> votes = byValidator.get(validator);
    return votes == null ? null : votes.get(0);
  }

  /** Whether this very vote (same hash and signature) is already held. */
  boolean holds(Vote vote) {
    List<Vote> votes = byValidator.get(vote.getValidator());
    return votes != null && votes.contains(vote);
  }

  /** Counts a verified vote of a member. */
  Added add(Vote vote, long weight) {
    List<Vote> votes = byValidator.get(vote.getValidator());
    if (votes == null) {
      votes = new ArrayList<>(1);
      byValidator.put(vote.getValidator(), votes);
      totalWeight += weight;
    } else {
      for (Vote v : votes) {
        if (v.getBlockHash().equals(vote.getBlockHash())) {
          return Added.DUPLICATE;
        }
      }
      if (votes.size() >= MAX_HASHES_PER_VALIDATOR) {
        return Added.CONFLICT;
      }
    }
    boolean first = votes.isEmpty();
    votes.add(vote);
    byHash.computeIfAbsent(vote.getBlockHash(), h -> new ArrayList<>()).add(vote);
    weightByHash.merge(vote.getBlockHash(), weight, Long::sum);
    return first ? Added.NEW : Added.CONFLICT;
  }

  /**
   * Whether {@code t} is crossed now and was never reported before; it is reported (true) once
   * only.
   */
  boolean firstCrossed(Threshold t) {
    boolean crossed =
        switch (t.kind()) {
          case ANY -> hasQuorumOfAny();
          case SOME_VALUE -> quorumHash() != null;
          case VALUE -> hasQuorumFor(t.value());
        };
    return crossed && reported.add(t);
  }

  boolean hasQuorumFor(ByteString blockHash) {
    Long w = weightByHash.get(blockHash);
    return w != null && set.isQuorum(w);
  }

  /** The weight of the votes for one hash (an equivocator's two votes count for both of theirs). */
  long weightFor(ByteString blockHash) {
    return weightByHash.getOrDefault(blockHash, 0L);
  }

  /** Whether distinct validators' votes of every kind together form a quorum. */
  boolean hasQuorumOfAny() {
    return set.isQuorum(totalWeight);
  }

  /** The hashes (blocks or nil) with a quorum: usually none or one. */
  List<ByteString> quorumHashes() {
    List<ByteString> out = new ArrayList<>(1);
    for (Map.Entry<ByteString, Long> e : weightByHash.entrySet()) {
      if (set.isQuorum(e.getValue())) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  /**
   * The hash with a quorum, or null (the first found if, impossibly for honest majorities, two).
   */
  ByteString quorumHash() {
    List<ByteString> q = quorumHashes();
    return q.isEmpty() ? null : q.get(0);
  }

  /** The votes for one hash, one per validator: a certificate's precommits or a lock's proof. */
  List<Vote> votesFor(ByteString blockHash) {
    return List.copyOf(byHash.getOrDefault(blockHash, List.of()));
  }
}
