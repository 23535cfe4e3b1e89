package io.timecoin.vectors;

import io.timecoin.crypto.Ed25519KeyPair;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The "ed25519" section of the test vectors: edge cases of the one exact Ed25519 rule
 * (docs/protocol.md 1.1) with their verdicts, each {name, public_key, message, signature, valid}.
 *
 * <p>Every verdict is computed here by a reference implementation of the rule on BigInteger
 * arithmetic (slow and plain, written from the rule, not from the node's verifier), and each case
 * is also checked against the verdict it was built to have. Ed25519VectorsTest then holds the
 * node's verifier to these verdicts, and testvectors/ed25519_rule.py checks them independently.
 */
public final class Ed25519Cases {
  private static final HexFormat HEX = HexFormat.of();
  static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
  static final BigInteger L =
      BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
  private static final BigInteger D =
      BigInteger.valueOf(-121665).multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
  private static final BigInteger SQRT_M1 =
      BigInteger.TWO.modPow(P.subtract(BigInteger.ONE).shiftRight(2), P);
  private static final BigInteger[] IDENTITY = {
    BigInteger.ZERO, BigInteger.ONE, BigInteger.ONE, BigInteger.ZERO
  };
  private static final BigInteger[] B =
      decodeAny(HEX.parseHex("5866666666666666666666666666666666666666666666666666666666666666"));

  /** The canonical encodings of the 8 small-order points, by order: 1, 2, 4, 4, 8, 8, 8, 8. */
  static final String[] SMALL_ORDER = {
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  };

  /** The non-canonical encodings of small-order points: x = 0 with the sign bit, and y + p. */
  static final String[][] SMALL_ORDER_NON_CANONICAL = {
    {"identity/x=0-sign-bit", "0100000000000000000000000000000000000000000000000000000000000080"},
    {"identity/y=p+1", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
    {"identity/y=p+1-sign-bit", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
    {"order2/x=0-sign-bit", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
    {"order4/y=p", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"},
    {"order4/y=p-sign-bit", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"},
  };

  private static final String[] SMALL_ORDER_NAMES = {
    "identity",
    "order2",
    "order4/x-even",
    "order4/x-odd",
    "order8/a-even",
    "order8/a-odd",
    "order8/b-even",
    "order8/b-odd"
  };

  /**
   * The 10 cases of novifinancial/ed25519-speccheck (cases.json): message, public key, signature.
   */
  private static final String[][] SPECCHECK = {
    {
      "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000"
    },
    {
      "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
      "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04"
    },
    {
      "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab",
      "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e"
    },
    {
      "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
      "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
      "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009"
    },
    {
      "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
      "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
      "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09"
    },
    {
      "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
      "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
      "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405"
    },
    {
      "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
      "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
      "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514"
    },
    {
      "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
      "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
      "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22"
    },
    {
      "fdaebc429f4a735932a160da1301080c13280eea8bc280d1b392c6b9e6ba3a5a",
      "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f454d370c8d9fc323a41450f8d513eafeb5b0697390c1e505a0d4ddc71f566607"
    },
    {
      "84b698d39be126ff55fe45079e6c8bf64a0d7db6994560b4e96b7021eb39c1a1",
      "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f084d5b99c2a9463d9c8bd5026916996984eeec87ddf1d3be329006ace1b37b09"
    },
  };

  /** RFC 8032 7.1 TEST 1, 2, 3, 1024, SHA(abc): secret key, message, signature. */
  private static final String[][] RFC8032 = {
    {
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
      "",
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    },
    {
      "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
      "72",
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
    },
    {
      "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
      "af82",
      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
    },
    {
      "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
      ""
          + "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1"
          + "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
          + "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a"
          + "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
          + "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10"
          + "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
          + "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d"
          + "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
          + "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b"
          + "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
          + "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b"
          + "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
          + "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d"
          + "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
          + "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7"
          + "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
          + "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09"
          + "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
          + "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161"
          + "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
          + "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca"
          + "c60c905c15fc910840b94c00a0b9d0",
      "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"
    },
    {
      "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
      "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"
    },
  };

  private Ed25519Cases() {}

  /** Every case, in a fixed order. */
  public static List<Map<String, Object>> cases() {
    List<Map<String, Object>> out = new ArrayList<>();
    Signer signer = new Signer(scalar("timecoin ed25519 case key"));

    for (int i = 0; i < RFC8032.length; i++) {
      Ed25519KeyPair key = Ed25519KeyPair.fromSeed(HEX.parseHex(RFC8032[i][0]));
      byte[] msg = HEX.parseHex(RFC8032[i][1]);
      byte[] sig = key.sign(msg);
      check(Arrays.equals(sig, HEX.parseHex(RFC8032[i][2])), "RFC 8032 signature " + (i + 1));
      add(
          out,
          "rfc8032/test-" + new String[] {"1", "2", "3", "1024", "sha-abc"}[i],
          key.publicKey().bytes(),
          msg,
          sig,
          true);
    }

    byte[] msg = utf8("TIMECOIN/v2/VOTE edge cases");
    byte[] good = signer.sign(msg);
    add(out, "valid/plain", signer.a, msg, good, true);
    add(out, "valid/empty-message", signer.a, new byte[0], signer.sign(new byte[0]), true);
    add(out, "length/63-bytes", signer.a, msg, Arrays.copyOf(good, 63), false);
    add(out, "length/65-bytes", signer.a, msg, Arrays.copyOf(good, 65), false);
    add(out, "length/empty", signer.a, msg, new byte[0], false);

    // S out of range. S + kL satisfies the equation just as S does: only the range check refuses
    // it.
    BigInteger s = le(Arrays.copyOfRange(good, 32, 64));
    add(out, "s/equals-L", signer.a, msg, withS(good, L), false);
    add(out, "s/L+1", signer.a, msg, withS(good, L.add(BigInteger.ONE)), false);
    add(out, "s/S+L", signer.a, msg, withS(good, s.add(L)), false);
    add(out, "s/S+2L", signer.a, msg, withS(good, s.add(L.shiftLeft(1))), false);
    BigInteger topBitsClear =
        s.add(L.multiply(BigInteger.valueOf(7))); // still below 2^255: passes a top-bit-only check
    add(out, "s/S+7L-top-bits-clear", signer.a, msg, withS(good, topBitsClear), false);
    add(
        out,
        "s/all-ones",
        signer.a,
        msg,
        withS(good, BigInteger.TWO.pow(256).subtract(BigInteger.ONE)),
        false);
    add(out, "s/zero", signer.a, msg, withS(good, BigInteger.ZERO), false);

    List<String[]> encodings = new ArrayList<>();
    for (int i = 0; i < SMALL_ORDER.length; i++) {
      encodings.add(new String[] {SMALL_ORDER_NAMES[i], SMALL_ORDER[i]});
    }
    encodings.addAll(List.of(SMALL_ORDER_NON_CANONICAL));
    for (String[] e : encodings) {
      byte[] point = HEX.parseHex(e[1]);
      // As R: S = k a, so [S]B - [k]A is the identity and the cofactored equation holds for every
      // small-order R (and the cofactorless one for the identity's encodings, if decoded
      // leniently).
      byte[] m = utf8("small-order R " + e[0]);
      BigInteger k = challenge(point, signer.a, m);
      add(
          out,
          "small-order-R/" + e[0],
          signer.a,
          m,
          concat(point, le32(k.multiply(signer.secret).mod(L))),
          false);
      // As A: R = rB, S = r, with a message whose k is a multiple of 8, so [S]B - [k]A = R exactly.
      BigInteger r = scalar("small-order A " + e[0]);
      byte[] rBytes = encode(mul(r, B));
      byte[] m2 = messageWithChallengeDivisibleBy8("small-order A " + e[0], rBytes, point);
      add(out, "small-order-A/" + e[0], point, m2, concat(rBytes, le32(r)), false);
    }

    // Both small order: any message passes the (cofactored) equation with S = 0.
    add(
        out,
        "small-order-A-and-R/order8",
        HEX.parseHex(SMALL_ORDER[4]),
        msg,
        concat(HEX.parseHex(SMALL_ORDER[6]), new byte[32]),
        false);

    // Mixed-order points: a prime-order point plus a small-order one.
    for (int i = 1; i < SMALL_ORDER.length; i++) {
      BigInteger[] t = decodeAny(HEX.parseHex(SMALL_ORDER[i]));
      // As R: R = rB + T, S = r + k a. [S]B - [k]A = rB != R: the cofactorless equation fails, the
      // cofactored one ([8] of the difference) holds. BouncyCastle 1.87 accepts these.
      BigInteger r = scalar("mixed R " + i);
      byte[] rBytes = encode(add(mul(r, B), t));
      byte[] m = utf8("mixed-order R " + SMALL_ORDER_NAMES[i]);
      BigInteger k = challenge(rBytes, signer.a, m);
      add(
          out,
          "mixed-order-R/" + SMALL_ORDER_NAMES[i],
          signer.a,
          m,
          concat(rBytes, le32(r.add(k.multiply(signer.secret)).mod(L))),
          false);
      // As A: A = aB + T, R = rB, S = r + k a with 8 | k: the cofactorless equation holds exactly.
      byte[] mixedA = encode(add(mul(signer.secret, B), t));
      BigInteger r2 = scalar("mixed A " + i);
      byte[] r2Bytes = encode(mul(r2, B));
      byte[] m2 =
          messageWithChallengeDivisibleBy8(
              "mixed-order A " + SMALL_ORDER_NAMES[i], r2Bytes, mixedA);
      BigInteger k2 = challenge(r2Bytes, mixedA, m2);
      add(
          out,
          "mixed-order-A/" + SMALL_ORDER_NAMES[i],
          mixedA,
          m2,
          concat(r2Bytes, le32(r2.add(k2.multiply(signer.secret)).mod(L))),
          false);
    }

    // Non-canonical encodings (y >= p) of points not of small order: y = p + y' for small y' on the
    // curve.
    for (int y = 2; y < 19; y++) {
      BigInteger[] point = decodeAny(le32(BigInteger.valueOf(y)));
      if (point == null) {
        continue;
      }
      byte[] nonCanonical = le32(P.add(BigInteger.valueOf(y)));
      byte[] m = utf8("non-canonical y=p+" + y);
      BigInteger k = challenge(nonCanonical, signer.a, m);
      add(
          out,
          "non-canonical-R/y=p+" + y,
          signer.a,
          m,
          concat(nonCanonical, le32(k.multiply(signer.secret).mod(L))),
          false);
      BigInteger r = scalar("non-canonical A " + y);
      byte[] rBytes = encode(mul(r, B));
      add(out, "non-canonical-A/y=p+" + y, nonCanonical, m, concat(rBytes, le32(r)), false);
    }
    // Not on the curve at all.
    for (int y = 2; y < 40; y++) {
      if (decodeAny(le32(BigInteger.valueOf(y))) == null) {
        byte[] off = le32(BigInteger.valueOf(y));
        add(
            out,
            "off-curve-R/y=" + y,
            signer.a,
            msg,
            concat(off, Arrays.copyOfRange(good, 32, 64)),
            false);
        add(out, "off-curve-A/y=" + y, off, msg, good, false);
        break;
      }
    }

    for (int i = 0; i < SPECCHECK.length; i++) {
      add(
          out,
          "speccheck/" + i,
          HEX.parseHex(SPECCHECK[i][1]),
          HEX.parseHex(SPECCHECK[i][0]),
          HEX.parseHex(SPECCHECK[i][2]),
          false);
    }
    return out;
  }

  /** Adds a case after checking that the reference rule gives the verdict it was built to have. */
  private static void add(
      List<Map<String, Object>> out,
      String name,
      byte[] key,
      byte[] msg,
      byte[] sig,
      boolean valid) {
    check(rule(key, msg, sig) == valid, name + ": the rule says " + !valid);
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", name);
    c.put("public_key", HEX.formatHex(key));
    c.put("message", HEX.formatHex(msg));
    c.put("signature", HEX.formatHex(sig));
    c.put("valid", valid);
    out.add(c);
  }

  /** The rule (docs/protocol.md 1.1), plainly. */
  static boolean rule(byte[] key, byte[] msg, byte[] sig) {
    if (key.length != 32 || sig.length != 64) {
      return false;
    }
    byte[] rBytes = Arrays.copyOfRange(sig, 0, 32);
    BigInteger s = le(Arrays.copyOfRange(sig, 32, 64));
    if (s.compareTo(L) >= 0) {
      return false;
    }
    BigInteger[] a = decodeCanonical(key);
    if (a == null || isIdentity(mul(BigInteger.valueOf(8), a)) || !isIdentity(mul(L, a))) {
      return false; // not canonical, small order, or mixed order
    }
    BigInteger[] r = decodeCanonical(rBytes);
    if (r == null || isIdentity(mul(BigInteger.valueOf(8), r))) {
      return false;
    }
    BigInteger k = challenge(rBytes, key, msg);
    BigInteger[] lhs = add(mul(s, B), neg(mul(k, a)));
    return Arrays.equals(encode(lhs), rBytes);
  }

  private static final class Signer {
    final BigInteger secret;
    final byte[] a;

    Signer(BigInteger secret) {
      this.secret = secret;
      this.a = encode(mul(secret, B));
    }

    byte[] sign(byte[] msg) {
      BigInteger r = scalar("nonce " + HEX.formatHex(msg));
      byte[] rBytes = encode(mul(r, B));
      BigInteger k = challenge(rBytes, a, msg);
      return concat(rBytes, le32(r.add(k.multiply(secret)).mod(L)));
    }
  }

  private static byte[] messageWithChallengeDivisibleBy8(String base, byte[] r, byte[] a) {
    for (int i = 0; ; i++) {
      byte[] m = utf8(base + " #" + i);
      if (!challenge(r, a, m).testBit(0)
          && !challenge(r, a, m).testBit(1)
          && !challenge(r, a, m).testBit(2)) {
        return m;
      }
    }
  }

  static BigInteger challenge(byte[] r, byte[] a, byte[] msg) {
    return le(sha512(r, a, msg)).mod(L);
  }

  private static BigInteger scalar(String label) {
    return le(sha512(utf8(label))).mod(L);
  }

  private static byte[] withS(byte[] sig, BigInteger s) {
    byte[] out = sig.clone();
    System.arraycopy(le32(s), 0, out, 32, 32);
    return out;
  }

  // Edwards25519 in extended coordinates (X:Y:Z:T), a = -1.

  static BigInteger[] add(BigInteger[] p, BigInteger[] q) {
    BigInteger a = p[1].subtract(p[0]).multiply(q[1].subtract(q[0])).mod(P);
    BigInteger b = p[1].add(p[0]).multiply(q[1].add(q[0])).mod(P);
    BigInteger c = p[3].multiply(BigInteger.TWO).multiply(D).multiply(q[3]).mod(P);
    BigInteger d = p[2].multiply(BigInteger.TWO).multiply(q[2]).mod(P);
    BigInteger e = b.subtract(a);
    BigInteger f = d.subtract(c);
    BigInteger g = d.add(c);
    BigInteger h = b.add(a);
    return new BigInteger[] {
      e.multiply(f).mod(P), g.multiply(h).mod(P), f.multiply(g).mod(P), e.multiply(h).mod(P)
    };
  }

  static BigInteger[] neg(BigInteger[] p) {
    return new BigInteger[] {P.subtract(p[0]).mod(P), p[1], p[2], P.subtract(p[3]).mod(P)};
  }

  static BigInteger[] mul(BigInteger s, BigInteger[] p) {
    BigInteger[] q = IDENTITY;
    for (int i = s.bitLength() - 1; i >= 0; i--) {
      q = add(q, q);
      if (s.testBit(i)) {
        q = add(q, p);
      }
    }
    return q;
  }

  static boolean isIdentity(BigInteger[] p) {
    return p[0].signum() == 0 && p[1].subtract(p[2]).mod(P).signum() == 0;
  }

  static byte[] encode(BigInteger[] p) {
    BigInteger zi = p[2].modInverse(P);
    BigInteger x = p[0].multiply(zi).mod(P);
    BigInteger y = p[1].multiply(zi).mod(P);
    return le32(x.testBit(0) ? y.setBit(255) : y);
  }

  /** Strict decoding: y < p, and no sign bit on x = 0; null otherwise or when not on the curve. */
  static BigInteger[] decodeCanonical(byte[] s) {
    BigInteger v = le(s);
    BigInteger y = v.clearBit(255);
    if (y.compareTo(P) >= 0) {
      return null;
    }
    BigInteger[] p = decodeAny(s);
    if (p == null || (p[0].signum() == 0 && v.testBit(255))) {
      return null;
    }
    return p;
  }

  /** Lenient decoding (y reduced mod p, sign bit on x = 0 ignored): null when not on the curve. */
  static BigInteger[] decodeAny(byte[] s) {
    BigInteger v = le(s);
    boolean sign = v.testBit(255);
    BigInteger y = v.clearBit(255).mod(P);
    BigInteger u = y.multiply(y).subtract(BigInteger.ONE).mod(P);
    BigInteger w = D.multiply(y).multiply(y).add(BigInteger.ONE).mod(P);
    BigInteger x2 = u.multiply(w.modInverse(P)).mod(P);
    BigInteger x = x2.modPow(P.add(BigInteger.valueOf(3)).shiftRight(3), P);
    if (x.multiply(x).subtract(x2).mod(P).signum() != 0) {
      x = x.multiply(SQRT_M1).mod(P);
    }
    if (x.multiply(x).subtract(x2).mod(P).signum() != 0) {
      return null;
    }
    if (x.testBit(0) != sign) {
      x = P.subtract(x).mod(P);
    }
    return new BigInteger[] {x, y, BigInteger.ONE, x.multiply(y).mod(P)};
  }

  static BigInteger le(byte[] b) {
    byte[] be = new byte[b.length + 1];
    for (int i = 0; i < b.length; i++) {
      be[b.length - i] = b[i];
    }
    return new BigInteger(be);
  }

  static byte[] le32(BigInteger v) {
    byte[] out = new byte[32];
    for (int i = 0; i < 32; i++) {
      out[i] = v.shiftRight(8 * i).byteValue();
    }
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] sha512(byte[]... parts) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-512");
      for (byte[] p : parts) {
        md.update(p);
      }
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void check(boolean condition, String what) {
    if (!condition) {
      throw new IllegalStateException("Ed25519 case generation: " + what);
    }
  }
}
