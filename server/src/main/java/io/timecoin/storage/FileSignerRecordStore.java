package io.timecoin.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.timecoin.consensus.signer.SignerRecord;
import io.timecoin.consensus.signer.SignerRecordStore;
import io.timecoin.consensus.types.SignedStep;
import io.timecoin.consensus.types.Signer;
import io.timecoin.crypto.Sha256;
import io.timecoin.proto.v1.Proposal;
import io.timecoin.proto.v1.Vote;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Logger;
import java.util.zip.CRC32;

/**
 * Keeps the never-sign-twice record (docs/protocol.md 5.6) in the file {@code signer-record} of a
 * directory. {@link #save} writes {@code signer-record.tmp}, fsyncs it, renames it atomically over
 * {@code signer-record} and fsyncs the directory, so after a crash the file holds either the old
 * record or the new one, whole. A leftover {@code signer-record.tmp} is a save that did not finish;
 * its record was never reported saved, so nothing was signed on it, and it is ignored.
 *
 * <p>A lock's proposal carries its whole block. A small one stays inside the record; a larger one
 * (over {@value #INLINE_LOCK_BYTES} bytes) goes to a file of its own, {@code
 * signer-lock-<height>-<round>}, written the same way once, when it is taken, and the record keeps
 * the file's SHA-256. The record is rewritten and fsynced for every vote: with every lock inside
 * it, a validator under load rewrote every block it was locked on (up to four) for each vote it
 * signed; with every lock in a file, an idle one paid a second fsync per height (p50 latency 4.3 ->
 * 5.2 ms). Lock files no record names any more are deleted after a save.
 *
 * <p>The file exists from the start: {@link #createNew} writes the empty record when a home is made
 * ({@code timed init}), and a missing file is an error ({@link MissingSignerRecord}), never an
 * empty record: a validator whose record was lost could otherwise sign again what it signed before.
 *
 * <p>File layout, version 3 (big-endian, as {@link DataOutputStream} writes):
 *
 * <pre>
 *   magic            8 bytes   ASCII "TIMESIG1"
 *   version          u8        3
 *   forgotten_below  u64       SignerRecord.forgottenBelow
 *   height_count     u32
 *   per height, ascending:
 *     height         u64
 *     step_count     u32       at least 1
 *     per step, in signing order:
 *       round        u32
 *       kind         u8        SignedStep.Kind ordinal: 0 PROPOSAL, 1 PREPARE, 2 PRECOMMIT
 *       block_hash   32 bytes  (nil = 32 zero bytes)
 *       valid_round  i32       a proposal's valid_round (-1 for a new block and for every vote;
 *                              -2^31 for a proposal recorded by version 1 or 2, which did not keep it)
 *     lock           u8        0 none, 1 inside the record, 2 in a file
 *     if 1 or 2:
 *       lock_round   u32
 *     if 1:
 *       proposal     u32 length, then the Proposal protobuf bytes
 *       proof_count  u32
 *       per vote:    u32 length, then the Vote protobuf bytes
 *     if 2:
 *       lock_sha256  32 bytes  SHA-256 of the file signer-lock-<height>-<lock_round>, which holds
 *                              what follows lock_round when the lock is inside (proposal, proofs)
 *   crc32            u32       CRC-32 (java.util.zip.CRC32) of every byte before it
 * </pre>
 *
 * Version 2, which {@link #load} still reads, is version 3 without valid_round; version 1 is
 * version 2 without lock files. Their proposals load with {@link SignedStep#UNKNOWN_VALID_ROUND},
 * so no proposal is signed again at their (height, round). The magic and the trailing CRC stay
 * where they are in any later version, so any version's file can be recognised and checked before
 * its version is read.
 *
 * <p>A file that is present but cannot be read back exactly is an error, never an empty record: a
 * validator that signed without its record could sign twice.
 */
public final class FileSignerRecordStore implements SignerRecordStore {
  /** The record's file name inside the directory. */
  public static final String FILE_NAME = "signer-record";

  private static final byte[] MAGIC = "TIMESIG1".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 3;
  private static final int VERSION_WITHOUT_VALID_ROUNDS = 2;
  private static final int VERSION_WITHOUT_LOCK_FILES = 1;
  private static final String LOCK_FILE_PREFIX = "signer-lock-";

  /** A lock encoded in at most this many bytes stays inside the record. */
  static final int INLINE_LOCK_BYTES = 16 * 1024;

  private static final int LOCK_NONE = 0;
  private static final int LOCK_INSIDE = 1;
  private static final int LOCK_IN_FILE = 2;
  private static final int HASH_BYTES = 32;
  private static final int HEADER_BYTES = MAGIC.length + 1; // magic, version
  private static final int CRC_BYTES = 4;
  private static final Logger LOG = Logger.getLogger(FileSignerRecordStore.class.getName());
  private static final SignedStep.Kind[] KINDS = SignedStep.Kind.values();

