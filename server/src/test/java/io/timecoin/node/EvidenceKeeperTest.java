package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.proto.v1.ConflictingVotes;
import io.timecoin.proto.v1.EquivocationEvidence;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import io.timecoin.storage.ChainStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An equivocator's flood: kept once per (height, round), bounded, not evicting others, and the log
 * line rate-limited.
 */
class EvidenceKeeperTest {
  @TempDir Path dir;
  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final Logger logger = Logger.getLogger(EvidenceKeeper.class.getName());
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
            warnings.add(r.getMessage());
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void listen() {
    logger.addHandler(capture);
  }

  @AfterEach
  void stopListening() {
    logger.removeHandler(capture);
  }

  private static ByteString key(int i) {
    byte[] k = new byte[32];
    k[0] = (byte) i;
    k[31] = 1;
    return ByteString.copyFrom(k);
  }

  private static EquivocationEvidence evidence(ByteString validator, long height, int round) {
    Vote first =
        Vote.newBuilder()
            .setType(VoteType.VOTE_TYPE_PREPARE)
            .setHeight(height)
            .setRound(round)
            .setValidator(validator)
            .setBlockHash(key(100))
            .build();
    return EquivocationEvidence.newBuilder()
        .setValidator(validator)
        .setHeight(height)
        .setRound(round)
        .setVotes(
            ConflictingVotes.newBuilder()
                .setFirst(first)
                .setSecond(first.toBuilder().setBlockHash(key(101))))
        .build();
  }

  @Test
  void tenThousandEquivocationsByOneValidatorAreKeptBoundedLoggedOnceAMinuteAndSurviveARestart()
      throws Exception {
    AtomicLong now = new AtomicLong(1_000_000);
    EquivocationEvidence other = evidence(key(2), 3, 0);
    try (ChainStore chain = ChainStore.open(dir)) {
      EvidenceKeeper keeper = new EvidenceKeeper("test", chain, now::get);
      keeper.report(other);
      for (int i = 0; i < 10_000; i++) { // each (h, r) reported twice: relayed by two peers
        EquivocationEvidence e = evidence(key(1), 10 + i / 50, i % 50);
        keeper.report(e);
        keeper.report(e);
        now.addAndGet(1); // 20,000 reports within 10 s
      }
      assertEquals(
          2, warnings.size(), "one line for each validator, not 20,001: " + warnings.size());
      now.addAndGet(EvidenceKeeper.LOG_EVERY_MS);
      keeper.report(evidence(key(1), 999_999, 0));
      assertEquals(3, warnings.size());
      assertTrue(
          warnings.get(2).contains("19999 more reports by it in the last minute not logged"),
          warnings.get(2));
      assertEquals(1 + ChainStore.EVIDENCE_PER_VALIDATOR, keeper.stored());
      assertEquals(
          ChainStore.EVIDENCE_PER_VALIDATOR, keeper.duplicates(), "each stored one reported again");
      assertEquals(20_002, keeper.stored() + keeper.duplicates() + keeper.dropped());
    }
    try (ChainStore chain = ChainStore.open(dir)) { // a restart: ListEvidence reads the store
      List<EquivocationEvidence> all =
          new EvidenceKeeper("test", chain, now::get).page(0, 0, 1_000);
      assertEquals(1 + ChainStore.EVIDENCE_PER_VALIDATOR, all.size());
      assertTrue(all.contains(other), "the other validator's evidence stays");
      assertEquals(
          all.size(),
          all.stream()
              .map(e -> e.getValidator() + "/" + e.getHeight() + "/" + e.getRound())
              .distinct()
              .count(),
          "one record per (validator, height, round)");
    }
  }
}
