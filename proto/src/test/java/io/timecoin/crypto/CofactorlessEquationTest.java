package io.timecoin.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The split Straus multiplication computes exactly [s]B - [k]A, for the scalars where cutting into
 * 64-bit pieces and wNAF carries could go wrong: piece boundaries, all-ones pieces, the top bits.
 */
class CofactorlessEquationTest {
  private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
  private static final BigInteger L =
      BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
  private static final BigInteger D =
      BigInteger.valueOf(-121665).multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
  private static final BigInteger[] B = {
    new BigInteger("15112221349535400772501151409588531511454012693041857206046113283949847762202"),
    new BigInteger("46316835694926478169428394003475163141307993866256225615783033603165251855960")
  };

  @Test
  void wnafDigitsAreOddBoundedAndSumToThePiece() {
    Random random = new Random(7);
    List<Long> pieces =
        new ArrayList<>(
            List.of(
                0L,
                1L,
                -1L,
                Long.MIN_VALUE,
                Long.MAX_VALUE,
                0x5555555555555555L,
                0xaaaaaaaaaaaaaaaaL,
                0xf000000000000000L,
                0x0fffffffffffffffL));
    for (int i = 0; i < 2_000; i++) {
      pieces.add(random.nextLong());
    }
    for (int width = 3; width <= 8; width++) {
      for (long piece : pieces) {
        byte[] digits = new byte[65 + 1]; // one spare position: it must stay 0
        CofactorlessEquation.wnaf(piece, width, digits, 0);
        BigInteger sum = BigInteger.ZERO;
        for (int i = 0; i < digits.length; i++) {
          int d = digits[i];
          assertTrue(d == 0 || (d & 1) == 1 && Math.abs(d) < (1 << (width - 1)), "digit " + d);
          sum = sum.add(BigInteger.valueOf(d).shiftLeft(i));
        }
        assertEquals(0, digits[65]);
        assertEquals(new BigInteger(Long.toUnsignedString(piece)), sum, Long.toHexString(piece));
      }
    }
  }

  @Test
  void theCombinationIsSbMinusKaForEdgeScalars() {
    List<BigInteger> scalars = new ArrayList<>();
    for (BigInteger v :
        List.of(
            BigInteger.ZERO,
            BigInteger.ONE,
            BigInteger.TWO,
            L.subtract(BigInteger.ONE),
            L,
            BigInteger.TWO.pow(252),
            BigInteger.TWO.pow(253).subtract(BigInteger.ONE),
            BigInteger.TWO.pow(256).subtract(BigInteger.ONE))) {
      scalars.add(v);
    }
    for (int j = 1; j < 4; j++) {
      BigInteger boundary = BigInteger.TWO.pow(64 * j);
      scalars.add(boundary);
      scalars.add(boundary.subtract(BigInteger.ONE));
      scalars.add(boundary.add(BigInteger.ONE));
      scalars.add(
          BigInteger.TWO
              .pow(64)
              .subtract(BigInteger.ONE)
              .shiftLeft(64 * (j - 1))); // one all-ones piece
    }
    scalars.add(
        new BigInteger("5555555555555555555555555555555555555555555555555555555555555555", 16));
    scalars.add(
        new BigInteger("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 16));
    Random random = new Random(11);
    for (int i = 0; i < 6; i++) {
      scalars.add(new BigInteger(253, random).mod(L));
    }

    for (String seedHex :
        List.of(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")) {
      byte[] key = Ed25519KeyPair.fromSeed(HexFormat.of().parseHex(seedHex)).publicKey().bytes();
      BigInteger[] a = decode(key);
      int[] powers = CofactorlessEquation.keyPowers(key);
      for (int i = 0; i < scalars.size(); i++) {
        BigInteger s = scalars.get(i);
        BigInteger k = scalars.get((i * 7 + 3) % scalars.size());
        for (BigInteger[] sk :
            List.of(new BigInteger[] {s, k}, new BigInteger[] {k, s}, new BigInteger[] {s, s})) {
          BigInteger[] expected = add(mul(sk[0], B), neg(mul(sk[1], a)));
          byte[] got = CofactorlessEquation.combination(powers, le32(sk[0]), 0, le32(sk[1]));
          assertEquals(
              HexFormat.of().formatHex(encode(expected)),
              HexFormat.of().formatHex(got),
              "s=" + sk[0].toString(16) + " k=" + sk[1].toString(16));
        }
      }
    }
  }

  private static BigInteger[] add(BigInteger[] p, BigInteger[] q) {
    BigInteger t = D.multiply(p[0]).multiply(q[0]).multiply(p[1]).multiply(q[1]).mod(P);
    BigInteger x =
        p[0].multiply(q[1]).add(p[1].multiply(q[0])).multiply(BigInteger.ONE.add(t).modInverse(P));
    BigInteger y =
        p[1].multiply(q[1])
            .add(p[0].multiply(q[0]))
            .multiply(BigInteger.ONE.subtract(t).mod(P).modInverse(P));
    return new BigInteger[] {x.mod(P), y.mod(P)};
  }

  private static BigInteger[] neg(BigInteger[] p) {
    return new BigInteger[] {P.subtract(p[0]).mod(P), p[1]};
  }

  private static BigInteger[] mul(BigInteger s, BigInteger[] p) {
    BigInteger[] r = {BigInteger.ZERO, BigInteger.ONE};
    for (int i = s.bitLength() - 1; i >= 0; i--) {
      r = add(r, r);
      if (s.testBit(i)) {
        r = add(r, p);
      }
    }
    return r;
  }

  private static BigInteger[] decode(byte[] encoded) {
    byte[] be = new byte[32];
    for (int i = 0; i < 32; i++) {
      be[i] = encoded[31 - i];
    }
    be[0] &= 0x7f;
    BigInteger y = new BigInteger(1, be);
    BigInteger u = y.multiply(y).subtract(BigInteger.ONE);
    BigInteger v = D.multiply(y).multiply(y).add(BigInteger.ONE);
    BigInteger x2 = u.multiply(v.modInverse(P)).mod(P);
    BigInteger x = x2.modPow(P.add(BigInteger.valueOf(3)).shiftRight(3), P);
    if (!x.multiply(x).mod(P).equals(x2)) {
      x = x.multiply(BigInteger.TWO.modPow(P.subtract(BigInteger.ONE).shiftRight(2), P)).mod(P);
    }
    if (x.testBit(0) != ((encoded[31] & 0x80) != 0)) {
      x = P.subtract(x);
    }
    return new BigInteger[] {x, y};
  }

  private static byte[] encode(BigInteger[] p) {
    byte[] out = le32(p[1]);
    out[31] |= (byte) (p[0].testBit(0) ? 0x80 : 0);
    return out;
  }

  private static byte[] le32(BigInteger v) {
    byte[] out = new byte[32];
    for (int i = 0; i < 32; i++) {
      out[i] = v.shiftRight(8 * i).byteValue();
    }
    return out;
  }
}
