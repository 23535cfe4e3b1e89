package io.timecoin.canonical;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.timecoin.crypto.Sha256;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 6962's tree shapes, spelled out for 0 to 5 leaves. */
class MerkleRootTest {
  private static byte[] leaf(ByteString id) {
    return Sha256.hash(new byte[] {0}, id.toByteArray());
  }

  private static byte[] node(byte[] left, byte[] right) {
    return Sha256.hash(new byte[] {1}, left, right);
  }

  private static List<ByteString> ids(int n) {
    List<ByteString> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(ByteString.copyFrom(Sha256.hash(new byte[] {(byte) i})));
    }
    return ids;
  }

  @Test
  void treesOfZeroToFiveLeaves() {
    List<ByteString> t = ids(5);
    assertEquals(Hashes.NIL, MerkleRoot.of(List.of()));
    assertEquals(ByteString.copyFrom(leaf(t.get(0))), MerkleRoot.of(t.subList(0, 1)));
    byte[] ab = node(leaf(t.get(0)), leaf(t.get(1)));
    assertEquals(ByteString.copyFrom(ab), MerkleRoot.of(t.subList(0, 2)));
    // three leaves split 2 | 1
    assertEquals(ByteString.copyFrom(node(ab, leaf(t.get(2)))), MerkleRoot.of(t.subList(0, 3)));
    byte[] abcd = node(ab, node(leaf(t.get(2)), leaf(t.get(3))));
    assertEquals(ByteString.copyFrom(abcd), MerkleRoot.of(t.subList(0, 4)));
    // five leaves split 4 | 1
    assertEquals(ByteString.copyFrom(node(abcd, leaf(t.get(4)))), MerkleRoot.of(t));
  }

  @Test
  void theOrderOfTransactionsMatters() {
    List<ByteString> t = ids(2);
    assertEquals(false, MerkleRoot.of(t).equals(MerkleRoot.of(List.of(t.get(1), t.get(0)))));
  }
}
