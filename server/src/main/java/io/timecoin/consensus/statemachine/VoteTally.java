package io.timecoin.consensus.statemachine;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Vote;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The votes of one kind in one round: at most one per validator, weights summed per block hash over
 * distinct signers. It only counts; the engine decides what a count means.
 */
final class VoteTally {
  enum Added { NEW, DUPLICATE, CONFLICT }

  private final ValidatorSet set;
  private final Map<ByteString, Vote> byValidator = new HashMap<>();
  private final Map<ByteString, Long> weightByHash = new HashMap<>();
  private long totalWeight;

  VoteTally(ValidatorSet set) {
    this.set = set;
  }

  /** The vote already counted for this validator, or null. */
  Vote existing(ByteString validator) {
    return byValidator.get(validator);
  }

  /** Counts a verified vote of a member; a second vote of one validator is never counted. */
  Added add(Vote vote, long weight) {
    Vote first = byValidator.putIfAbsent(vote.getValidator(), vote);
    if (first != null) {
      return first.getBlockHash().equals(vote.getBlockHash()) ? Added.DUPLICATE : Added.CONFLICT;
    }
    weightByHash.merge(vote.getBlockHash(), weight, Long::sum);
    totalWeight += weight;
    return Added.NEW;
  }

  boolean hasQuorumFor(ByteString blockHash) {
    Long w = weightByHash.get(blockHash);
    return w != null && set.isQuorum(w);
  }

  /** Whether votes of every kind together form a quorum. */
  boolean hasQuorumOfAny() {
    return set.isQuorum(totalWeight);
  }

  /** The hash (a block's or nil) that has a quorum, or null. */
  ByteString quorumHash() {
    for (Map.Entry<ByteString, Long> e : weightByHash.entrySet()) {
      if (set.isQuorum(e.getValue())) {
        return e.getKey();
      }
    }
    return null;
  }

  /** The votes for one hash: a certificate's precommits or a re-proposal's justification. */
  List<Vote> votesFor(ByteString blockHash) {
    List<Vote> out = new ArrayList<>();
    for (Vote v : byValidator.values()) {
      if (v.getBlockHash().equals(blockHash)) {
        out.add(v);
      }
    }
    return out;
  }
}
