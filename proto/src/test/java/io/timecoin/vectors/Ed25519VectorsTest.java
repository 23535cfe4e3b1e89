package io.timecoin.vectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.crypto.InvalidKeyException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.Test;

/** The node's verifier gives every verdict of the "ed25519" section (docs/protocol.md 1.1). */
class Ed25519VectorsTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void theVerifierGivesEveryVerdict() {
    List<String> wrong = new ArrayList<>();
    for (Map<String, Object> c : Ed25519Cases.cases()) {
      boolean expected = (Boolean) c.get("valid");
      if (verdict(c) != expected) {
        wrong.add(c.get("name") + " (expected " + expected + ")");
      }
    }
    assertEquals(List.of(), wrong);
  }

  @Test
  void theCorpusCoversWhatTheRuleNames() {
    List<String> names = Ed25519Cases.cases().stream().map(c -> (String) c.get("name")).toList();
    for (String prefix :
        List.of(
            "rfc8032/",
            "small-order-R/",
            "small-order-A/",
            "mixed-order-R/",
            "mixed-order-A/",
            "non-canonical-R/",
            "non-canonical-A/",
            "s/equals-L",
            "s/S+L",
            "speccheck/")) {
      assertTrue(names.stream().anyMatch(n -> n.startsWith(prefix)), prefix);
    }
    assertEquals(5, names.stream().filter(n -> n.startsWith("rfc8032/")).count());
    assertEquals(10, names.stream().filter(n -> n.startsWith("speccheck/")).count());
    assertEquals(14, names.stream().filter(n -> n.startsWith("small-order-R/")).count());
    assertEquals(14, names.stream().filter(n -> n.startsWith("small-order-A/")).count());
  }

  /** Why the node does not call BouncyCastle's verify: 1.87 is cofactored and accepts these. */
  @Test
  void bouncyCastleAloneWouldAcceptMixedOrderR() {
    long acceptedByBouncyCastle =
        Ed25519Cases.cases().stream()
            .filter(c -> ((String) c.get("name")).startsWith("mixed-order-R/"))
            .filter(
                c -> {
                  byte[] sig = HEX.parseHex((String) c.get("signature"));
                  byte[] msg = HEX.parseHex((String) c.get("message"));
                  return Ed25519.verify(
                      sig, 0, HEX.parseHex((String) c.get("public_key")), 0, msg, 0, msg.length);
                })
            .count();
    assertEquals(7, acceptedByBouncyCastle);
  }

  private static boolean verdict(Map<String, Object> c) {
    Ed25519PublicKey key;
    try {
      key = Ed25519PublicKey.of(HEX.parseHex((String) c.get("public_key")));
    } catch (InvalidKeyException refused) {
      return false;
    }
    return key.verify(
        HEX.parseHex((String) c.get("message")), HEX.parseHex((String) c.get("signature")));
  }
}
