package io.timecoin.consensus.statemachine;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.EquivocationEvidence;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;

/** What the consensus core asks the host to do, in order. */
public sealed interface Effect {
  /** Send a signed proposal to every peer. */
  record BroadcastProposal(Proposal proposal) implements Effect {}

  /** Send a signed vote to every peer. */
  record BroadcastVote(Vote vote) implements Effect {}

  /** Fire {@code timeout} after {@code delayMs} by the validator's clock. */
  record ScheduleTimeout(Timeout timeout, long delayMs) implements Effect {}

  /** The block is final: execute it, persist it with its certificate, announce it. */
  record Finalize(Block block, FinalityCertificate certificate) implements Effect {}

  /** A validator signed two conflicting messages: keep the proof and serve it to clients. */
  record ReportEvidence(EquivocationEvidence evidence) implements Effect {}

  /** Progress worth a log line: a round began, with its proposer. */
  record RoundStarted(long height, int round, ByteString proposer) implements Effect {}

  /** Progress worth a log line: votes of one kind reached a quorum (block hash, or nil). */
  record QuorumReached(long height, int round, VoteType type, ByteString blockHash)
      implements Effect {}
}
