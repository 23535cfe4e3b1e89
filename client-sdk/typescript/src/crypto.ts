// SHA-256 and the exact Ed25519 rule of docs/protocol.md 1.1, on @noble/ed25519's curve arithmetic.
import * as ed from "@noble/ed25519";
import { sha256 as nobleSha256, sha512 } from "@noble/hashes/sha2.js";
import { concat, equalBytes } from "./bytes.js";

ed.hashes.sha512 = sha512;

export const sha256 = (data: Uint8Array): Uint8Array => nobleSha256(data);

/** The order of the prime subgroup. */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

const littleEndian = (b: Uint8Array): bigint => {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
};

/** RFC 8032 strict decoding: undefined if y >= p, x = 0 with the sign bit, or off the curve. */
function decodeCanonical(b: Uint8Array): ed.Point | undefined {
  try {
    return ed.Point.fromBytes(b, false);
  } catch {
    return undefined;
  }
}

/** Rule 3: a canonical encoding of a point of prime order (not small order, [L]A = identity). */
export function isValidPublicKey(key: Uint8Array): boolean {
  if (key.length !== 32) return false;
  const a = decodeCanonical(key);
  return a !== undefined && !a.isSmallOrder() && a.isTorsionFree();
}

/**
 * docs/protocol.md 1.1, every check explicit. The library's own verify (even with zip215: false)
 * uses the cofactored equation, which accepts an R with a torsion component; the rule is
 * cofactorless and compares bytes, so rule 5 is computed here.
 */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false; // rule 1
  const rBytes = signature.subarray(0, 32);
  const s = littleEndian(signature.subarray(32, 64));
  if (s >= L) return false; // rule 2
  if (!isValidPublicKey(publicKey)) return false; // rule 3
  const a = ed.Point.fromBytes(publicKey, false);
  const r = decodeCanonical(rBytes);
  if (r === undefined || r.isSmallOrder()) return false; // rule 4
  const k = littleEndian(sha512(concat(rBytes, publicKey, message))) % L;
  const sb = ed.Point.BASE.multiply(s, false);
  return equalBytes(sb.subtract(a.multiply(k, false)).toBytes(), rBytes); // rule 5
}

/** The RFC 8032 public key of a 32-byte private key (seed). */
export const publicKeyOf = (seed: Uint8Array): Uint8Array => ed.getPublicKey(seed);

/** Deterministic RFC 8032 signature. */
export const sign = (seed: Uint8Array, message: Uint8Array): Uint8Array => ed.sign(message, seed);
