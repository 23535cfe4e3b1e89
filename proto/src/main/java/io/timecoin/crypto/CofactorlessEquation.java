package io.timecoin.crypto;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.bouncycastle.math.ec.rfc7748.X25519Field;

/**
 * The cofactorless Ed25519 equation, encode([S]B - [k]A) == R's bytes (docs/protocol.md 1.1).
 *
 * <p>Why not BouncyCastle's verify: 1.87 checks the cofactored equation [8]([S]B - R - [k]A) = 0,
 * so it accepts an R with a small-order component (R = rB + T) that libsodium and the rule refuse.
 * Testing R for torsion afterwards costs a full scalar multiplication ([L]R), about a second
 * verification; computing [S]B - [k]A directly (Straus, sliding windows, BouncyCastle's field
 * arithmetic) and comparing its encoding with R's bytes costs about one. Variable time: nothing
 * here is secret.
 */
final class CofactorlessEquation {
  private static final int[] D = fe("52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3");
  private static final int[] D2 = fe("2406d9dc56dffce7198e80f2eef3d13000e0149a8283b156ebd69b9426b2f159"); // 2d
  private static final BigInteger L = BigInteger.TWO.pow(252)
      .add(new BigInteger("27742317777372353535851937790883648493"));
  /** Odd multiples B, 3B, ..., 63B in affine cached form (y+x, y-x, 2dxy). */
  private static final int[][][] BASE = baseTable();
  private static final int BASE_MAX_DIGIT = 63;
  private static final int KEY_MAX_DIGIT = 15;
  private static final ThreadLocal<MessageDigest> SHA512 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-512");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  private CofactorlessEquation() {}

  /**
   * True when encode([S]B - [k]A) equals the first 32 bytes of {@code signature}, k =
   * SHA-512(R || A || message) mod L. The caller has checked the sizes and S < L.
   */
  static boolean holds(int[] keyX, int[] keyY, byte[] keyBytes, byte[] message, byte[] signature) {
    MessageDigest sha = SHA512.get();
    sha.update(signature, 0, 32);
    sha.update(keyBytes);
    sha.update(message);
    byte[] k = reduce(sha.digest());
    byte[] s = new byte[32];
    System.arraycopy(signature, 32, s, 0, 32);

    byte[] sDigits = slide(s, BASE_MAX_DIGIT);
    byte[] kDigits = slide(k, KEY_MAX_DIGIT);
    int[][][] keyTable = keyTable(keyX, keyY);

    Point acc = Point.identity();
    int top = 255;
    while (top >= 0 && sDigits[top] == 0 && kDigits[top] == 0) {
      top--;
    }
    for (int i = top; i >= 0; i--) {
      acc.dbl();
      int sd = sDigits[i];
      if (sd != 0) {
        acc.addAffine(BASE, (Math.abs(sd) >> 1), sd < 0);
      }
      int kd = kDigits[i];
      if (kd != 0) {
        acc.addProjective(keyTable, (Math.abs(kd) >> 1), kd > 0); // minus [k]A
      }
    }
    byte[] encoded = acc.encode();
    for (int i = 0; i < 32; i++) {
      if (encoded[i] != signature[i]) {
        return false;
      }
    }
    return true;
  }

  /** The affine (x, y) of a key BouncyCastle has already checked (canonical, on the curve). */
  static int[][] decode(byte[] encoded) {
    byte[] yBytes = encoded.clone();
    int sign = (yBytes[31] & 0x80) >>> 7;
    yBytes[31] &= 0x7f;
    int[] y = X25519Field.create();
    X25519Field.decode(yBytes, 0, y);
    int[] u = X25519Field.create();
    int[] v = X25519Field.create();
    X25519Field.sqr(y, u);
    X25519Field.mul(D, u, v);
    X25519Field.subOne(u);                // u = y^2 - 1
    X25519Field.addOne(v);                // v = d y^2 + 1
    int[] x = X25519Field.create();
    if (!X25519Field.sqrtRatioVar(u, v, x)) {
      throw new IllegalArgumentException("not a point");
    }
    X25519Field.normalize(x);
    if ((x[0] & 1) != sign) {
      X25519Field.negate(x, x);
      X25519Field.normalize(x);
    }
    return new int[][] {x, y};
  }

  /** SHA-512 output, little-endian, mod L, as 32 little-endian bytes. */
  private static byte[] reduce(byte[] h) {
    byte[] be = new byte[65];
    for (int i = 0; i < 64; i++) {
      be[64 - i] = h[i];
    }
    byte[] r = new BigInteger(be).mod(L).toByteArray();
    byte[] out = new byte[32];
    for (int i = 0; i < 32 && i < r.length; i++) {
      out[i] = r[r.length - 1 - i];
    }
    return out;
  }

