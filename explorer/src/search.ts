// One box for a height, a block hash, a txid or an address: decides which it is, asking the node
// when a 64-digit hash could be either a block or a transaction.
import { bech32mDecode, decodeAddress, fromHex } from "@timecoin/sdk";
import { chainId, topHeight } from "./chain.js";
import { isNotFound, node } from "./node.js";

/** The page to go to, or a sentence saying why there is none. */
export type Found = { route: string } | { error: string };

export async function search(input: string): Promise<Found> {
  const q = input.trim();
  if (q === "") return { error: "Type a height, a block hash, a txid or an address." };
  if (/^\d+$/.test(q)) {
    const height = BigInt(q);
    const top = topHeight();
    if (top !== undefined && height > top) return { error: `No block at height ${q} yet: the chain is at ${top}.` };
    return { route: `#/block/${height}` };
  }
  if (/^[0-9a-fA-F]{64}$/.test(q)) {
    const hash = fromHex(q.toLowerCase());
    if (await exists(node.getBlock({ selector: { case: "hash", value: hash } }))) return { route: `#/block/${q.toLowerCase()}` };
    if (await exists(node.getTransaction({ txid: hash }))) return { route: `#/tx/${q.toLowerCase()}` };
    return { error: `No block or transaction has the hash ${q}.` };
  }
  if (bech32mDecode(q) !== undefined) {
    try {
      decodeAddress(q, chainId());
      return { route: `#/address/${q.toLowerCase()}` };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }
  return { error: `"${q}" is not a height, a block hash, a txid or an address.` };
}

async function exists(answer: Promise<unknown>): Promise<boolean> {
  try {
    await answer;
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