  private final Path dir;
  private final Path file;
  private final Path tmp;
  private final int inlineLockBytes;

  /**
   * The locks of the last record saved or loaded, by identity, as stored: each encoded or written
   * once.
   */
  private Map<Signer.Lock, StoredLock> storedLocks = new IdentityHashMap<>();

  /**
   * The lock files the last record saved names; null until a save, which then deletes any others.
   */
  private Set<String> lockFiles;

  /** How a lock is kept: its bytes inside the record, or its file's SHA-256. */
  record StoredLock(boolean inFile, byte[] bytes) {}

  /** A store in {@code dir}, which is created if missing. */
  public FileSignerRecordStore(Path dir) throws IOException {
    this(dir, INLINE_LOCK_BYTES);
  }

  /** As {@link #FileSignerRecordStore(Path)}, with locks over {@code inlineLockBytes} in files. */
  FileSignerRecordStore(Path dir, int inlineLockBytes) throws IOException {
    this.inlineLockBytes = inlineLockBytes;
    this.dir = dir;
    this.file = dir.resolve(FILE_NAME);
    this.tmp = dir.resolve(FILE_NAME + ".tmp");
    Files.createDirectories(dir);
  }

  /**
   * Makes the record of a new validator home: the empty record, saved in {@code dir}. Refused when
   * {@code dir} already holds a record: that record says what this key signed.
   */
  public static FileSignerRecordStore createNew(Path dir) throws IOException {
    FileSignerRecordStore store = new FileSignerRecordStore(dir);
    if (Files.exists(store.file)) {
      throw new IOException(
          "The signer record "
              + store.file
              + " already exists; a new record would forget what this"
              + " validator signed. Leave it in place.");
    }
    store.save(SignerRecord.EMPTY);
    return store;
  }

  /** The record file's path. */
  public Path file() {
    return file;
  }

