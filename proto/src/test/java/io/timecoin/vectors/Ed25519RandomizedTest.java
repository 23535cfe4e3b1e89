package io.timecoin.vectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.timecoin.crypto.Ed25519KeyPair;
import io.timecoin.crypto.Ed25519PublicKey;
import io.timecoin.crypto.InvalidKeyException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.Test;

/**
 * The fast verifier agrees with the plain BigInteger rule (Ed25519Cases.rule, docs/protocol.md 1.1)
 * on random signatures, valid and with one bit flipped, and with BouncyCastle on the valid ones.
 */
class Ed25519RandomizedTest {
  /**
   * 1,000 of each kind in every build (the BigInteger reference is slow);
   * -Dtimed.ed25519.count=5000 for more.
   */
  private static final int COUNT = Integer.getInteger("timed.ed25519.count", 1_000);

  private static final HexFormat HEX = HexFormat.of();

  @Test
  void randomValidSignaturesAndOneBitFlipsGetTheRulesVerdict() {
    Random random = new Random(2024);
    Ed25519KeyPair[] pairs = new Ed25519KeyPair[50];
    for (int i = 0; i < pairs.length; i++) {
      byte[] seed = new byte[32];
      random.nextBytes(seed);
      pairs[i] = Ed25519KeyPair.fromSeed(seed);
    }
    List<String> wrong = new ArrayList<>();
    int flippedValid = 0;
    for (int n = 0; n < COUNT; n++) {
      Ed25519KeyPair pair = pairs[random.nextInt(pairs.length)];
      byte[] key = pair.publicKey().bytes();
      byte[] msg = new byte[random.nextInt(200)];
      random.nextBytes(msg);
      byte[] sig = pair.sign(msg);

      boolean ours = verdict(key, msg, sig);
      boolean bouncyCastle = Ed25519.verify(sig, 0, key, 0, msg, 0, msg.length);
      if (!ours || !bouncyCastle || !Ed25519Cases.rule(key, msg, sig)) {
        wrong.add(
            "valid #"
                + n
                + ": ours "
                + ours
                + ", bc "
                + bouncyCastle
                + ", sig "
                + HEX.formatHex(sig));
      }

      int where = random.nextInt(3);
      byte[] target = where == 0 ? msg : where == 1 ? sig : key;
      if (target.length == 0) {
        target = sig;
      }
      int bit = random.nextInt(target.length * 8);
      target[bit / 8] ^= (byte) (1 << (bit % 8));
      boolean expected = Ed25519Cases.rule(key, msg, sig);
      flippedValid += expected ? 1 : 0;
      if (verdict(key, msg, sig) != expected) {
        wrong.add("flipped #" + n + " (" + where + ", bit " + bit + "): expected " + expected);
      }
    }
    assertEquals(List.of(), wrong);
    assertEquals(0, flippedValid, "a flipped bit never leaves a valid signature");
  }

  private static boolean verdict(byte[] key, byte[] msg, byte[] sig) {
    try {
      return Ed25519PublicKey.of(key).verify(msg, sig);
    } catch (InvalidKeyException refused) {
      return false;
    }
  }
}
