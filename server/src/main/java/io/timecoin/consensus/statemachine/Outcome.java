package io.timecoin.consensus.statemachine;

import java.util.List;

/** The verdict on an event and the effects it caused, in order. */
public record Outcome(Verdict verdict, List<Effect> effects) {}