  @Override
  public synchronized SignerRecord load() throws IOException {
    // a leftover signer-record.tmp is left alone: the next save overwrites it
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new MissingSignerRecord(file);
    } catch (IOException e) {
      throw unusable("cannot be read (" + e + ")", e);
    }
    try {
      Map<Signer.Lock, StoredLock> inFiles =
          new IdentityHashMap<>(); // those inside are encoded again at the next save
      SignerRecord record =
          decode(
              bytes,
              (height, round, sha256) -> {
                Signer.Lock lock = readLockFile(height, round, sha256);
                inFiles.put(lock, new StoredLock(true, sha256));
                return lock;
              });
      storedLocks = inFiles;
      return record;
    } catch (EOFException e) {
      throw unusable("is truncated", e);
    } catch (CorruptRecord e) {
      throw unusable(e.getMessage(), e);
    }
  }

  @Override
  public synchronized void save(SignerRecord record) throws IOException {
    Map<Signer.Lock, StoredLock> stored = new IdentityHashMap<>();
    Set<String> names = new HashSet<>();
    for (SignerRecord.Height h : record.heights()) {
      Signer.Lock lock = h.lock();
      if (lock == null) {
        continue;
      }
      StoredLock s = storedLocks.get(lock);
      if (s == null) { // a lock taken since the last save
        byte[] bytes = encodeLock(lock);
        if (bytes.length <= inlineLockBytes) {
          s = new StoredLock(false, bytes);
        } else {
          writeDurably(lockFile(h.height(), lock.round()), bytes);
          syncDirectory(); // the lock file is there, under its name, before any record names it
          s = new StoredLock(true, Sha256.hash(bytes));
        }
      }
      stored.put(lock, s);
      if (s.inFile()) {
        names.add(lockFileName(h.height(), lock.round()));
      }
    }
    writeDurably(file, encode(record, stored::get));
    syncDirectory(); // the rename itself is durable only once the directory is synced
    storedLocks = stored;
    if (!names.equals(lockFiles)) {
      try {
        deleteLockFilesBut(names);
        lockFiles = names;
      } catch (
          IOException
              e) { // the record is saved: a stale lock file costs only its space, tried again next
        // time
        LOG.warning(() -> "cannot delete old lock files in " + dir + ": " + e);
      }
    }
  }

  /**
   * Writes {@code target} through a fsynced temporary file renamed over it: old contents or new,
   * whole.
   */
  private void writeDurably(Path target, byte[] bytes) throws IOException {
    try (FileChannel channel =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true); // the new contents are on disk before they take the name
    }
    // rename(2): readers and crashes see the old file or the new one, never a mix
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private void syncDirectory() throws IOException {
    try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
      directory.force(true);
    }
  }

  /** Lock files of heights the record no longer keeps (or of a save that did not finish) go. */
  private void deleteLockFilesBut(Set<String> kept) throws IOException {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, LOCK_FILE_PREFIX + "*")) {
      for (Path f : files) {
        if (!kept.contains(f.getFileName().toString())) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  private Path lockFile(long height, int round) {
    return dir.resolve(lockFileName(height, round));
  }

  private static String lockFileName(long height, int round) {
    return LOCK_FILE_PREFIX + height + "-" + round;
  }

  /** The record's bytes; {@code locks} tells how each lock is kept. */
  static byte[] encode(SignerRecord record, Function<Signer.Lock, StoredLock> locks)
      throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(buffer);
    out.write(MAGIC);
    out.writeByte(VERSION);
    out.writeLong(record.forgottenBelow());
    out.writeInt(record.heights().size());
    for (SignerRecord.Height height : record.heights()) {
      out.writeLong(height.height());
      out.writeInt(height.signed().size());
      for (SignedStep step : height.signed()) {
        // the layout keeps a step's height once, with its height's entry
        if (step.height() != height.height() || step.blockHash().size() != HASH_BYTES) {
          throw new IllegalArgumentException(
              "step "
                  + step
                  + " does not fit height "
                  + height.height()
                  + " with a 32-byte block hash");
        }
        out.writeInt(step.round());
        out.writeByte(step.kind().ordinal());
        step.blockHash().writeTo(out);
        out.writeInt(step.validRound());
      }
      Signer.Lock lock = height.lock();
      if (lock == null) {
        out.writeByte(LOCK_NONE);
      } else {
        StoredLock s = locks.apply(lock);
        out.writeByte(s.inFile() ? LOCK_IN_FILE : LOCK_INSIDE);
        out.writeInt(lock.round());
        out.write(s.bytes());
      }
    }
    out.flush();
    CRC32 crc = new CRC32();
    crc.update(buffer.toByteArray());
    out.writeInt((int) crc.getValue());
    out.flush();
    return buffer.toByteArray();
  }

  /**
   * Reads the lock at {@code height} of {@code round} from its file, whose SHA-256 the record
   * holds.
   */
  interface LockFiles {
    Signer.Lock read(long height, int round, byte[] sha256) throws IOException;
  }

  /**
   * A lock's bytes (inside the record or in its file): its proposal, then the prepares that prove
   * it.
   */
  static byte[] encodeLock(Signer.Lock lock) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(buffer);
    writeBytes(out, lock.proposal().toByteArray());
    out.writeInt(lock.proof().size());
    for (Vote vote : lock.proof()) {
      writeBytes(out, vote.toByteArray());
    }
    out.flush();
    return buffer.toByteArray();
  }

  static SignerRecord decode(byte[] bytes, LockFiles lockFiles) throws IOException {
    if (bytes.length < HEADER_BYTES + CRC_BYTES
        || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new CorruptRecord("is not a signer record (it does not start with \"TIMESIG1\")");
    }
    int end = bytes.length - CRC_BYTES;
    CRC32 crc = new CRC32();
    crc.update(bytes, 0, end);
    if ((int) crc.getValue() != ByteBuffer.wrap(bytes, end, CRC_BYTES).getInt()) {
      throw new CorruptRecord("is damaged (its checksum does not match)");
    }
    int version = bytes[MAGIC.length] & 0xff;
    if (version != VERSION
        && version != VERSION_WITHOUT_VALID_ROUNDS
        && version != VERSION_WITHOUT_LOCK_FILES) {
      throw new CorruptRecord(
          "has format version "
              + version
              + ", this node reads version "
              + VERSION
              + " (was it written by a newer timed?)");
    }
    DataInputStream in =
        new DataInputStream(new ByteArrayInputStream(bytes, HEADER_BYTES, end - HEADER_BYTES));
    long forgottenBelow = in.readLong();
    int heightCount = count(in, "heights");
    List<SignerRecord.Height> heights = new ArrayList<>();
    for (int i = 0; i < heightCount; i++) {
      long height = in.readLong();
      int stepCount = count(in, "steps");
      if (stepCount == 0) {
        throw new CorruptRecord("lists height " + height + " with no signed steps");
      }
      List<SignedStep> steps = new ArrayList<>();
      for (int j = 0; j < stepCount; j++) {
        int round = in.readInt();
        int kind = in.readUnsignedByte();
        if (kind >= KINDS.length) {
          throw new CorruptRecord("has an unknown step kind " + kind + " at height " + height);
        }
        byte[] hash = new byte[HASH_BYTES];
        in.readFully(hash);
        boolean proposal = KINDS[kind] == SignedStep.Kind.PROPOSAL;
        int validRound =
            version >= VERSION
                ? in.readInt()
                : proposal ? SignedStep.UNKNOWN_VALID_ROUND : SignedStep.NO_VALID_ROUND;
        if (proposal
            ? validRound < SignedStep.NO_VALID_ROUND && validRound != SignedStep.UNKNOWN_VALID_ROUND
            : validRound != SignedStep.NO_VALID_ROUND) {
          throw new CorruptRecord(
              "has a " + KINDS[kind] + " with valid round " + validRound + " at height " + height);
        }
        steps.add(
            new SignedStep(height, round, KINDS[kind], ByteString.copyFrom(hash), validRound));
      }
      int where = in.readUnsignedByte();
      Signer.Lock lock;
      if (where == LOCK_NONE) {
        lock = null;
      } else if (where == LOCK_INSIDE) {
        lock = readLock(in, height, in.readInt());
      } else if (where == LOCK_IN_FILE && version >= VERSION_WITHOUT_VALID_ROUNDS) {
        int round = in.readInt();
        byte[] sha256 = new byte[Sha256.SIZE];
        in.readFully(sha256);
        lock = lockFiles.read(height, round, sha256);
      } else {
        throw new CorruptRecord("has a bad lock flag at height " + height);
      }
      heights.add(new SignerRecord.Height(height, steps, lock));
    }
    if (in.available() != 0) {
      throw new CorruptRecord("has " + in.available() + " unexpected bytes after the record");
    }
    return new SignerRecord(heights, forgottenBelow);
  }

  /**
   * The lock in {@code height}'s lock file, checked against the SHA-256 the record holds for it.
   */
  private Signer.Lock readLockFile(long height, int round, byte[] sha256) throws IOException {
    Path f = lockFile(height, round);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(f);
    } catch (NoSuchFileException e) {
      throw new CorruptRecord("names the lock file " + f + ", which is missing");
    }
    if (!Arrays.equals(Sha256.hash(bytes), sha256)) {
      throw new CorruptRecord(
          "names the lock file " + f + ", which is damaged (its SHA-256 is not the recorded one)");
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    Signer.Lock lock = readLock(in, height, round);
    if (in.available() != 0) {
      throw new CorruptRecord(
          "names the lock file "
              + f
              + ", which has "
              + in.available()
              + " unexpected bytes at its end");
    }
    return lock;
  }

  private static Signer.Lock readLock(DataInputStream in, long height, int round)
      throws IOException {
    Proposal proposal;
    List<Vote> proof = new ArrayList<>();
    try {
      proposal = Proposal.parseFrom(readBytes(in));
      int votes = count(in, "proof votes");
      for (int i = 0; i < votes; i++) {
        proof.add(Vote.parseFrom(readBytes(in)));
      }
    } catch (InvalidProtocolBufferException e) {
      throw new CorruptRecord(
          "has a lock at height " + height + " that does not parse: " + e.getMessage());
    }
    return new Signer.Lock(round, proposal, proof);
  }

  private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int length = count(in, "bytes");
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return bytes;
  }

  /**
   * A u32 count or length; one larger than what is left of the file is damage, not an allocation.
   */
  private static int count(DataInputStream in, String what) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new CorruptRecord(
          "has an impossible count of " + what + ": " + Integer.toUnsignedString(n));
    }
    return n;
  }

  private IOException unusable(String problem, Throwable cause) {
    return new IOException(
        "The signer record "
            + file
            + " "
            + problem
            + ". Refusing to start: a validator"
            + " that signs without its record can sign twice (equivocate). Do not just delete it. Either restore"
            + " an intact copy, if this key has signed nothing since that copy was made; or keep this validator"
            + " stopped until the network has finalized blocks past every height it may have signed at, then"
            + " move the file aside and start once with --new-signer-record to begin an empty record.",
        cause);
  }

  /**
   * The record file is not there: this home's record was lost, or it was never made by {@code timed
   * init}.
   */
  public static final class MissingSignerRecord extends IOException {
    MissingSignerRecord(Path file) {
      super(
          "The signer record "
              + file
              + " is missing. Refusing to start: it holds what this validator's key has"
              + " signed, and a validator that signs without it can sign twice (equivocate). Restore it if you can. If it"
              + " is lost, keep this validator stopped until the network has finalized blocks past every height it may"
              + " have signed at, then start it once with --new-signer-record to begin an empty record. (timed init"
              + " makes the record of a new home.)");
    }
  }

  /** A record file whose contents are not a valid record. */
  private static final class CorruptRecord extends IOException {
    CorruptRecord(String message) {
      super(message);
    }
  }
}
