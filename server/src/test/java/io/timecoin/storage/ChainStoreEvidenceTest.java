package io.timecoin.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.ConflictingProposals;
import io.timecoin.proto.v1.ConflictingVotes;
import io.timecoin.proto.v1.EquivocationEvidence;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Equivocation evidence in the chain store: durable, one record per (validator, height, round,
 * kind), bounded.
 */
class ChainStoreEvidenceTest {
  @TempDir Path dir;

  static ByteString validator(int i) {
    return ChainStoreTest.hash(7_000 + i);
  }

  static EquivocationEvidence votes(ByteString validator, long height, int round, VoteType type) {
    Vote first =
        Vote.newBuilder()
            .setType(type)
            .setHeight(height)
            .setRound(round)
            .setValidator(validator)
            .setBlockHash(ChainStoreTest.hash(1))
            .build();
    return EquivocationEvidence.newBuilder()
        .setValidator(validator)
        .setHeight(height)
        .setRound(round)
        .setVotes(
            ConflictingVotes.newBuilder()
                .setFirst(first)
                .setSecond(first.toBuilder().setBlockHash(ChainStoreTest.hash(2))))
        .build();
  }

  static EquivocationEvidence proposals(ByteString validator, long height, int round) {
    Proposal first =
        Proposal.newBuilder().setHeight(height).setRound(round).setProposer(validator).build();
    return EquivocationEvidence.newBuilder()
        .setValidator(validator)
        .setHeight(height)
        .setRound(round)
        .setProposals(
            ConflictingProposals.newBuilder()
                .setFirst(first)
                .setSecond(first.toBuilder().setValidRound(1)))
        .build();
  }

  @Test
  void evidenceSurvivesReopeningTheStoreInHeightOrder() throws Exception {
    List<EquivocationEvidence> stored =
        List.of(
            votes(validator(1), 9, 0, VoteType.VOTE_TYPE_PREPARE),
            proposals(validator(2), 3, 1),
            votes(validator(1), 9, 0, VoteType.VOTE_TYPE_PRECOMMIT));
    try (ChainStore store = ChainStore.open(dir)) {
      for (EquivocationEvidence e : stored) {
        assertEquals(ChainStore.EvidenceOutcome.STORED, store.putEvidence(e));
      }
    } // closed without a synced block write: close writes the log out
    try (ChainStore store = ChainStore.open(dir)) {
      assertEquals(3, store.evidenceCount());
      assertEquals(List.of(stored.get(1), stored.get(0), stored.get(2)), store.evidence(0, 0, 100));
      assertEquals(List.of(stored.get(0), stored.get(2)), store.evidence(4, 0, 100));
      assertEquals(List.of(stored.get(2)), store.evidence(0, 2, 100));
      assertEquals(
          List.of(), store.evidence(Long.MIN_VALUE, 0, 100), "from 2^63 (unsigned): nothing");
      // after reopening, the same record is still known: not stored twice
      assertEquals(ChainStore.EvidenceOutcome.DUPLICATE, store.putEvidence(stored.get(0)));
    }
  }

  @Test
  void oneEquivocatorGetsOneRecordPerHeightRoundAndKindBoundedAndCannotEvictOthers()
      throws Exception {
    try (ChainStore store = ChainStore.open(dir)) {
      EquivocationEvidence honestOnesFault = proposals(validator(2), 5, 0);
      store.putEvidence(honestOnesFault);
      int stored = 0;
      for (int i = 0; i < 10_000; i++) { // every message of the flood twice, over ever new rounds
        EquivocationEvidence e =
            votes(validator(1), 10 + i / 100, i % 100, VoteType.VOTE_TYPE_PREPARE);
        if (store.putEvidence(e) == ChainStore.EvidenceOutcome.STORED) {
          stored++;
        }
        assertTrue(
            store.putEvidence(e) != ChainStore.EvidenceOutcome.STORED,
            "a duplicate is never stored");
      }
      assertEquals(ChainStore.EVIDENCE_PER_VALIDATOR, stored);
      assertEquals(ChainStore.EVIDENCE_PER_VALIDATOR + 1, store.evidenceCount());
      List<EquivocationEvidence> all = store.evidence(0, 0, 100_000);
      assertEquals(ChainStore.EVIDENCE_PER_VALIDATOR + 1, all.size());
      assertTrue(all.contains(honestOnesFault), "another validator's evidence stays");
      assertEquals(
          all.size(),
          all.stream()
              .map(e -> e.getValidator() + "/" + e.getHeight() + "/" + e.getRound())
              .distinct()
              .count());
    }
  }

  @Test
  void atTheTotalBoundTheValidatorWithTheMostRecordsGivesUpItsOldest() throws Exception {
    try (ChainStore store = ChainStore.open(dir)) {
      int perValidator = ChainStore.EVIDENCE_PER_VALIDATOR;
      int validators = ChainStore.EVIDENCE_TOTAL / perValidator; // fill the store exactly
      for (int v = 0; v < validators; v++) {
        for (int r = 0; r < (v == 0 ? perValidator : perValidator - 1); r++) {
          store.putEvidence(votes(validator(v), 100 + v, r, VoteType.VOTE_TYPE_PRECOMMIT));
        }
      }
      int count = store.evidenceCount();
      assertEquals(ChainStore.EVIDENCE_TOTAL - validators + 1, count);
      for (int v = validators; store.evidenceCount() < ChainStore.EVIDENCE_TOTAL; v++) {
        store.putEvidence(proposals(validator(v), 1, 0));
      }
      // full: a new validator's first fault goes in, validator 0 (the most records) loses its
      // oldest
      EquivocationEvidence newcomer = proposals(validator(99_999), 50_000, 0);
      assertEquals(ChainStore.EvidenceOutcome.STORED, store.putEvidence(newcomer));
      assertEquals(ChainStore.EVIDENCE_TOTAL, store.evidenceCount());
      List<EquivocationEvidence> all = store.evidence(0, 0, 100_000);
      assertTrue(all.contains(newcomer));
      assertEquals(
          perValidator - 1,
          all.stream().filter(e -> e.getValidator().equals(validator(0))).count());
      assertTrue(
          !all.contains(votes(validator(0), 100, 0, VoteType.VOTE_TYPE_PRECOMMIT)),
          "its oldest went");
    }
  }
}
