package io.timecoin.consensus.statemachine;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.protocol.ValidatorSet;
import java.util.HashSet;
import java.util.Set;

/** What one round of a height has seen: its proposal, its two tallies, and who spoke in it. */
final class RoundState {
  final VoteTally prepares;
  final VoteTally precommits;
  /** The round's proposal without its block's body (the engine holds bodies apart, within a byte budget). */
  Proposal proposal;
  ByteString proposalBlockHash;
  /** Distinct validators with any message in this round, and their weight: the round-skip rule. */
  private final Set<ByteString> speakers = new HashSet<>();
  long speakersWeight;
  boolean prepareTimeoutStarted;
  boolean precommitTimeoutStarted;
  boolean prepareQuorumForBlockSeen;
  boolean prepareQuorumAnnounced;
  boolean precommitQuorumAnnounced;
  /** This validator's own signed messages of the round, sent again on REBROADCAST (the proposal without body). */
  Proposal ownProposal;
  Vote ownPrepare;
  Vote ownPrecommit;

  RoundState(ValidatorSet set) {
    this.prepares = new VoteTally(set);
    this.precommits = new VoteTally(set);
  }

  VoteTally tally(VoteType type) {
    return type == VoteType.VOTE_TYPE_PREPARE ? prepares : precommits;
  }

  void heardFrom(ValidatorSet.Member member) {
    if (speakers.add(member.keyBytes())) {
      speakersWeight += member.weight();
    }
  }
}