  /**
   * Signed digits, each 0 or odd with |d| <= max, with sum d[i] 2^i equal to the scalar (< 2^253):
   * the sliding-window recoding of ref10.
   */
  static byte[] slide(byte[] scalar, int max) {
    byte[] r = new byte[256];
    for (int i = 0; i < 256; i++) {
      r[i] = (byte) ((scalar[i >> 3] >> (i & 7)) & 1);
    }
    for (int i = 0; i < 256; i++) {
      if (r[i] == 0) {
        continue;
      }
      for (int b = 1; b <= 8 && i + b < 256; b++) {
        if (r[i + b] == 0) {
          continue;
        }
        int shifted = r[i + b] << b;
        if (r[i] + shifted <= max) {
          r[i] = (byte) (r[i] + shifted);
          r[i + b] = 0;
        } else if (r[i] - shifted >= -max) {
          r[i] = (byte) (r[i] - shifted);
          for (int j = i + b; j < 256; j++) {
            if (r[j] == 0) {
              r[j] = 1;
              break;
            }
            r[j] = 0;
          }
        } else {
          break;
        }
      }
    }
    return r;
  }

  /** Odd multiples A, 3A, ..., 15A in projective cached form (y+x, y-x, 2z, 2dt). */
  private static int[][][] keyTable(int[] x, int[] y) {
    Point a = Point.affine(x, y);
    Point twice = a.copy();
    twice.dbl();
    int[][][] table = new int[(KEY_MAX_DIGIT + 1) / 2][][];
    Point p = a;
    for (int i = 0; i < table.length; i++) {
      table[i] = p.cached();
      if (i + 1 < table.length) {
        p = p.copy();
        p.addProjective(new int[][][] {twice.cached()}, 0, false);
      }
    }
    return table;
  }

  private static int[][][] baseTable() {
    int[] bx = fe("216936d3cd6e53fec0a4e231fdd6dc5c692cc7609525a7b2c9562d608f25d51a");
    int[] by = fe("6666666666666666666666666666666666666666666666666666666666666658");
    Point b = Point.affine(bx, by);
    Point twice = b.copy();
    twice.dbl();
    int[][][] twiceCached = {twice.cached()};
    int[][][] table = new int[(BASE_MAX_DIGIT + 1) / 2][][];
    Point p = b;
    for (int i = 0; i < table.length; i++) {
      table[i] = p.affineCached();
      p = p.copy();
      p.addProjective(twiceCached, 0, false);
    }
    return table;
  }

  /** A field element from big-endian hex. */
  private static int[] fe(String bigEndianHex) {
    byte[] le = new byte[32];
    for (int i = 0; i < 32; i++) {
      le[i] = (byte) Integer.parseInt(bigEndianHex.substring(62 - 2 * i, 64 - 2 * i), 16);
    }
    int[] z = X25519Field.create();
    X25519Field.decode(le, 0, z);
    return z;
  }

  /**
   * A point in extended coordinates (X:Y:Z:T), T = U*V kept as its two factors so a doubling need
   * not multiply them (formulas: Hisil, Wong, Carter, Dawson 2008, a = -1).
   */
  private static final class Point {
    final int[] x = X25519Field.create();
    final int[] y = X25519Field.create();
    final int[] z = X25519Field.create();
    final int[] u = X25519Field.create();
    final int[] v = X25519Field.create();
    private final int[] a = X25519Field.create();
    private final int[] b = X25519Field.create();
    private final int[] c = X25519Field.create();
    private final int[] d = X25519Field.create();
    private final int[] f = X25519Field.create();
    private final int[] t = X25519Field.create();

    static Point identity() {
      Point p = new Point();
      X25519Field.one(p.y);
      X25519Field.one(p.z);
      X25519Field.one(p.v); // u = 0, so T = 0
      return p;
    }

    static Point affine(int[] x, int[] y) {
      Point p = new Point();
      X25519Field.copy(x, 0, p.x, 0);
      X25519Field.copy(y, 0, p.y, 0);
      X25519Field.one(p.z);
      X25519Field.copy(x, 0, p.u, 0);
      X25519Field.copy(y, 0, p.v, 0);
      return p;
    }

    Point copy() {
      Point p = new Point();
      X25519Field.copy(x, 0, p.x, 0);
      X25519Field.copy(y, 0, p.y, 0);
      X25519Field.copy(z, 0, p.z, 0);
      X25519Field.copy(u, 0, p.u, 0);
      X25519Field.copy(v, 0, p.v, 0);
      return p;
    }

    /** (Y+X, Y-X, 2Z, 2dT): one table entry. */
    int[][] cached() {
      int[][] out = {X25519Field.create(), X25519Field.create(), X25519Field.create(), X25519Field.create()};
      X25519Field.add(y, x, out[0]);
      X25519Field.carry(out[0]);
      X25519Field.sub(y, x, out[1]);
      X25519Field.carry(out[1]);
      X25519Field.add(z, z, out[2]);
      X25519Field.carry(out[2]);
      X25519Field.mul(u, v, out[3]);
      X25519Field.mul(out[3], D2, out[3]);
      return out;
    }

