package io.timecoin.consensus.statemachine;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Vote;
import io.timecoin.protocol.ValidatorSet;
import java.util.HashSet;
import java.util.Set;

/**
 * What one round of a height has seen: its proposal, its two tallies (which report their thresholds
 * once each, so the round keeps no flags), who spoke in it, and what this validator signed in it.
 */
final class RoundState {
  final VoteTally prepares;
  final VoteTally precommits;

  /**
   * The round's proposal without its block's body (the engine holds bodies apart, within a byte
   * budget).
   */
  Proposal proposal;

  ByteString proposalBlockHash;

  /** Distinct validators with any message in this round, and their weight: the round-skip rule. */
  private final Set<ByteString> speakers = new HashSet<>();

  long speakersWeight;

  /**
   * This validator's own signed messages of the round, sent again on REBROADCAST (the proposal
   * without body).
   */
  Proposal ownProposal;

  Vote ownPrepare;
  Vote ownPrecommit;

  RoundState(ValidatorSet set) {
    this.prepares = new VoteTally(set);
    this.precommits = new VoteTally(set);
  }

  /** The tally of a voting phase. */
  VoteTally tally(Phase phase) {
    return switch (phase) {
      case PREPARE -> prepares;
      case PRECOMMIT -> precommits;
      case PROPOSE -> throw new IllegalArgumentException("a proposal is not counted in a tally");
    };
  }

  /** Keeps this validator's own vote, to send again. */
  void sent(Phase phase, Vote vote) {
    if (phase == Phase.PREPARE) {
      ownPrepare = vote;
    } else {
      ownPrecommit = vote;
    }
  }

  void heardFrom(ValidatorSet.Member member) {
    if (speakers.add(member.keyBytes())) {
      speakersWeight += member.weight();
    }
  }
}
