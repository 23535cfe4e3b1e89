// Byte helpers and the writer of canonical bytes (docs/protocol.md 2).
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { ErrorReason } from "./gen/timecoin/v1/errors_pb.js";

/** A structure has no canonical form (wrong field size, keys out of order): `MALFORMED`. */
export class ProtocolError extends Error {
  constructor(
    readonly reason: ErrorReason,
    message: string,
  ) {
    super(message);
    this.name = "ProtocolError";
  }
}

export const malformed = (message: string) => new ProtocolError(ErrorReason.MALFORMED, message);

/** Lowercase hex, the notation of keys and hashes in the API and test vectors. */
export const hex = (bytes: Uint8Array): string => bytesToHex(bytes);

export function fromHex(s: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(s)) throw new TypeError(`not lowercase hex: ${s}`);
  return hexToBytes(s);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Unsigned byte order, the order of VALSET and CERT lists. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

export const NIL_HASH = new Uint8Array(32);

const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;
const utf8 = new TextEncoder();

/** Appends fields in the fixed layouts of docs/protocol.md 2: big-endian, fixed widths, u32 lengths. */
export class CanonicalWriter {
  private chunks: Uint8Array[] = [];

  /** Every structure starts with its domain tag "TIMECOIN/v2/" + NAME, written as a string. */
  static tagged(name: string): CanonicalWriter {
    return new CanonicalWriter().string(`TIMECOIN/v2/${name}`);
  }

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw malformed(`u8 out of range: ${v}`);
    return this.push(Uint8Array.of(v));
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw malformed(`u32 out of range: ${v}`);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v);
    return this.push(b);
  }

  i32(v: number): this {
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw malformed(`i32 out of range: ${v}`);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v);
    return this.push(b);
  }

  u64(v: bigint): this {
    if (v < 0n || v > U64_MAX) throw malformed(`u64 out of range: ${v}`);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v);
    return this.push(b);
  }

  /** A fixed-size field (hash, key 32; sig 64; addr 20): the wrong size has no canonical form. */
  fixed(b: Uint8Array, size: number, what: string): this {
    if (b.length !== size) throw malformed(`${what} must be ${size} bytes, got ${b.length}`);
    return this.push(b);
  }

  hash(b: Uint8Array, what = "hash"): this {
    return this.fixed(b, 32, what);
  }

  key(b: Uint8Array, what = "key"): this {
    return this.fixed(b, 32, what);
  }

  sig(b: Uint8Array, what = "signature"): this {
    return this.fixed(b, 64, what);
  }

  addr(b: Uint8Array, what = "address"): this {
    return this.fixed(b, 20, what);
  }

  bytes(b: Uint8Array): this {
    return this.u32(b.length).push(b);
  }

  string(s: string): this {
    return this.bytes(utf8.encode(s));
  }

  list<T>(items: readonly T[], item: (w: this, v: T) => void): this {
    this.u32(items.length);
    for (const v of items) item(this, v);
    return this;
  }

  finish(): Uint8Array {
    return concat(...this.chunks);
  }

  private push(b: Uint8Array): this {
    this.chunks.push(b);
    return this;
  }
}
