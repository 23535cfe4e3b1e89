package io.timecoin.consensus.statemachine;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.CanonicalBytes;
import io.timecoin.canonical.MalformedException;
import io.timecoin.consensus.validation.ProposalValidator;
import io.timecoin.consensus.validation.Refusal;
import io.timecoin.consensus.validation.VoteValidator;
import io.timecoin.proto.v1.ErrorReason;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.protocol.ValidatorSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Messages of the coming heights (docs/protocol.md 5.4 step 4), kept for when their height starts.
 * The set of a coming height is not known yet, so only a key of the current set may fill the
 * buffer, and its signature is checked now with that key: a stranger or a forger is refused at once
 * (and its peer penalized), not checked later. One message per signer and slot, at most
 * maxBufferedPerHeight per height and maxBufferedBytes in all, bound what members can fill.
 */
final class FutureBuffer {
  /**
   * Copies of one signed proposal of a coming height kept with different bodies: the signature does
   * not cover the body, so a relay's tampered copy arriving first must not shut out the genuine one
   * (each is judged when the height starts, as copies of this height's proposals are).
   */
  private static final int BODY_COPIES = 3;

  /**
   * One signer's message of a coming height: its proposal (kind 0) or its vote of a type, in a
   * round; {@code copy} tells apart copies of one signed proposal with different bodies.
   */
  private record Slot(int round, int kind, ByteString signer, int copy) {
    Slot(int round, int kind, ByteString signer) {
      this(round, kind, signer, 0);
    }

    Slot copy(int c) {
      return new Slot(round, kind, signer, c);
    }
  }

  /** A buffered message, the bytes its signature covers, and its size. */
  private record Buffered(Event event, ByteString signed, int bytes) {}

  private final ConsensusConfig config;
  private final VoteValidator votes;
  private final ProposalValidator proposals;
  private final TreeMap<Long, LinkedHashMap<Slot, Buffered>> byHeight = new TreeMap<>();
  private long bytes;

  FutureBuffer(ConsensusConfig config, VoteValidator votes, ProposalValidator proposals) {
    this.config = config;
    this.votes = votes;
    this.proposals = proposals;
  }

  /**
   * Keeps a vote or proposal of height {@code msgHeight}, ahead of {@code height} whose set is
   * {@code set}: BUFFERED, DUPLICATE, or refused (too far ahead, a stranger, a forgery, a second
   * message for a slot, or no room).
   */
  Verdict offer(long height, ValidatorSet set, long msgHeight, int msgRound, Event event) {
    if (msgHeight > height + config.bufferedHeights()) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE,
          "height "
              + msgHeight
              + " is more than "
              + config.bufferedHeights()
              + " ahead of "
              + height);
    }
    // a coming height starts at round 0: its proposals, like this height's, only up to one round
    // ahead
    int roundsAhead =
        event instanceof Event.ProposalReceived
            ? ConsensusEngine.PROPOSAL_ROUNDS_AHEAD
            : config.maxRoundsAhead();
    if (msgRound > roundsAhead) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE,
          "round " + msgRound + " of coming height " + msgHeight + " is too far ahead");
    }
    Slot slot;
    ByteString signed;
    int size;
    Refusal notMember;
    try {
      if (event instanceof Event.VoteReceived v) {
        slot = new Slot(msgRound, v.vote().getTypeValue(), v.vote().getValidator());
        signed = ByteString.copyFrom(CanonicalBytes.vote(v.vote()));
        size = v.vote().getSerializedSize();
        notMember = votes.member(v.vote(), set);
      } else {
        Proposal p = ((Event.ProposalReceived) event).proposal();
        slot = new Slot(msgRound, 0, p.getProposer());
        signed = ByteString.copyFrom(CanonicalBytes.proposal(p));
        size = p.getSerializedSize();
        notMember = proposals.member(p, set);
      }
    } catch (MalformedException e) {
      return Verdict.refused(ErrorReason.ERROR_REASON_MALFORMED, e.getMessage());
    }
    if (notMember != null) {
      return Verdict.refused(notMember);
    }
    LinkedHashMap<Slot, Buffered> atHeight = byHeight.get(msgHeight);
    Buffered held = atHeight == null ? null : atHeight.get(slot);
    if (held != null && held.event().equals(event)) {
      return Verdict.DUPLICATE;
    }
    ValidatorSet.Member signer = set.member(slot.signer());
    Refusal forged =
        event instanceof Event.VoteReceived v
            ? votes.signature(v.vote(), signer)
            : proposals.signature(((Event.ProposalReceived) event).proposal(), signer);
    if (forged != null) {
      return Verdict.refused(forged);
    }
    if (held != null) {
      if (held.signed().equals(signed)) {
        // the same signed message with other bytes around it (a proposal's body): kept beside the
        // first
        // (up to BODY_COPIES), the sender not blamed: it may be the one with the genuine body
        for (int c = 1; c < BODY_COPIES; c++) {
          Buffered other = atHeight.get(slot.copy(c));
          if (other == null) {
            slot = slot.copy(c);
            held = null;
            break;
          }
          if (other.event().equals(event)) {
            return Verdict.DUPLICATE;
          }
        }
        if (held != null) {
          return Verdict.DUPLICATE; // every copy's place is taken
        }
      } else {
        return Verdict.refused(
            ErrorReason.ERROR_REASON_EQUIVOCATION,
            "a second, different message of one signer for one slot of height " + msgHeight);
      }
    }
    if (atHeight != null && atHeight.size() >= config.maxBufferedPerHeight()) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE,
          "buffer of height " + msgHeight + " is full");
    }
    if (bytes + size > config.maxBufferedBytes()) {
      return Verdict.refused(
          ErrorReason.ERROR_REASON_HEIGHT_OUT_OF_RANGE,
          "buffer of coming heights holds " + bytes + " bytes, limit " + config.maxBufferedBytes());
    }
    byHeight
        .computeIfAbsent(msgHeight, h -> new LinkedHashMap<>())
        .put(slot, new Buffered(event, signed, size));
    bytes += size;
    return Verdict.BUFFERED;
  }

  /**
   * Takes out the messages of {@code height}, in the order they came, and lets go of older
   * heights'.
   */
  List<Event> take(long height) {
    while (!byHeight.isEmpty() && byHeight.firstKey() < height) {
      remove(byHeight.firstKey());
    }
    List<Event> events = new ArrayList<>();
    Map<Slot, Buffered> taken = remove(height);
    if (taken != null) {
      taken.values().forEach(b -> events.add(b.event()));
    }
    return events;
  }

  private Map<Slot, Buffered> remove(long h) {
    LinkedHashMap<Slot, Buffered> removed = byHeight.remove(h);
    if (removed != null) {
      for (Buffered b : removed.values()) {
        bytes -= b.bytes();
      }
    }
    return removed;
  }

  /** How many messages are buffered. */
  int messages() {
    return byHeight.values().stream().mapToInt(Map::size).sum();
  }

  /** Their bytes (serialized). */
  long bytes() {
    return bytes;
  }
}