    /** (y+x, y-x, 2dxy) of the affine point: one table entry. */
    int[][] affineCached() {
      int[] zi = X25519Field.create();
      X25519Field.inv(z, zi);
      int[] ax = X25519Field.create();
      int[] ay = X25519Field.create();
      X25519Field.mul(x, zi, ax);
      X25519Field.mul(y, zi, ay);
      int[][] out = {X25519Field.create(), X25519Field.create(), X25519Field.create()};
      X25519Field.add(ay, ax, out[0]);
      X25519Field.carry(out[0]);
      X25519Field.sub(ay, ax, out[1]);
      X25519Field.carry(out[1]);
      X25519Field.mul(ax, ay, out[2]);
      X25519Field.mul(out[2], D2, out[2]);
      return out;
    }

    /** this = 2 * this (dbl-2008-hwcd: 4S + 3M, T left as U*V). */
    void dbl() {
      X25519Field.sqr(x, a);              // A = X^2
      X25519Field.sqr(y, b);              // B = Y^2
      X25519Field.sqr(z, c);
      X25519Field.add(c, c, c);           // C = 2 Z^2
      X25519Field.add(x, y, d);
      X25519Field.carry(d);
      X25519Field.sqr(d, d);              // (X+Y)^2
      X25519Field.sub(d, a, d);
      X25519Field.sub(d, b, u);           // E = (X+Y)^2 - A - B
      X25519Field.carry(u);
      X25519Field.sub(b, a, d);           // G = B - A (a = -1)
      X25519Field.carry(d);
      X25519Field.add(a, b, v);
      X25519Field.negate(v, v);           // H = -A - B
      X25519Field.carry(v);
      X25519Field.sub(d, c, c);           // F = G - C
      X25519Field.carry(c);
      X25519Field.mul(u, c, x);           // X = E F
      X25519Field.mul(d, v, y);           // Y = G H
      X25519Field.mul(c, d, z);           // Z = F G
    }

    /** this += (or -=) the point table[index] in (y+x, y-x, 2dxy) form (madd-2008-hwcd-3). */
    void addAffine(int[][][] table, int index, boolean subtract) {
      int[][] e = table[index];
      start(e, subtract);
      X25519Field.mul(t, e[2], c);        // C = T 2d x2 y2
      if (subtract) {
        X25519Field.negate(c, c);
      }
      X25519Field.add(z, z, d);           // D = 2 Z
      finish();
    }

    /** this += (or -=) the point table[index] in (Y+X, Y-X, 2Z, 2dT) form (add-2008-hwcd-3). */
    void addProjective(int[][][] table, int index, boolean subtract) {
      int[][] e = table[index];
      start(e, subtract);
      X25519Field.mul(t, e[3], c);        // C = T1 2d T2
      if (subtract) {
        X25519Field.negate(c, c);
      }
      X25519Field.mul(z, e[2], d);        // D = Z1 2 Z2
      finish();
    }

    /** T = UV, A = (Y-X)(y2-x2), B = (Y+X)(y2+x2); subtracting swaps y2+x2 and y2-x2. */
    private void start(int[][] e, boolean subtract) {
      X25519Field.mul(u, v, t);
      X25519Field.sub(y, x, a);
      X25519Field.carry(a);
      X25519Field.add(y, x, b);
      X25519Field.carry(b);
      X25519Field.mul(a, subtract ? e[0] : e[1], a);
      X25519Field.mul(b, subtract ? e[1] : e[0], b);
    }

    /** From A, B, C, D: E = B - A, F = D - C, G = D + C, H = B + A; X = EF, Y = GH, Z = FG, T = EH. */
    private void finish() {
      X25519Field.sub(b, a, u);
      X25519Field.carry(u);
      X25519Field.add(b, a, v);
      X25519Field.carry(v);
      X25519Field.sub(d, c, f);
      X25519Field.carry(f);
      X25519Field.add(d, c, d);           // G
      X25519Field.carry(d);
      X25519Field.mul(u, f, x);
      X25519Field.mul(d, v, y);
      X25519Field.mul(f, d, z);
    }

    /** The 32-byte encoding: y little-endian, x's low bit in the top bit. */
    byte[] encode() {
      int[] zi = X25519Field.create();
      X25519Field.invVar(z, zi);
      int[] ax = X25519Field.create();
      int[] ay = X25519Field.create();
      X25519Field.mul(x, zi, ax);
      X25519Field.mul(y, zi, ay);
      X25519Field.normalize(ax);
      X25519Field.normalize(ay);
      byte[] out = new byte[32];
      X25519Field.encode(ay, out, 0);
      out[31] |= (byte) ((ax[0] & 1) << 7);
      return out;
    }
  }
}
