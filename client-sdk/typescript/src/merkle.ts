// tx_root and witness_root (docs/protocol.md 2.1): RFC 6962 tree hashes; no items give the nil hash.
import { concat, NIL_HASH } from "./bytes.js";
import { sha256 } from "./crypto.js";

const leaf = (x: Uint8Array) => sha256(concat(Uint8Array.of(0), x));
const node = (l: Uint8Array, r: Uint8Array) => sha256(concat(Uint8Array.of(1), l, r));

export function merkleRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return NIL_HASH.slice();
  if (items.length === 1) return leaf(items[0]!);
  let k = 1;
  while (k * 2 < items.length) k *= 2; // the largest power of two strictly below n
  return node(merkleRoot(items.slice(0, k)), merkleRoot(items.slice(k)));
}
