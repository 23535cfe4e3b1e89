// Addresses (docs/protocol.md 1): the first 20 bytes of SHA-256(public key), written as bech32m
// (BIP-350) without a witness version, prefix `time` on timecoin-mainnet and `timet` elsewhere.
import { sha256 } from "./crypto.js";

const CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const BECH32M_CONST = 0x2bc830a3;
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

export const MAINNET_CHAIN_ID = "timecoin-mainnet";

export const addressPrefix = (chainId: string): string => (chainId === MAINNET_CHAIN_ID ? "time" : "timet");

export const addressOf = (publicKey: Uint8Array): Uint8Array => sha256(publicKey).slice(0, 20);

function polymod(values: Iterable<number>): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    GENERATOR.forEach((g, i) => {
      if ((top >>> i) & 1) chk = (chk ^ g) >>> 0;
    });
  }
  return chk;
}

const hrpExpand = (hrp: string): number[] => [
  ...[...hrp].map((c) => c.charCodeAt(0) >> 5),
  0,
  ...[...hrp].map((c) => c.charCodeAt(0) & 31),
];

function regroup(data: Iterable<number>, from: number, to: number, pad: boolean): number[] | undefined {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const mask = (1 << to) - 1;
  for (const v of data) {
    acc = ((acc << from) | v) & 0xffffff;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & mask);
    }
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & mask);
  } else if (bits >= from || ((acc << (to - bits)) & mask) !== 0) {
    return undefined; // leftover bits that are not zero padding
  }
  return out;
}

export function bech32mEncode(hrp: string, data5: readonly number[]): string {
  const pm = polymod([...hrpExpand(hrp), ...data5, 0, 0, 0, 0, 0, 0]) ^ BECH32M_CONST;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (pm >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...data5, ...checksum].map((d) => CHARSET[d]).join("")}`;
}

/** BIP-173/350 decoding: undefined for mixed case, bad characters, over 90 characters or a bad checksum. */
export function bech32mDecode(s: string): { hrp: string; data5: number[] } | undefined {
  if (s.length > 90 || [...s].some((c) => c.charCodeAt(0) < 33 || c.charCodeAt(0) > 126)) return undefined;
  if (s.toLowerCase() !== s && s.toUpperCase() !== s) return undefined;
  const lower = s.toLowerCase();
  const pos = lower.lastIndexOf("1");
  if (pos < 1 || pos + 7 > lower.length) return undefined;
  const data = [...lower.slice(pos + 1)].map((c) => CHARSET.indexOf(c));
  if (data.includes(-1)) return undefined;
  const hrp = lower.slice(0, pos);
  if (polymod([...hrpExpand(hrp), ...data]) !== BECH32M_CONST) return undefined;
  return { hrp, data5: data.slice(0, -6) };
}

/** The bech32m address string of a public key on a chain. */
export const encodeAddress = (publicKey: Uint8Array, chainId: string): string =>
  bech32mEncode(addressPrefix(chainId), regroup(addressOf(publicKey), 8, 5, true)!);

/** The 20 address bytes of a bech32m address of this chain; throws on any other string. */
export function decodeAddress(address: string, chainId: string): Uint8Array {
  const decoded = bech32mDecode(address);
  if (decoded === undefined) throw new TypeError(`not a bech32m address: ${address}`);
  if (decoded.hrp !== addressPrefix(chainId)) throw new TypeError(`address prefix ${decoded.hrp} is not of chain ${chainId}`);
  const bytes = regroup(decoded.data5, 5, 8, false);
  if (bytes?.length !== 20) throw new TypeError(`an address holds 20 bytes: ${address}`);
  return Uint8Array.from(bytes);
}
