package io.timecoin.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.timecoin.consensus.signer.SignerRecord;
import io.timecoin.consensus.signer.SignerRecordStore;
import io.timecoin.consensus.types.SignedStep;
import io.timecoin.consensus.types.Signer;
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
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Keeps the never-sign-twice record (PROTOCOL.md 5.6) in the file {@code signer-record} of a
 * directory. {@link #save} writes {@code signer-record.tmp}, fsyncs it, renames it atomically over
 * {@code signer-record} and fsyncs the directory, so after a crash the file holds either the old
 * record or the new one, whole. A leftover {@code signer-record.tmp} is a save that did not finish;
 * its record was never reported saved, so nothing was signed on it, and it is ignored.
 *
 * <p>File layout, version 1 (big-endian, as {@link DataOutputStream} writes):
 * <pre>
 *   magic            8 bytes   ASCII "TIMESIG1"
 *   version          u8        1
 *   forgotten_below  u64       SignerRecord.forgottenBelow
 *   height_count     u32
 *   per height, ascending:
 *     height         u64
 *     step_count     u32       at least 1
 *     per step, in signing order:
 *       round        u32
 *       kind         u8        SignedStep.Kind ordinal: 0 PROPOSAL, 1 PREPARE, 2 PRECOMMIT
 *       block_hash   32 bytes  (nil = 32 zero bytes)
 *     lock_present   u8        0 or 1
 *     if 1:
 *       lock_round   u32
 *       proposal     u32 length, then the Proposal protobuf bytes
 *       proof_count  u32
 *       per vote:    u32 length, then the Vote protobuf bytes
 *   crc32            u32       CRC-32 (java.util.zip.CRC32) of every byte before it
 * </pre>
 * The magic and the trailing CRC stay where they are in any later version, so any version's file
 * can be recognised and checked before its version is read.
 *
 * <p>A file that is present but cannot be read back exactly is an error, never an empty record: a
 * validator that signed without its record could sign twice.
 */
public final class FileSignerRecordStore implements SignerRecordStore {
  /** The record's file name inside the directory. */
  public static final String FILE_NAME = "signer-record";

  private static final byte[] MAGIC = "TIMESIG1".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 1;
  private static final int HASH_BYTES = 32;
  private static final int HEADER_BYTES = MAGIC.length + 1; // magic, version
  private static final int CRC_BYTES = 4;
  private static final SignedStep.Kind[] KINDS = SignedStep.Kind.values();

  private final Path dir;
  private final Path file;
  private final Path tmp;

  /** A store in {@code dir}, which is created if missing. */
  public FileSignerRecordStore(Path dir) throws IOException {
    this.dir = dir;
    this.file = dir.resolve(FILE_NAME);
    this.tmp = dir.resolve(FILE_NAME + ".tmp");
    Files.createDirectories(dir);
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
      return SignerRecord.EMPTY; // nothing was ever signed from this directory
    } catch (IOException e) {
      throw unusable("cannot be read (" + e + ")", e);
    }
    try {
      return decode(bytes);
    } catch (EOFException e) {
      throw unusable("is truncated", e);
    } catch (CorruptRecord e) {
      throw unusable(e.getMessage(), e);
    }
  }

  @Override
  public synchronized void save(SignerRecord record) throws IOException {
    byte[] bytes = encode(record);
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true); // the new contents are on disk before they take the record's name
    }
    // rename(2): readers and crashes see the old file or the new one, never a mix
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
      directory.force(true); // the rename itself is durable only once the directory is synced
    }
  }

  static byte[] encode(SignerRecord record) throws IOException {
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
          throw new IllegalArgumentException("step " + step + " does not fit height " + height.height()
              + " with a 32-byte block hash");
        }
        out.writeInt(step.round());
        out.writeByte(step.kind().ordinal());
        step.blockHash().writeTo(out);
      }
      Signer.Lock lock = height.lock();
      out.writeByte(lock == null ? 0 : 1);
      if (lock != null) {
        out.writeInt(lock.round());
        writeBytes(out, lock.proposal().toByteArray());
        out.writeInt(lock.proof().size());
        for (Vote vote : lock.proof()) {
          writeBytes(out, vote.toByteArray());
        }
      }
    }
    out.flush();
    CRC32 crc = new CRC32();
    crc.update(buffer.toByteArray());
    out.writeInt((int) crc.getValue());
    out.flush();
    return buffer.toByteArray();
  }

  static SignerRecord decode(byte[] bytes) throws IOException {
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
    if (version != VERSION) {
      throw new CorruptRecord("has format version " + version + ", this node reads version " + VERSION
          + " (was it written by a newer timed?)");
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, HEADER_BYTES, end - HEADER_BYTES));
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
        steps.add(new SignedStep(height, round, KINDS[kind], ByteString.copyFrom(hash)));
      }
      Signer.Lock lock = switch (in.readUnsignedByte()) {
        case 0 -> null;
        case 1 -> readLock(in, height);
        default -> throw new CorruptRecord("has a bad lock flag at height " + height);
      };
      heights.add(new SignerRecord.Height(height, steps, lock));
    }
    if (in.available() != 0) {
      throw new CorruptRecord("has " + in.available() + " unexpected bytes after the record");
    }
    return new SignerRecord(heights, forgottenBelow);
  }

  private static Signer.Lock readLock(DataInputStream in, long height) throws IOException {
    int round = in.readInt();
    Proposal proposal;
    List<Vote> proof = new ArrayList<>();
    try {
      proposal = Proposal.parseFrom(readBytes(in));
      int votes = count(in, "proof votes");
      for (int i = 0; i < votes; i++) {
        proof.add(Vote.parseFrom(readBytes(in)));
      }
    } catch (InvalidProtocolBufferException e) {
      throw new CorruptRecord("has a lock at height " + height + " that does not parse: " + e.getMessage());
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

  /** A u32 count or length; one larger than what is left of the file is damage, not an allocation. */
  private static int count(DataInputStream in, String what) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new CorruptRecord("has an impossible count of " + what + ": " + Integer.toUnsignedString(n));
    }
    return n;
  }

  private IOException unusable(String problem, Throwable cause) {
    return new IOException("The signer record " + file + " " + problem + ". Refusing to start: a validator"
        + " that signs without its record can sign twice (equivocate). Do not just delete it. Either restore"
        + " an intact copy, if this key has signed nothing since that copy was made; or keep this validator"
        + " stopped until the network has finalized blocks past every height it may have signed at, then"
        + " move the file aside to start with an empty record.", cause);
  }

  /** A record file whose contents are not a valid record. */
  private static final class CorruptRecord extends IOException {
    CorruptRecord(String message) {
      super(message);
    }
  }
}
