// What every page shares: the node's status, the validator set, and the newest finalized blocks
// from one subscription that resumes after any end of the stream from the last height + 1
// (docs/protocol.md 8), so the live list and the uptime strips never miss or repeat a block.
import type { FinalizedBlock, GetStatusResponse, Masternode, ValidatorSet } from "@timecoin/sdk";
import { describe, node, streams } from "./node.js";

/** Enough blocks for the uptime strips (50) and the one after each that carries late signers. */
const KEEP = 64;
/** The node sends a keep-alive every 5 s while no block comes; much longer silence is a dead stream. */
const SILENCE_MS = 15_000;

export interface Live {
  status?: GetStatusResponse;
  set?: ValidatorSet;
  masternodes: Masternode[];
  /** By height, the newest KEEP finalized blocks. */
  blocks: Map<bigint, FinalizedBlock>;
  newest?: bigint;
  /** Set while the subscription is down; the next block clears it. */
  streamError?: string;
  statusError?: string;
}

export const live: Live = { masternodes: [], blocks: new Map() };

const listeners = new Set<() => void>();
let pending: ReturnType<typeof setTimeout> | undefined;

/** Calls `f` after changes (coalesced, so a replay of 50 blocks redraws once or twice). */
export function onChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

function changed(): void {
  pending ??= setTimeout(() => {
    pending = undefined;
    for (const f of listeners) f();
  }, 50);
}

let ready: Promise<GetStatusResponse> | undefined;

/** The first status: pages need the chain id to read addresses. */
export function chainReady(): Promise<GetStatusResponse> {
  ready ??= (async () => {
    for (let wait = 500; ; wait = Math.min(wait * 2, 10_000)) {
      try {
        return await refreshStatus();
      } catch {
        await sleep(wait);
      }
    }
  })();
  return ready;
}

export const chainId = (): string => live.status?.chainId ?? "";

/** The newest finalized height known, from the subscription or the last status. */
export const topHeight = (): bigint | undefined => {
  const s = live.status?.finalizedHeight;
  if (live.newest === undefined || s === undefined) return live.newest ?? s;
  return live.newest > s ? live.newest : s;
};

async function refreshStatus(): Promise<GetStatusResponse> {
  try {
    const [status, set] = await Promise.all([node.getStatus({}), node.getValidatorSet({ height: 0n })]);
    live.status = status;
    live.set = set.validatorSet;
    live.statusError = undefined;
    return status;
  } catch (e) {
    live.statusError = describe(e);
    throw e;
  } finally {
    changed();
  }
}

export async function refreshMasternodes(): Promise<Masternode[]> {
  const all: Masternode[] = [];
  let pageToken = "";
  do {
    const page = await node.listMasternodes({ height: 0n, pageToken });
    all.push(...page.masternodes);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  live.masternodes = all;
  changed();
  return all;
}

export function start(): void {
  void chainReady().then(() => follow());
  setInterval(() => void refreshStatus().catch(() => {}), 5_000);
  setInterval(changed, 1_000); // the age of the last block
}

async function follow(): Promise<void> {
  let last = 0n;
  for (let backoff = 1_000; ; backoff = Math.min(backoff * 2, 15_000)) {
    const abort = new AbortController();
    let watchdog = setTimeout(() => abort.abort(), SILENCE_MS);
    try {
      const from = last > 0n ? last + 1n : maxOf(1n, (live.status?.finalizedHeight ?? 0n) - 50n);
      for await (const event of streams.subscribeFinalized({ fromHeight: from }, { signal: abort.signal })) {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => abort.abort(), SILENCE_MS);
        backoff = 1_000;
        if (event.event.case !== "block") continue;
        const fb = event.event.value;
        const height = fb.block?.header?.height ?? 0n;
        if (height <= last) continue; // sent again after a resume: already shown
        last = height;
        live.blocks.set(height, fb);
        live.blocks.delete(height - BigInt(KEEP));
        live.newest = height;
        live.streamError = undefined;
        changed();
      }
      live.streamError = "the subscription ended; resubscribing";
    } catch (e) {
      live.streamError = abort.signal.aborted ? "no block or keep-alive for 15 s; resubscribing" : describe(e);
    } finally {
      clearTimeout(watchdog);
    }
    changed();
    await sleep(backoff);
  }
}

const maxOf = (a: bigint, b: bigint): bigint => (a > b ? a : b);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
