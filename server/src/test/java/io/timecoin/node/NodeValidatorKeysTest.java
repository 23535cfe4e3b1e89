package io.timecoin.node;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.timecoin.crypto.Ed25519KeyPair;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peer network learns which keys are validators of the current set (non-validators are few and
 * dropped first).
 */
@Timeout(60)
class NodeValidatorKeysTest {
  @TempDir Path tmp;

  @Test
  void theCurrentSetsKeysAreValidatorsAndStayKnownAsBlocksAreFinal() throws Exception {
    try (TestNode t = TestNode.start(tmp)) {
      ByteString own = ByteString.copyFrom(t.node.key.publicKey().bytes());
      ByteString stranger = ByteString.copyFrom(Ed25519KeyPair.generate().publicKey().bytes());
      assertTrue(t.node.isValidatorKey(own));
      assertFalse(t.node.isValidatorKey(stranger));
      t.awaitHeight(3); // the snapshot is replaced at each final block
      assertTrue(t.node.isValidatorKey(own));
      assertFalse(t.node.isValidatorKey(stranger));
    }
  }
}
