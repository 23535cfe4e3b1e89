package io.timecoin.consensus.signer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.types.SignedStep;
import io.timecoin.consensus.types.SignedStep.Kind;
import io.timecoin.consensus.types.Signer;
import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Vote;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordKeepingSignerTest {
  private static final ByteString A =
      ByteString.copyFrom(new byte[31]).concat(ByteString.copyFrom(new byte[] {1}));
  private static final ByteString B =
      ByteString.copyFrom(new byte[31]).concat(ByteString.copyFrom(new byte[] {2}));

  private final Ed25519KeyPair key = Ed25519KeyPair.fromSeed(new byte[32]);

  @Test
  void neverSignsTwoDifferentThingsForOneStepEvenAfterARestart() throws Exception {
    MemorySignerRecordStore disk = new MemorySignerRecordStore();
    Signer signer = new RecordKeepingSigner(key, disk);
    byte[] first = {1};
    ByteString sig = signer.sign(new SignedStep(5, 2, Kind.PREPARE, A), first, null).orElseThrow();
    assertTrue(
        signer.sign(new SignedStep(5, 2, Kind.PREPARE, B), new byte[] {2}, null).isEmpty(),
        "conflicting prepare refused");
    assertEquals(
        sig,
        signer.sign(new SignedStep(5, 2, Kind.PREPARE, A), first, null).orElseThrow(),
        "the same message again is fine");

    Signer restarted = new RecordKeepingSigner(key, disk);
    assertTrue(
        restarted.sign(new SignedStep(5, 2, Kind.PREPARE, B), new byte[] {2}, null).isEmpty(),
        "still refused after a restart");
    assertTrue(
        restarted
            .sign(new SignedStep(5, 1, Kind.PRECOMMIT, Hashes.NIL), new byte[] {3}, null)
            .isEmpty(),
        "an earlier round refused");
    assertTrue(
        restarted.sign(new SignedStep(5, 2, Kind.PRECOMMIT, A), new byte[] {5}, null).isPresent(),
        "the next step is fine");
    assertTrue(
        restarted.sign(new SignedStep(6, 0, Kind.PREPARE, B), new byte[] {6}, null).isPresent(),
        "a new height is fine");
    // behind its own record (it lost its blocks): height 5 is still judged by what it signed there
    assertTrue(
        restarted.sign(new SignedStep(5, 2, Kind.PREPARE, B), new byte[] {2}, null).isEmpty());
    assertTrue(
        restarted.sign(new SignedStep(5, 2, Kind.PRECOMMIT, A), new byte[] {5}, null).isPresent(),
        "the same vote again");
    assertTrue(
        restarted.sign(new SignedStep(4, 9, Kind.PRECOMMIT, A), new byte[] {4}, null).isPresent(),
        "a height where it never signed is fine");
  }

  @Test
  void neverSignsTwoProposalsForOneRoundEvenWithTheSameBlockAndAnotherValidRound()
      throws Exception {
    MemorySignerRecordStore disk = new MemorySignerRecordStore();
    Signer signer = new RecordKeepingSigner(key, disk);
    byte[] reproposal = {1};
    ByteString sig =
        signer.sign(new SignedStep(5, 3, Kind.PROPOSAL, A, 1), reproposal, null).orElseThrow();
    Signer restarted = new RecordKeepingSigner(key, disk);
    assertTrue(
        restarted.sign(new SignedStep(5, 3, Kind.PROPOSAL, A, -1), new byte[] {2}, null).isEmpty(),
        "the same block as a new block: a second proposal of (5, 3)");
    assertTrue(
        restarted.sign(new SignedStep(5, 3, Kind.PROPOSAL, A, 2), new byte[] {3}, null).isEmpty(),
        "the same block with another valid_round");
    assertTrue(
        restarted.sign(new SignedStep(5, 3, Kind.PROPOSAL, B, 1), new byte[] {4}, null).isEmpty(),
        "another block");
    assertEquals(
        sig,
        restarted.sign(new SignedStep(5, 3, Kind.PROPOSAL, A, 1), reproposal, null).orElseThrow(),
        "the very same proposal may be sent again");
  }

  @Test
  void theRecordIsSavedBeforeTheSignatureExistsAndKeepsTheLock() throws Exception {
    MemorySignerRecordStore disk = new MemorySignerRecordStore();
    RecordKeepingSigner signer = new RecordKeepingSigner(key, disk);
    signer.sign(new SignedStep(7, 0, Kind.PREPARE, A), new byte[] {1}, null);
    assertEquals(1, disk.saves());
    Signer.Lock lock =
        new Signer.Lock(0, Proposal.getDefaultInstance(), List.of(Vote.getDefaultInstance()));
    signer.sign(new SignedStep(7, 0, Kind.PRECOMMIT, A), new byte[] {2}, lock);
    signer.sign(new SignedStep(7, 1, Kind.PREPARE, Hashes.NIL), new byte[] {3}, null);
    assertEquals(3, disk.saves());
    Signer restarted = new RecordKeepingSigner(key, disk);
    assertEquals(
        lock,
        restarted.lockAt(7).orElseThrow(),
        "the lock of height 7 survives, with its block and proof");
    assertTrue(restarted.lockAt(8).isEmpty());
    assertEquals(
        List.of(
            new SignedStep(7, 0, Kind.PREPARE, A),
            new SignedStep(7, 0, Kind.PRECOMMIT, A),
            new SignedStep(7, 1, Kind.PREPARE, Hashes.NIL)),
        restarted.signedAt(7));
    // a new height starts a new list, without a lock
    restarted.sign(new SignedStep(8, 0, Kind.PREPARE, B), new byte[] {4}, null);
    assertTrue(restarted.lockAt(8).isEmpty());
    assertEquals(1, restarted.signedAt(8).size());
    assertEquals(lock, restarted.lockAt(7).orElseThrow(), "height 7's lock is kept beside it");
  }

  @Test
  void onlyTheLatestHeightsAreKeptAndOlderOnesAreRefused() throws Exception {
    MemorySignerRecordStore disk = new MemorySignerRecordStore();
    Signer signer = new RecordKeepingSigner(key, disk);
    for (long h = 1; h <= SignerRecord.KEPT_HEIGHTS + 1; h++) {
      signer.sign(new SignedStep(h, 0, Kind.PREPARE, A), new byte[] {(byte) h}, null);
    }
    assertTrue(signer.signedAt(1).isEmpty(), "height 1 was forgotten");
    assertTrue(
        signer.sign(new SignedStep(1, 0, Kind.PREPARE, A), new byte[] {1}, null).isEmpty(),
        "a forgotten height is refused: what was signed there is no longer known");
    assertTrue(
        signer.sign(new SignedStep(2, 0, Kind.PREPARE, A), new byte[] {2}, null).isPresent());
  }
}
