package io.timecoin.crypto;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.bouncycastle.math.ec.rfc7748.X25519Field;

/**
 * The cofactorless Ed25519 equation, encode([S]B - [k]A) == R's bytes (docs/protocol.md 1.1).
 *
 * <p>Why not BouncyCastle's verify: 1.87 checks the cofactored equation [8]([S]B - R - [k]A) = 0,
 * so it accepts an R with a small-order component (R = rB + T) that libsodium and the rule refuse.
 * Testing R for torsion afterwards costs a full scalar multiplication ([L]R), about a second
 * verification; computing [S]B - [k]A directly and comparing its encoding with R's bytes costs less
 * than BouncyCastle's verify. Variable time: nothing here is secret.
 *
 * <p>How: both scalars (below L < 2^253) are cut into four 64-bit pieces, S = sum S_j 2^(64 j) and
 * k = sum k_j 2^(64 j), so [S]B - [k]A = sum [S_j]B_j - [k_j]A_j with B_j = [2^(64 j)]B (static
 * tables) and A_j = [2^(64 j)]A (computed once per key, {@link #keyPowers}): eight wNAF streams
 * share 64 doublings instead of 253.
 */
final class CofactorlessEquation {
  private static final int[] D =
      fe("52036cee2b6ffe738cc740797779e89800700a4d4141d8ab75eb4dca135978a3");
  private static final int[] D2 =
      fe("2406d9dc56dffce7198e80f2eef3d13000e0149a8283b156ebd69b9426b2f159"); // 2d
  private static final int[] D4 =
      fe("480db3b8adbff9ce331d01e5dde7a26001c02935050762add7ad37284d65e2b2"); // 4d mod p
  private static final BigInteger L =
      BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
  private static final int FE = X25519Field.SIZE;

  /** Scalars are cut into this many pieces of PIECE_BITS bits. */
  private static final int PIECES = 4;

  private static final int PIECE_BITS = 64;

  /** Digit positions of one piece's wNAF: a carry can reach position PIECE_BITS. */
  private static final int DIGITS = PIECE_BITS + 1;

  /** wNAF width for S: digits odd, |d| < 2^(BASE_WIDTH-1), from static tables. */
  private static final int BASE_WIDTH = 7;

  /**
   * wNAF width for k: the key tables (A_j, 3A_j, 5A_j, 7A_j) are built for each verification, as
   * caching them would cost about 2 KB a key (200 MB for the ledger's 100,000-key cache); at this
   * width building them costs about as much as the additions they save.
   */
  private static final int KEY_WIDTH = 4;

  private static final int KEY_ENTRIES = 1 << (KEY_WIDTH - 2);

  /** BASE[j][i]: (2i+1)[2^(64 j)]B as an affine entry ((y+x)/2, (y-x)/2, dxy). */
  private static final int[][][][] BASE = baseTables();

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private CofactorlessEquation() {}

  /**
   * True when encode([S]B - [k]A) equals the first 32 bytes of {@code signature}, k = SHA-512(R ||
   * A || message) mod L. The caller has checked the sizes and S < L; {@code powers} is {@link
   * #keyPowers} of {@code keyBytes}.
   */
  static boolean holds(int[] powers, byte[] keyBytes, byte[] message, byte[] signature) {
    Scratch w = SCRATCH.get();
    MessageDigest sha = w.sha512;
    sha.update(signature, 0, 32);
    sha.update(keyBytes);
    sha.update(message);
    byte[] k = reduce(sha.digest());
    w.combination(powers, signature, 32, k, w.encoded);
    return Arrays.equals(w.encoded, 0, 32, signature, 0, 32);
  }

  /**
   * encode([s]B - [k]A) for the 32 little-endian bytes s at {@code sOffset} and k (any values below
   * 2^256), {@code powers} being {@link #keyPowers} of A: the equation's left side alone.
   */
  static byte[] combination(int[] powers, byte[] s, int sOffset, byte[] k) {
    byte[] out = new byte[32];
    SCRATCH.get().combination(powers, s, sOffset, k, out);
    return out;
  }

  /**
   * A_j = [2^(64 j)]A for j = 0..3, each as an affine entry ((y+x)/2, (y-x)/2, dxy), flat: the part
   * of the equation that depends on the key alone. Costs about one verification (192 doublings);
   * 480 bytes.
   */
  static int[] keyPowers(byte[] encoded) {
    int[][] xy = decode(encoded);
    Point p = Point.affine(xy[0], xy[1]);
    int[] out = new int[PIECES * 3 * FE];
    for (int j = 0; j < PIECES; j++) {
      if (j > 0) {
        for (int i = 0; i < PIECE_BITS; i++) {
          p.dbl();
        }
      }
      int[][] cached = p.affineCached();
      for (int c = 0; c < 3; c++) {
        X25519Field.copy(cached[c], 0, out, (3 * j + c) * FE);
      }
    }
    return out;
  }

