package io.timecoin.consensus.statemachine;

import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.FinalityCertificate;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Vote;

/** What the consensus core consumes. */
public sealed interface Event {
  /** Begin: enter the first round of the next height. */
  record Start() implements Event {}

  /** A proposal from the network. */
  record ProposalReceived(Proposal proposal) implements Event {}

  /** A prepare or precommit from the network. */
  record VoteReceived(Vote vote) implements Event {}

  /** A timer the core asked for has fired. */
  record TimeoutFired(Timeout timeout) implements Event {}

  /** A finalized block and its certificate from a peer's sync stream (catch-up). */
  record BlockSynced(Block block, FinalityCertificate certificate) implements Event {}
}
