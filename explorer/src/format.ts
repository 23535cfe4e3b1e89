// How values read on the page: amounts in TIME, hashes in hex, ages, addresses in bech32m.
import { addressPrefix, bech32mEncode, hex } from "@timecoin/sdk";
import { h } from "./dom.js";

/** 1 TIME = 10^8 base units (docs/protocol.md 1). */
const UNITS = 100_000_000n;

export function time(units: bigint): string {
  const whole = units / UNITS;
  const frac = (units % UNITS).toString().padStart(8, "0").replace(/0+$/, "");
  return `${whole.toLocaleString("en-US")}${frac ? `.${frac}` : ""} TIME`;
}

/** The bech32m form of 20 address bytes (the SDK encodes from a public key; outputs hold the bytes). */
export function addressString(bytes: Uint8Array, chainId: string): string {
  const data5: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      data5.push((acc >> bits) & 31);
    }
  }
  if (bits > 0) data5.push((acc << (5 - bits)) & 31);
  return bech32mEncode(addressPrefix(chainId), data5);
}

/** The first and last hex digits, the whole value in the tooltip and for copying. */
export const short = (bytes: Uint8Array, digits = 8): string => {
  const s = hex(bytes);
  return s.length <= 2 * digits + 1 ? s : `${s.slice(0, digits)}…${s.slice(-digits)}`;
};

export const hashLink = (kind: "block" | "tx", bytes: Uint8Array, digits = 8): HTMLElement =>
  h("a", { href: `#/${kind}/${hex(bytes)}`, class: "hash", title: hex(bytes) }, short(bytes, digits));

export const heightLink = (height: bigint | number): HTMLElement =>
  h("a", { href: `#/block/${height}` }, `#${height}`);

export const addressLink = (bytes: Uint8Array, chainId: string): HTMLElement => {
  const a = addressString(bytes, chainId);
  return h("a", { href: `#/address/${a}`, class: "hash", title: a }, `${a.slice(0, 12)}…${a.slice(-6)}`);
};

export const keyText = (key: Uint8Array): HTMLElement => h("span", { class: "hash", title: hex(key) }, short(key, 6));

export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export const when = (timestampMs: bigint): string => new Date(Number(timestampMs)).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");

export const percent = (part: bigint, whole: bigint): string =>
  whole === 0n ? "0%" : `${(Number((part * 10000n) / whole) / 100).toFixed(2)}%`;
