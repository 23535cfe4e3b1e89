package io.timecoin.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * A key file: the Ed25519 seed and its public key as text, readable and writable by its owner only
 * (mode 0600). A key file that anyone else may read or write is refused, because whoever reads it
 * can sign as this validator.
 *
 * <pre>
 * # timed Ed25519 key. Keep it secret: whoever holds it signs as this validator.
 * type=ed25519
 * public_key=&lt;64 hex digits&gt;
 * seed=&lt;64 hex digits&gt;
 * </pre>
 */
public final class KeyFile {
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");
  private static final HexFormat HEX = HexFormat.of();

  private KeyFile() {}

  /**
   * Writes a new key file with mode 0600, durably (fsync of the file and of its folder). Refuses to
   * overwrite an existing file: a key is never lost by accident.
   */
  public static void write(Path path, Ed25519KeyPair key) throws IOException {
    Path dir = path.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    if (Files.exists(path)) {
      throw new FileAlreadyExistsException(
          path.toString(),
          null,
          "a key file is already there; move it away first if you really mean to replace it");
    }
    String text =
        "# timed Ed25519 key. Keep it secret: whoever holds it signs as this validator.\n"
            + "type=ed25519\n"
            + "public_key="
            + key.publicKey().toHex()
            + "\n"
            + "seed="
            + HEX.formatHex(key.seed())
            + "\n";
    Path tmp = dir.resolve(path.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    // Created 0600 from the start, so the seed is never on disk with wider permissions.
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
      channel.force(true);
    }
    Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
    fsyncDirectory(dir);
  }

  /**
   * Loads a key file.
   *
   * @throws KeyFileException when the file is readable or writable by others, malformed, or its
   *     public key does not match its seed
   */
  public static Ed25519KeyPair read(Path path) throws IOException {
    if (!Files.exists(path)) {
      throw new NoSuchFileException(
          path.toString(), null, "no key file (create one with 'timed keygen')");
    }
    PosixFileAttributeView posix = Files.getFileAttributeView(path, PosixFileAttributeView.class);
    if (posix != null) {
      Set<PosixFilePermission> perms = posix.readAttributes().permissions();
      if (!OWNER_ONLY.containsAll(perms)) {
        throw new KeyFileException(
            path
                + " is accessible by others (mode "
                + PosixFilePermissions.toString(perms)
                + "); refusing to use it. If no one else has read "
                + "it, run: chmod 600 "
                + path
                + "; otherwise make a new key.");
      }
    }
    byte[] raw;
    try {
      raw = Files.readAllBytes(path);
    } catch (AccessDeniedException e) {
      throw new KeyFileException("cannot read " + path + ": permission denied");
    }
    Map<String, String> fields = new HashMap<>();
    for (String line : new String(raw, StandardCharsets.US_ASCII).split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      int eq = trimmed.indexOf('=');
      if (eq < 0
          || fields.put(trimmed.substring(0, eq).strip(), trimmed.substring(eq + 1).strip())
              != null) {
        throw new KeyFileException(
            path + ": malformed line or repeated field: " + trimmed.split("=")[0]);
      }
    }
    if (!"ed25519".equals(fields.get("type"))) {
      throw new KeyFileException(
          path + ": not an ed25519 key file (type=" + fields.get("type") + ")");
    }
    Ed25519KeyPair key;
    try {
      key = Ed25519KeyPair.fromSeed(HEX.parseHex(fields.getOrDefault("seed", "")));
    } catch (IllegalArgumentException e) {
      throw new KeyFileException(path + ": the seed is not 64 hex digits");
    }
    if (!key.publicKey().toHex().equalsIgnoreCase(fields.getOrDefault("public_key", ""))) {
      throw new KeyFileException(
          path + ": public_key does not match the seed; the file is damaged");
    }
    return key;
  }

  /** Makes a rename or a new file in {@code dir} survive a crash. */
  public static void fsyncDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /** A key file that must not be used. */
  public static final class KeyFileException extends IOException {
    private static final long serialVersionUID = 1L;

    public KeyFileException(String message) {
      super(message);
    }
  }
}
