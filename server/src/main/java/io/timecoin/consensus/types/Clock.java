package io.timecoin.consensus.types;

/** The validator's clock, in milliseconds since the Unix epoch; the simulator's is virtual. */
@FunctionalInterface
public interface Clock {
  long nowMs();
}
