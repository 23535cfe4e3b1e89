package io.timecoin.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.canonical.Hashes;
import io.timecoin.consensus.signer.SignerRecord;
import io.timecoin.consensus.types.SignedStep;
import io.timecoin.consensus.types.SignedStep.Kind;
import io.timecoin.consensus.types.Signer;
import io.timecoin.proto.v1.Block;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Vote;
import io.timecoin.proto.v1.VoteType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSignerRecordStoreTest {
  private static final String CHAIN = "timecoin-storage-test";

  @TempDir Path dir;

  @Test
  void aMissingRecordIsAnErrorNotAnEmptyRecord() throws IOException {
    FileSignerRecordStore.MissingSignerRecord e =
        assertThrows(
            FileSignerRecordStore.MissingSignerRecord.class,
            () -> new FileSignerRecordStore(dir.resolve("fresh")).load());
    assertTrue(e.getMessage().contains("is missing. Refusing to start"), e.getMessage());
    // a record lost after signing: the same
    FileSignerRecordStore store = FileSignerRecordStore.createNew(dir);
    store.save(recordWithLock());
    Files.delete(store.file());
    assertThrows(
        FileSignerRecordStore.MissingSignerRecord.class,
        () -> new FileSignerRecordStore(dir).load());
  }

  @Test
  void createNewBeginsTheEmptyRecordAndNeverReplacesOne() throws IOException {
    assertEquals(SignerRecord.EMPTY, FileSignerRecordStore.createNew(dir.resolve("fresh")).load());
    new FileSignerRecordStore(dir).save(recordWithLock());
    IOException e = assertThrows(IOException.class, () -> FileSignerRecordStore.createNew(dir));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    assertEquals(
        recordWithLock(), new FileSignerRecordStore(dir).load(), "the record is untouched");
  }

  @Test
  void keepsEachProposalsValidRound() throws IOException {
    ByteString hash = ChainStoreTest.hash(1);
    SignerRecord record =
        new SignerRecord(List.of(), 0)
            .after(new SignedStep(9, 1, Kind.PROPOSAL, hash, 0), null)
            .after(new SignedStep(9, 2, Kind.PROPOSAL, hash, -1), null);
    new FileSignerRecordStore(dir).save(record);
    SignerRecord loaded = new FileSignerRecordStore(dir).load();
    assertEquals(record, loaded);
    assertTrue(
        loaded.allows(new SignedStep(9, 2, Kind.PROPOSAL, hash, -1)), "the same proposal again");
    assertFalse(
        loaded.allows(new SignedStep(9, 2, Kind.PROPOSAL, hash, 1)),
        "another valid_round for (9, 2)");
  }

  @Test
  void aVersion2RecordsProposalsAreNeverSignedAgain() throws IOException {
    SignerRecord record = recordWithLock();
    Files.write(dir.resolve("signer-record"), version1(record, 2));
    SignerRecord loaded = new FileSignerRecordStore(dir).load();
    assertEquals(withUnknownValidRounds(record), loaded);
    assertFalse(
        loaded.allows(new SignedStep(7, 0, Kind.PROPOSAL, ChainStoreTest.hash(1))),
        "version 2 did not keep valid_round: no proposal of (7, 0) matches what was signed");
    new FileSignerRecordStore(dir).save(loaded);
    assertEquals(loaded, new FileSignerRecordStore(dir).load(), "and version 3 keeps it unknown");
  }

  /** {@code record} as read from a version 1 or 2 file: its proposals' valid rounds unknown. */
  private static SignerRecord withUnknownValidRounds(SignerRecord record) {
    List<SignerRecord.Height> heights = new ArrayList<>();
    for (SignerRecord.Height h : record.heights()) {
      heights.add(
          new SignerRecord.Height(
              h.height(),
              h.signed().stream()
                  .map(
                      s ->
                          s.kind() != Kind.PROPOSAL
                              ? s
                              : new SignedStep(
                                  s.height(),
                                  s.round(),
                                  s.kind(),
                                  s.blockHash(),
                                  SignedStep.UNKNOWN_VALID_ROUND))
                  .toList(),
              h.lock()));
    }
    return new SignerRecord(heights, record.forgottenBelow());
  }

  @Test
  void savesAndLoadsTheEmptyRecord() throws IOException {
    FileSignerRecordStore store = new FileSignerRecordStore(dir);
    store.save(SignerRecord.EMPTY);
    assertEquals(SignerRecord.EMPTY, new FileSignerRecordStore(dir).load());
  }

  @Test
  void savesAndLoadsHeightsStepsAndALock() throws IOException {
    SignerRecord record = recordWithLock();
    FileSignerRecordStore store = new FileSignerRecordStore(dir);
    store.save(record);
    assertTrue(Files.isRegularFile(dir.resolve("signer-record")));
    assertFalse(Files.exists(dir.resolve("signer-record.tmp")));

    SignerRecord loaded = new FileSignerRecordStore(dir).load();
    assertEquals(record, loaded);
    assertEquals(2, loaded.heights().size());
    assertEquals(3, loaded.at(7).lock().proof().size());
    // a small lock stays inside the record
    assertTrue(
        contains(dir.resolve("signer-record"), record.at(7).lock().proposal().toByteArray()));
    assertFalse(Files.exists(dir.resolve("signer-lock-7-1")));

    // a later save replaces the record
    SignerRecord later = record.after(new SignedStep(9, 0, Kind.PREPARE, Hashes.NIL), null);
    store.save(later);
    assertEquals(later, store.load());
    assertFalse(Files.exists(dir.resolve("signer-record.tmp")));
  }

  @Test
  void anyFlippedByteMakesLoadFail() throws IOException {
    FileSignerRecordStore store = new FileSignerRecordStore(dir);
    store.save(recordWithLock());
    Path file = dir.resolve("signer-record");
    byte[] good = Files.readAllBytes(file);
    for (int i = 0; i < good.length; i++) {
      byte[] bad = good.clone();
      bad[i] ^= 0x10;
      Files.write(file, bad);
      IOException e = assertThrows(IOException.class, store::load, "flipped byte " + i);
      assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }
    Files.write(file, good);
    assertEquals(recordWithLock(), store.load());
  }

  @Test
  void aTruncatedOrForeignOrFutureFileMakesLoadFail() throws IOException {
    FileSignerRecordStore store = new FileSignerRecordStore(dir);
    Path file = dir.resolve("signer-record");
    store.save(recordWithLock());
    byte[] good = Files.readAllBytes(file);

    Files.write(file, java.util.Arrays.copyOf(good, good.length - 1));
    assertThrows(IOException.class, store::load);

    Files.write(file, new byte[0]);
    assertThrows(IOException.class, store::load);

    Files.write(file, "not a record at all".getBytes());
    assertTrue(assertThrows(IOException.class, store::load).getMessage().contains("TIMESIG1"));

    byte[] future = good.clone();
    future[8] = 4; // the version byte, with a checksum that matches
    Files.write(file, withCrc(future));
    assertTrue(assertThrows(IOException.class, store::load).getMessage().contains("version 4"));
  }

  @Test
  void aLargeLockIsWrittenOnceToAFileOfItsOwnAndDeletedWithItsHeight() throws IOException {
    FileSignerRecordStore store = new FileSignerRecordStore(dir, 0); // every lock is large
    SignerRecord record = recordWithLock();
    store.save(record);
    // the record, rewritten for every vote, does not carry the block
    Path lockFile = dir.resolve("signer-lock-7-1");
    byte[] proposal = record.at(7).lock().proposal().toByteArray();
    assertTrue(contains(lockFile, proposal));
    assertFalse(contains(dir.resolve("signer-record"), proposal));
    assertEquals(record, new FileSignerRecordStore(dir).load());
    Object written = Files.readAttributes(lockFile, BasicFileAttributes.class).fileKey();

    // later votes keep the lock: its file is not written again (a rewrite would be a new inode)
    for (int round = 0; round < 3; round++) {
      record = record.after(new SignedStep(8, round, Kind.PRECOMMIT, Hashes.NIL), null);
      store.save(record);
      assertEquals(written, Files.readAttributes(lockFile, BasicFileAttributes.class).fileKey());
    }
    // so is a store that loaded it
    FileSignerRecordStore restarted = new FileSignerRecordStore(dir, 0);
    record = restarted.load().after(new SignedStep(8, 3, Kind.PREPARE, Hashes.NIL), null);
    restarted.save(record);
    assertEquals(written, Files.readAttributes(lockFile, BasicFileAttributes.class).fileKey());

    // height 7 forgotten: its lock file goes
    for (long h = 9; h <= 11; h++) {
      record = record.after(new SignedStep(h, 0, Kind.PREPARE, Hashes.NIL), null);
      restarted.save(record);
    }
    assertEquals(8, record.forgottenBelow());
    assertFalse(Files.exists(lockFile));
    assertEquals(record, new FileSignerRecordStore(dir).load());
  }

  @Test
  void aMissingOrDamagedLockFileMakesLoadFail() throws IOException {
    FileSignerRecordStore store = new FileSignerRecordStore(dir, 0);
    store.save(recordWithLock());
    Path lockFile = dir.resolve("signer-lock-7-1");
    byte[] good = Files.readAllBytes(lockFile);

    byte[] bad = good.clone();
    bad[bad.length / 2] ^= 0x01;
    Files.write(lockFile, bad);
    String damaged = assertThrows(IOException.class, store::load).getMessage();
    assertTrue(damaged.contains(lockFile.toString()) && damaged.contains("damaged"), damaged);

    Files.delete(lockFile);
    String missing = assertThrows(IOException.class, store::load).getMessage();
    assertTrue(missing.contains(lockFile.toString()) && missing.contains("missing"), missing);

    Files.write(lockFile, good);
    assertEquals(recordWithLock(), store.load());
  }

  @Test
  void readsAVersion1RecordWithItsLocksInside() throws IOException {
    SignerRecord record = recordWithLock();
    Path file = dir.resolve("signer-record");
    Files.write(file, version1(record, 1));
    FileSignerRecordStore store = new FileSignerRecordStore(dir, 0);
    assertEquals(withUnknownValidRounds(record), store.load());

    // the next save writes version 3, with the lock's file
    SignerRecord next =
        withUnknownValidRounds(record).after(new SignedStep(8, 1, Kind.PREPARE, Hashes.NIL), null);
    store.save(next);
    assertEquals(3, Files.readAllBytes(file)[8]);
    assertTrue(Files.exists(dir.resolve("signer-lock-7-1")));
    assertEquals(next, new FileSignerRecordStore(dir).load());
  }

  private static boolean contains(Path file, byte[] part) throws IOException {
    return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)
        .contains(new String(part, StandardCharsets.ISO_8859_1));
  }

  /**
   * The bytes version 1 wrote (and version 2, with locks inside): each lock's proposal and proof
   * inside the record.
   */
  private static byte[] version1(SignerRecord record, int version) throws IOException {
    java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(buffer);
    out.write("TIMESIG1".getBytes(StandardCharsets.US_ASCII));
    out.writeByte(version);
    out.writeLong(record.forgottenBelow());
    out.writeInt(record.heights().size());
    for (SignerRecord.Height h : record.heights()) {
      out.writeLong(h.height());
      out.writeInt(h.signed().size());
      for (SignedStep step : h.signed()) {
        out.writeInt(step.round());
        out.writeByte(step.kind().ordinal());
        step.blockHash().writeTo(out);
      }
      out.writeByte(h.lock() == null ? 0 : 1);
      if (h.lock() != null) {
        out.writeInt(h.lock().round());
        byte[] proposal = h.lock().proposal().toByteArray();
        out.writeInt(proposal.length);
        out.write(proposal);
        out.writeInt(h.lock().proof().size());
        for (Vote v : h.lock().proof()) {
          byte[] vote = v.toByteArray();
          out.writeInt(vote.length);
          out.write(vote);
        }
      }
    }
    out.writeInt(0); // the checksum's place
    return withCrc(buffer.toByteArray());
  }

  /** {@code bytes} with their last four set to the CRC-32 of the ones before. */
  private static byte[] withCrc(byte[] bytes) {
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, bytes.length - 4);
    ByteBuffer.wrap(bytes, bytes.length - 4, 4).putInt((int) crc.getValue());
    return bytes;
  }

  @Test
  void aLeftoverTemporaryFileIsIgnored() throws IOException {
    FileSignerRecordStore store = FileSignerRecordStore.createNew(dir);
    Path tmp = dir.resolve("signer-record.tmp");
    Files.write(tmp, "half a save".getBytes());
    assertEquals(SignerRecord.EMPTY, store.load());

    SignerRecord record = recordWithLock();
    store.save(record);
    Files.write(tmp, "another half save".getBytes());
    assertEquals(record, new FileSignerRecordStore(dir).load());

    store.save(SignerRecord.EMPTY);
    assertFalse(Files.exists(tmp));
    assertEquals(SignerRecord.EMPTY, store.load());
  }

  /**
   * Height 7: proposal, prepare and precommit of round 0, then a precommit of round 1 taking a lock
   * with its proposal and three prepares; height 8: a nil prepare. Height 6 was forgotten.
   */
  static SignerRecord recordWithLock() {
    Block block = ChainStoreTest.chain(CHAIN, 7).get(7);
    ByteString blockHash = Hashes.block(block.getHeader());
    Proposal proposal =
        Proposal.newBuilder()
            .setChainId(CHAIN)
            .setHeight(7)
            .setRound(1)
            .setValidRound(-1)
            .setBlock(block)
            .setProposer(ChainStoreTest.hash(4001))
            .setSignature(ChainStoreTest.hash(11).concat(ChainStoreTest.hash(12)))
            .build();
    List<Vote> proof = new ArrayList<>();
    for (int v = 0; v < 3; v++) {
      proof.add(
          Vote.newBuilder()
              .setChainId(CHAIN)
              .setType(VoteType.VOTE_TYPE_PREPARE)
              .setHeight(7)
              .setRound(1)
              .setBlockHash(blockHash)
              .setValidator(ChainStoreTest.hash(4000 + v))
              .setSignature(ChainStoreTest.hash(20 + v).concat(ChainStoreTest.hash(30 + v)))
              .build());
    }
    SignerRecord record =
        new SignerRecord(List.of(), 6)
            .after(new SignedStep(7, 0, Kind.PROPOSAL, ChainStoreTest.hash(1)), null)
            .after(new SignedStep(7, 0, Kind.PREPARE, ChainStoreTest.hash(1)), null)
            .after(new SignedStep(7, 0, Kind.PRECOMMIT, Hashes.NIL), null)
            .after(
                new SignedStep(7, 1, Kind.PRECOMMIT, blockHash),
                new Signer.Lock(1, proposal, proof))
            .after(new SignedStep(8, 0, Kind.PREPARE, Hashes.NIL), null);
    assertEquals(2, record.heights().size());
    return record;
  }
}
