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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSignerRecordStoreTest {
  private static final String CHAIN = "timecoin-storage-test";

  @TempDir Path dir;

  @Test
  void aMissingFileLoadsAsTheEmptyRecord() throws IOException {
    assertEquals(SignerRecord.EMPTY, new FileSignerRecordStore(dir.resolve("fresh")).load());
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
    future[8] = 2; // the version byte, with a checksum that matches
    CRC32 crc = new CRC32();
    crc.update(future, 0, future.length - 4);
    ByteBuffer.wrap(future, future.length - 4, 4).putInt((int) crc.getValue());
    Files.write(file, future);
    assertTrue(assertThrows(IOException.class, store::load).getMessage().contains("version 2"));
  }

  @Test
  void aLeftoverTemporaryFileIsIgnored() throws IOException {
    FileSignerRecordStore store = new FileSignerRecordStore(dir);
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
    Proposal proposal = Proposal.newBuilder()
        .setChainId(CHAIN).setHeight(7).setRound(1).setValidRound(-1)
        .setBlock(block)
        .setProposer(ChainStoreTest.hash(4001))
        .setSignature(ChainStoreTest.hash(11).concat(ChainStoreTest.hash(12)))
        .build();
    List<Vote> proof = new ArrayList<>();
    for (int v = 0; v < 3; v++) {
      proof.add(Vote.newBuilder()
          .setChainId(CHAIN).setType(VoteType.VOTE_TYPE_PREPARE).setHeight(7).setRound(1)
          .setBlockHash(blockHash)
          .setValidator(ChainStoreTest.hash(4000 + v))
          .setSignature(ChainStoreTest.hash(20 + v).concat(ChainStoreTest.hash(30 + v)))
          .build());
    }
    SignerRecord record = new SignerRecord(List.of(), 6)
        .after(new SignedStep(7, 0, Kind.PROPOSAL, ChainStoreTest.hash(1)), null)
        .after(new SignedStep(7, 0, Kind.PREPARE, ChainStoreTest.hash(1)), null)
        .after(new SignedStep(7, 0, Kind.PRECOMMIT, Hashes.NIL), null)
        .after(new SignedStep(7, 1, Kind.PRECOMMIT, blockHash), new Signer.Lock(1, proposal, proof))
        .after(new SignedStep(8, 0, Kind.PREPARE, Hashes.NIL), null);
    assertEquals(2, record.heights().size());
    return record;
  }
}
