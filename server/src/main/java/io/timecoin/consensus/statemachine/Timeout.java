package io.timecoin.consensus.statemachine;

/** A timer the core asked for; when it fires the host hands it back as an event. */
public record Timeout(long height, int round, Kind kind) {
  public enum Kind {
    /** The TSDC slot opened: the proposer may propose now. */
    PROPOSE_AT,
    /** No valid proposal came in time: prepare nil. */
    PROPOSE,
    /** Prepares of every kind form a quorum but none for one block: precommit nil. */
    PREPARE,
    /** Precommits of every kind form a quorum but none decided: next round. */
    PRECOMMIT,
    /** Send this round's own messages again, for peers that lost them. */
    REBROADCAST
  }
}
