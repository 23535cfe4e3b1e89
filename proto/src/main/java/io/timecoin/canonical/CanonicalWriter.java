package io.timecoin.canonical;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes the canonical layout of docs/protocol.md 2: big-endian fixed-width integers, fixed-size
 * raw hashes, keys, signatures and addresses, and u32-length-prefixed bytes and strings. Fixed-size
 * fields of the wrong size are refused, never padded.
 */
public final class CanonicalWriter {
  private byte[] buf;
  private int size;

  /** A writer that starts with {@code domain}'s tag. */
  public CanonicalWriter(Domain domain) {
    this.buf = new byte[256];
    string(domain.tag());
  }

  public CanonicalWriter u8(int v) {
    if (v < 0 || v > 0xff) {
      throw new MalformedException("u8 out of range: " + v);
    }
    ensure(1);
    buf[size++] = (byte) v;
    return this;
  }

  /** An unsigned 32-bit value, passed as Java's int (protobuf's uint32 reads the same way). */
  public CanonicalWriter u32(int v) {
    ensure(4);
    buf[size++] = (byte) (v >>> 24);
    buf[size++] = (byte) (v >>> 16);
    buf[size++] = (byte) (v >>> 8);
    buf[size++] = (byte) v;
    return this;
  }

  /** A signed 32-bit value, two's complement: -1 is ff ff ff ff. */
  public CanonicalWriter i32(int v) {
    return u32(v);
  }

  /** An unsigned 64-bit value, passed as Java's long (protobuf's uint64 reads the same way). */
  public CanonicalWriter u64(long v) {
    ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      buf[size++] = (byte) (v >>> shift);
    }
    return this;
  }

  public CanonicalWriter hash(ByteString v, String field) {
    return fixed(v, 32, field);
  }

  public CanonicalWriter key(ByteString v, String field) {
    return fixed(v, 32, field);
  }

  public CanonicalWriter sig(ByteString v, String field) {
    return fixed(v, 64, field);
  }

  public CanonicalWriter addr(ByteString v, String field) {
    return fixed(v, 20, field);
  }

  public CanonicalWriter hash(byte[] v, String field) {
    return hash(ByteString.copyFrom(v), field);
  }

  /** A u32 length, then the bytes. */
  public CanonicalWriter bytes(ByteString v) {
    u32(v.size());
    ensure(v.size());
    v.copyTo(buf, size);
    size += v.size();
    return this;
  }

  /** A u32 length, then the UTF-8 bytes. */
  public CanonicalWriter string(String v) {
    return bytes(ByteString.copyFrom(v, StandardCharsets.UTF_8));
  }

  /** The u32 count of a list; its items follow. */
  public CanonicalWriter count(int n) {
    return u32(n);
  }

  /** The bytes written so far. */
  public byte[] toByteArray() {
    return Arrays.copyOf(buf, size);
  }

  private CanonicalWriter fixed(ByteString v, int length, String field) {
    if (v.size() != length) {
      throw new MalformedException(field + " must be " + length + " bytes, got " + v.size());
    }
    ensure(length);
    v.copyTo(buf, size);
    size += length;
    return this;
  }

  private void ensure(int more) {
    if (size + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
    }
  }
}
