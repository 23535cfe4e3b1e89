package io.timecoin.crypto;

import java.io.ByteArrayOutputStream;
import java.util.Locale;

/** Bech32m strings (BIP-350): a human-readable part, "1", 5-bit data and a 6-character checksum. */
public final class Bech32m {
  private static final String CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  private static final int CONSTANT = 0x2bc830a3; // BIP-350; bech32 (BIP-173) used 1
  private static final int MAX_LENGTH = 90;

  private Bech32m() {}

  /** A decoded string: its human-readable part (lowercase) and its 5-bit data values. */
  public record Decoded(String hrp, byte[] data) {}

  /** Encodes 5-bit values under {@code hrp} (lowercase output). */
  public static String encode(String hrp, byte[] values) {
    String lowerHrp = hrp.toLowerCase(Locale.ROOT);
    checkHrp(lowerHrp);
    if (lowerHrp.length() + 1 + values.length + 6 > MAX_LENGTH) {
      throw new IllegalArgumentException("bech32m string longer than " + MAX_LENGTH);
    }
    int checksum = polymod(expand(lowerHrp, values, new byte[6])) ^ CONSTANT;
    StringBuilder out = new StringBuilder(lowerHrp).append('1');
    for (byte v : values) {
      out.append(CHARSET.charAt(v));
    }
    for (int i = 0; i < 6; i++) {
      out.append(CHARSET.charAt((checksum >>> (5 * (5 - i))) & 31));
    }
    return out.toString();
  }

  /**
   * Decodes and checks a bech32m string.
   *
   * @throws IllegalArgumentException with the reason when it is not a valid bech32m string
   */
  public static Decoded decode(String text) {
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("longer than " + MAX_LENGTH + " characters");
    }
    if (!text.equals(text.toLowerCase(Locale.ROOT))
        && !text.equals(text.toUpperCase(Locale.ROOT))) {
      throw new IllegalArgumentException("mixed case");
    }
    String lower = text.toLowerCase(Locale.ROOT);
    int separator = lower.lastIndexOf('1');
    if (separator < 1 || separator + 7 > lower.length()) {
      throw new IllegalArgumentException("no separator, empty prefix or short checksum");
    }
    String hrp = lower.substring(0, separator);
    checkHrp(hrp);
    byte[] all = new byte[lower.length() - separator - 1];
    for (int i = 0; i < all.length; i++) {
      int v = CHARSET.indexOf(lower.charAt(separator + 1 + i));
      if (v < 0) {
        throw new IllegalArgumentException(
            "invalid character '" + lower.charAt(separator + 1 + i) + "'");
      }
      all[i] = (byte) v;
    }
    byte[] data = java.util.Arrays.copyOf(all, all.length - 6);
    byte[] checksum = java.util.Arrays.copyOfRange(all, all.length - 6, all.length);
    if (polymod(expand(hrp, data, checksum)) != CONSTANT) {
      throw new IllegalArgumentException("bad checksum");
    }
    return new Decoded(hrp, data);
  }

  /** Regroups bits (BIP-173 convertbits): 8 to 5 pads, 5 to 8 refuses padding that is not zero. */
  public static byte[] convertBits(byte[] in, int fromBits, int toBits, boolean pad) {
    int acc = 0;
    int bits = 0;
    int maxValue = (1 << toBits) - 1;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte b : in) {
      int value = b & 0xff;
      if (value >>> fromBits != 0) {
        throw new IllegalArgumentException("value out of range");
      }
      acc = (acc << fromBits) | value;
      bits += fromBits;
      while (bits >= toBits) {
        bits -= toBits;
        out.write((acc >>> bits) & maxValue);
      }
    }
    if (pad) {
      if (bits > 0) {
        out.write((acc << (toBits - bits)) & maxValue);
      }
    } else if (bits >= fromBits || ((acc << (toBits - bits)) & maxValue) != 0) {
      throw new IllegalArgumentException("invalid padding");
    }
    return out.toByteArray();
  }

  private static void checkHrp(String hrp) {
    if (hrp.isEmpty() || hrp.length() > 83) {
      throw new IllegalArgumentException("human-readable part must be 1 to 83 characters");
    }
    for (int i = 0; i < hrp.length(); i++) {
      char c = hrp.charAt(i);
      if (c < 33 || c > 126) {
        throw new IllegalArgumentException("invalid character in human-readable part");
      }
    }
  }

  private static byte[] expand(String hrp, byte[] data, byte[] checksum) {
    int n = hrp.length();
    byte[] out = new byte[2 * n + 1 + data.length + checksum.length];
    for (int i = 0; i < n; i++) {
      out[i] = (byte) (hrp.charAt(i) >>> 5);
      out[n + 1 + i] = (byte) (hrp.charAt(i) & 31);
    }
    System.arraycopy(data, 0, out, 2 * n + 1, data.length);
    System.arraycopy(checksum, 0, out, 2 * n + 1 + data.length, checksum.length);
    return out;
  }

  private static int polymod(byte[] values) {
    int[] generator = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    int chk = 1;
    for (byte v : values) {
      int top = chk >>> 25;
      chk = ((chk & 0x1ffffff) << 5) ^ v;
      for (int i = 0; i < 5; i++) {
        if (((top >>> i) & 1) != 0) {
          chk ^= generator[i];
        }
      }
    }
    return chk;
  }
}
