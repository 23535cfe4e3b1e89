package io.timecoin.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFileTest {
  @TempDir Path dir;

  @Test
  void aKeyFileIsOwnerOnlyAndLoadsBackTheSameKey() throws Exception {
    Ed25519KeyPair key = Ed25519KeyPair.generate();
    Path file = dir.resolve("keys/validator.key");
    KeyFile.write(file, key);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertFalse(Files.exists(dir.resolve("keys/validator.key.tmp")));
    Ed25519KeyPair loaded = KeyFile.read(file);
    assertEquals(key.publicKey(), loaded.publicKey());
    byte[] msg = {7};
    assertTrue(loaded.publicKey().verify(msg, key.sign(msg)));
  }

  @Test
  void aKeyFileOthersCanReadIsRefusedWithTheFix() throws Exception {
    Path file = dir.resolve("validator.key");
    KeyFile.write(file, Ed25519KeyPair.generate());
    for (String mode : new String[] {"rw-r--r--", "rw-r-----", "rw----r--", "rw-rw----"}) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
      KeyFile.KeyFileException e =
          assertThrows(KeyFile.KeyFileException.class, () -> KeyFile.read(file));
      assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
    }
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
    KeyFile.read(file); // owner read-only is fine
  }

  @Test
  void anExistingKeyIsNeverOverwritten() throws Exception {
    Path file = dir.resolve("validator.key");
    Ed25519KeyPair first = Ed25519KeyPair.generate();
    KeyFile.write(file, first);
    assertThrows(
        FileAlreadyExistsException.class, () -> KeyFile.write(file, Ed25519KeyPair.generate()));
    assertEquals(first.publicKey(), KeyFile.read(file).publicKey());
  }

  @Test
  void aDamagedKeyFileIsRefused() throws Exception {
    Path file = dir.resolve("validator.key");
    KeyFile.write(file, Ed25519KeyPair.generate());
    String text = Files.readString(file);
    String other = Ed25519KeyPair.generate().publicKey().toHex();
    Files.writeString(file, text.replaceAll("public_key=[0-9a-f]+", "public_key=" + other));
    assertThrows(KeyFile.KeyFileException.class, () -> KeyFile.read(file));
    Files.writeString(file, "type=ed25519\nseed=abc\n");
    assertThrows(KeyFile.KeyFileException.class, () -> KeyFile.read(file));
  }
}
