package io.timecoin.crypto;

import java.util.Arrays;
import java.util.Random;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Verifies/s of BouncyCastle's Ed25519.verify and of the node's exact rule on the same signatures,
 * in the same run (the machine is shared: compare the ratio, not the absolute numbers). Not a test;
 * run with {@code java -cp proto/target/classes:proto/target/test-classes:<bcprov>
 * io.timecoin.crypto.Ed25519VerifyBenchmark [signatures] [keys] [rounds]}.
 */
public final class Ed25519VerifyBenchmark {
  private Ed25519VerifyBenchmark() {}

  public static void main(String[] args) {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int keyCount = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Random random = new Random(1);
    Ed25519KeyPair[] pairs = new Ed25519KeyPair[keyCount];
    for (int i = 0; i < keyCount; i++) {
      byte[] seed = new byte[32];
      random.nextBytes(seed);
      pairs[i] = Ed25519KeyPair.fromSeed(seed);
    }
    byte[][] keyBytes = new byte[count][];
    Ed25519PublicKey[] keys = new Ed25519PublicKey[count];
    byte[][] messages = new byte[count][];
    byte[][] signatures = new byte[count][];
    for (int i = 0; i < count; i++) {
      Ed25519KeyPair pair = pairs[i % keyCount];
      keys[i] = pair.publicKey();
      keyBytes[i] = pair.publicKey().bytes();
      messages[i] = new byte[100];
      random.nextBytes(messages[i]);
      signatures[i] = pair.sign(messages[i]);
    }
    // One untimed pass of each first: the JIT compiles both before any round counts, and every key
    // has its one-time multiples ([2^64]A ...), as keys in the node's KeyCache do.
    for (int i = 0; i < count; i++) {
      Ed25519.verify(signatures[i], 0, keyBytes[i], 0, messages[i], 0, messages[i].length);
      keys[i].verify(messages[i], signatures[i]);
    }
    double[] bc = new double[rounds];
    double[] ours = new double[rounds];
    for (int round = 0; round < rounds; round++) {
      // Alternate which goes first, so neither always runs in a quieter moment.
      for (int which = 0; which < 2; which++) {
        boolean bcNow = (which == 0) == (round % 2 == 0);
        long start = System.nanoTime();
        int valid = 0;
        for (int i = 0; i < count; i++) {
          boolean ok =
              bcNow
                  ? Ed25519.verify(
                      signatures[i], 0, keyBytes[i], 0, messages[i], 0, messages[i].length)
                  : keys[i].verify(messages[i], signatures[i]);
          valid += ok ? 1 : 0;
        }
        double perSecond = count / ((System.nanoTime() - start) / 1e9);
        if (valid != count) {
          throw new AssertionError("only " + valid + " of " + count + " verified");
        }
        (bcNow ? bc : ours)[round] = perSecond;
      }
      System.out.printf(
          "round %d: bc %.0f/s, exact rule %.0f/s, ratio %.3f%n",
          round, bc[round], ours[round], ours[round] / bc[round]);
    }
    double bcMedian = median(bc);
    double oursMedian = median(ours);
    System.out.printf(
        "median: bc %.0f/s, exact rule %.0f/s, ratio %.3f%n",
        bcMedian, oursMedian, oursMedian / bcMedian);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