  /** The affine (x, y) of a key BouncyCastle has already checked (canonical, on the curve). */
  private static int[][] decode(byte[] encoded) {
    byte[] yBytes = encoded.clone();
    int sign = (yBytes[31] & 0x80) >>> 7;
    yBytes[31] &= 0x7f;
    int[] y = X25519Field.create();
    X25519Field.decode255(yBytes, 0, y, 0); // the sign bit is cleared above
    int[] u = X25519Field.create();
    int[] v = X25519Field.create();
    X25519Field.sqr(y, u);
    X25519Field.mul(D, u, v);
    X25519Field.subOne(u); // u = y^2 - 1
    X25519Field.addOne(v); // v = d y^2 + 1
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

  /** The PIECE_BITS / 8 little-endian bytes at {@code offset}, as an unsigned piece. */
  private static long piece(byte[] b, int offset) {
    long v = 0;
    for (int i = PIECE_BITS / 8 - 1; i >= 0; i--) {
      v = (v << 8) | (b[offset + i] & 0xff);
    }
    return v;
  }

  private static boolean anyDigit(byte[] digits, int position) {
    for (int s = 0; s < 2 * PIECES; s++) {
      if (digits[s * DIGITS + position] != 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * The width-w NAF of the unsigned 64-bit {@code piece} into out[off .. off + 64] (cleared by the
   * caller): each digit 0 or odd with |d| < 2^(w-1), sum d[i] 2^i = piece. A carry out of a window
   * only happens when the window's top bit is a bit of the piece, so it lands at position <= 64.
   */
  static void wnaf(long piece, int width, byte[] out, int off) {
    int mask = (1 << width) - 1;
    int carry = 0;
    int i = 0;
    while (i < PIECE_BITS || carry != 0) {
      int window = i < PIECE_BITS ? (int) (piece >>> i) & mask : 0;
      if ((window & 1) == carry) {
        i++; // this position's bit plus the carry is even: digit 0, the carry moves on
        continue;
      }
      window += carry; // odd, below 2^width
      carry = window >>> (width - 1); // a top half window becomes negative
      out[off + i] = (byte) (window - (carry << width));
      i += width;
    }
  }

  private static int[][][][] baseTables() {
    int[] bx = fe("216936d3cd6e53fec0a4e231fdd6dc5c692cc7609525a7b2c9562d608f25d51a");
    int[] by = fe("6666666666666666666666666666666666666666666666666666666666666658");
    Point b = Point.affine(bx, by);
    int[][][][] tables = new int[PIECES][1 << (BASE_WIDTH - 2)][][];
    for (int j = 0; j < PIECES; j++) {
      if (j > 0) {
        for (int i = 0; i < PIECE_BITS; i++) {
          b.dbl();
        }
      }
      Point twice = b.copy();
      twice.dbl();
      int[][] twiceCached = Point.cachedArrays();
      twice.cached(twiceCached);
      Point p = b.copy();
      for (int i = 0; i < tables[j].length; i++) {
        tables[j][i] = p.affineCached();
        p.addProjective(twiceCached, false);
      }
    }
    return tables;
  }

  /** A field element from big-endian hex. */
  private static int[] fe(String bigEndianHex) {
    byte[] le = new byte[32];
    for (int i = 0; i < 32; i++) {
      le[i] = (byte) Integer.parseInt(bigEndianHex.substring(62 - 2 * i, 64 - 2 * i), 16);
    }
    int[] z = X25519Field.create();
    X25519Field.decode255(le, 0, z, 0);
    return z;
  }

  /** One thread's working memory, so a verification allocates next to nothing. */
  private static final class Scratch {
    final MessageDigest sha512;
    final Point acc = new Point();
    final Point p = new Point();
    final Point twice = new Point();
    final int[][] twiceCached = Point.cachedArrays();

    /** keyTables[j][i]: (2i+1)A_j; entry 0 in affine cached form (3), the others projective (4). */
    final int[][][][] keyTables = new int[PIECES][KEY_ENTRIES][][];

    final byte[] digits = new byte[2 * PIECES * DIGITS];
    final byte[] encoded = new byte[32];
    final int[] fe0 = X25519Field.create();
    final int[] fe1 = X25519Field.create();
    final int[] fe2 = X25519Field.create();

    Scratch() {
      try {
        sha512 = MessageDigest.getInstance("SHA-512");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
      for (int j = 0; j < PIECES; j++) {
        keyTables[j][0] =
            new int[][] {X25519Field.create(), X25519Field.create(), X25519Field.create()};
        for (int i = 1; i < KEY_ENTRIES; i++) {
          keyTables[j][i] = Point.cachedArrays();
        }
      }
    }

    /** out = encode([s]B - [k]A): Straus over the eight pieces' wNAFs, sharing 64 doublings. */
    void combination(int[] powers, byte[] s, int sOffset, byte[] k, byte[] out) {
      Arrays.fill(digits, (byte) 0);
      for (int j = 0; j < PIECES; j++) {
        wnaf(piece(s, sOffset + PIECE_BITS / 8 * j), BASE_WIDTH, digits, j * DIGITS);
        wnaf(piece(k, PIECE_BITS / 8 * j), KEY_WIDTH, digits, (PIECES + j) * DIGITS);
      }
      int top = DIGITS - 1;
      while (top >= 0 && !anyDigit(digits, top)) {
        top--;
      }
      for (int j = 0; j < PIECES; j++) {
        keyTable(j, powers);
      }
      acc.setIdentity();
      for (int i = top; i >= 0; i--) {
        if (i < top) {
          acc.dbl();
        }
        for (int j = 0; j < PIECES; j++) {
          int sd = digits[j * DIGITS + i];
          if (sd != 0) {
            acc.addAffine(BASE[j][Math.abs(sd) >> 1], sd < 0);
          }
        }
        for (int j = 0; j < PIECES; j++) {
          int kd = digits[(PIECES + j) * DIGITS + i];
          if (kd != 0) {
            int[][] e = keyTables[j][Math.abs(kd) >> 1];
            if (e.length == 3) {
              acc.addAffine(e, kd > 0); // minus [k]A
            } else {
              acc.addProjective(e, kd > 0);
            }
          }
        }
      }
      acc.encode(out, fe0, fe1, fe2);
    }

    /** keyTables[j] from A_j's affine cached form in {@code powers}: A_j, 3A_j, 5A_j, ... */
    void keyTable(int j, int[] powers) {
      int[][] table0 = keyTables[j][0];
      for (int c = 0; c < 3; c++) {
        X25519Field.copy(powers, (3 * j + c) * FE, table0[c], 0);
      }
      twice.setFromAffineEntry(table0);
      twice.dbl();
      twice.cached(twiceCached);
      p.copyFrom(twice);
      p.addAffine(table0, false); // 3A_j
      for (int i = 1; i < KEY_ENTRIES; i++) {
        p.cached(keyTables[j][i]);
        if (i + 1 < KEY_ENTRIES) {
          p.addProjective(twiceCached, false);
        }
      }
    }
  }

  /**
   * A point in extended coordinates (X:Y:Z:T), T = U*V kept as its two factors so a doubling need
   * not multiply them (formulas: Hisil, Wong, Carter, Dawson 2008, a = -1; complete on this curve).
   * The operation sequences, and where they carry, are those of BouncyCastle's own Ed25519
   * (pointDouble, pointAddVar), so the limb bounds are the ones its field arithmetic is built for.
   *
   * <p>Table entries: affine ones are ((y+x)/2, (y-x)/2, dxy), which halves A, B, C and D alike
   * (the same point) and spares doubling Z; projective ones are (Y+X, Y-X, 2dT, 2Z).
   */
  private static final class Point {
    final int[] x = X25519Field.create();
    final int[] y = X25519Field.create();
    final int[] z = X25519Field.create();
    final int[] u = X25519Field.create();
    final int[] v = X25519Field.create();
    private final int[] c = X25519Field.create();
    private final int[] d = X25519Field.create();

    static Point affine(int[] x, int[] y) {
      Point p = new Point();
      X25519Field.copy(x, 0, p.x, 0);
      X25519Field.copy(y, 0, p.y, 0);
      X25519Field.one(p.z);
      X25519Field.copy(x, 0, p.u, 0);
      X25519Field.copy(y, 0, p.v, 0);
      return p;
    }

    /** Room for one projective (Y+X, Y-X, 2dT, 2Z) entry. */
    static int[][] cachedArrays() {
      return new int[][] {
        X25519Field.create(), X25519Field.create(), X25519Field.create(), X25519Field.create()
      };
    }

    void setIdentity() {
      X25519Field.zero(x);
      X25519Field.one(y);
      X25519Field.one(z);
      X25519Field.zero(u); // T = 0
      X25519Field.one(v);
    }

    /** (x : y : 1) from an affine entry's (y+x)/2 and (y-x)/2, with T = xy. */
    void setFromAffineEntry(int[][] e) {
      X25519Field.apm(e[0], e[1], y, x);
      X25519Field.carry(x); // as small as a product's limbs, which dbl expects
      X25519Field.carry(y);
      X25519Field.one(z);
      X25519Field.copy(x, 0, u, 0);
      X25519Field.copy(y, 0, v, 0);
    }

    void copyFrom(Point p) {
      X25519Field.copy(p.x, 0, x, 0);
      X25519Field.copy(p.y, 0, y, 0);
      X25519Field.copy(p.z, 0, z, 0);
      X25519Field.copy(p.u, 0, u, 0);
      X25519Field.copy(p.v, 0, v, 0);
    }

    Point copy() {
      Point p = new Point();
      p.copyFrom(this);
      return p;
    }

    /** (Y+X, Y-X, 2dT, 2Z) into out: a projective table entry. */
    void cached(int[][] out) {
      X25519Field.apm(y, x, out[0], out[1]);
      X25519Field.mul(u, v, out[2]);
      X25519Field.mul(out[2], D2, out[2]);
      X25519Field.add(z, z, out[3]);
    }

    /** ((y+x)/2, (y-x)/2, dxy) of the affine point: an affine table entry. */
    int[][] affineCached() {
      int[] hx = X25519Field.create();
      int[] hy = X25519Field.create();
      X25519Field.add(z, z, hx);
      X25519Field.invVar(hx, hy); // 1 / 2Z
      X25519Field.mul(x, hy, hx); // x/2
      X25519Field.mul(y, hy, hy); // y/2
      int[][] out = {X25519Field.create(), X25519Field.create(), X25519Field.create()};
      X25519Field.apm(hy, hx, out[0], out[1]);
      X25519Field.mul(hx, hy, out[2]);
      X25519Field.mul(out[2], D4, out[2]); // (x/2)(y/2) 4d = dxy
      X25519Field.normalize(out[0]);
      X25519Field.normalize(out[1]);
      return out;
    }

    /** this = 2 * this (dbl-2008-hwcd with E, F, G, H all negated: 4S + 3M). */
    void dbl() {
      int[] a = x;
      int[] b = y;
      int[] e = u;
      int[] f = a;
      int[] g = b;
      int[] h = v;
      X25519Field.add(x, y, e);
      X25519Field.sqr(x, a); // X^2
      X25519Field.sqr(y, b); // Y^2
      X25519Field.sqr(z, c);
      X25519Field.add(c, c, c); // 2 Z^2
      X25519Field.apm(a, b, h, g); // h = X^2 + Y^2, g = X^2 - Y^2
      X25519Field.sqr(e, e);
      X25519Field.sub(h, e, e); // e = X^2 + Y^2 - (X+Y)^2
      X25519Field.add(c, g, f);
      X25519Field.carry(f);
      X25519Field.mul(f, g, z);
      X25519Field.mul(f, e, x);
      X25519Field.mul(g, h, y);
    }

    /** this += (or -=) the affine entry e (madd-2008-hwcd-3, halved). */
    void addAffine(int[][] e, boolean subtract) {
      int[] a = x;
      int[] b = y;
      int[] na = subtract ? b : a; // -P swaps (y+x) and (y-x) and negates dxy:
      int[] nb = subtract ? a : b; // the swap is here, the sign in F and G below
      X25519Field.apm(y, x, b, a); // b = Y+X, a = Y-X
      X25519Field.mul(na, e[1], na);
      X25519Field.mul(nb, e[0], nb);
      X25519Field.mul(u, v, c);
      X25519Field.mul(c, e[2], c); // C = T dxy
      finish(z, na, nb);
    }

    /** this += (or -=) the projective entry e (add-2008-hwcd-3). */
    void addProjective(int[][] e, boolean subtract) {
      int[] a = x;
      int[] b = y;
      int[] na = subtract ? b : a;
      int[] nb = subtract ? a : b;
      X25519Field.apm(y, x, b, a);
      X25519Field.mul(na, e[1], na);
      X25519Field.mul(nb, e[0], nb);
      X25519Field.mul(u, v, c);
      X25519Field.mul(c, e[2], c); // C = T1 2d T2
      X25519Field.mul(z, e[3], d); // D = Z1 2 Z2
      finish(d, na, nb);
    }

    /**
     * From A (in x), B (in y), C and D: E = B - A, H = B + A, G = D + C, F = D - C (G and F swapped
     * when subtracting: C's sign); X = EF, Y = GH, Z = FG, T = EH.
     */
    private void finish(int[] dd, int[] nf, int[] ng) {
      int[] f = x;
      int[] g = y;
      X25519Field.apm(y, x, v, u); // h = B + A, e = B - A
      X25519Field.apm(dd, c, ng, nf);
      X25519Field.mul(f, g, z);
      X25519Field.mul(f, u, x);
      X25519Field.mul(g, v, y);
    }

    /** out = the 32-byte encoding: y little-endian, x's low bit in the top bit. */
    void encode(byte[] out, int[] zi, int[] ax, int[] ay) {
      X25519Field.invVar(z, zi);
      X25519Field.mul(x, zi, ax);
      X25519Field.mul(y, zi, ay);
      X25519Field.normalize(ax);
      X25519Field.normalize(ay);
      X25519Field.encode(ay, out, 0);
      out[31] |= (byte) ((ax[0] & 1) << 7);
    }
  }
}
