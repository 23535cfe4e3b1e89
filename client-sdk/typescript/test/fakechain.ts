// A small true chain for tests: 4 validators of weight 1, block 0 and blocks 1..n, each certified
// by 3 of the 4 (a quorum), with a REWARD transaction; and a fake node serving it over a loopback
// http2 server (connect-node's adapter), with hooks to lie or to cut streams.
import http from "node:http";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import {
  BlockHeaderSchema,
  BlockSchema,
  blockHash,
  certificateHash,
  FinalityCertificateSchema,
  FinalizedBlockSchema,
  merkleRoot,
  NIL_HASH,
  NodeService,
  publicKeyOf,
  sign,
  TransactionKind,
  TransactionSchema,
  txid,
  validatorSetHash,
  ValidatorSchema,
  ValidatorSetChangeSchema,
  voteBytes,
  VoteType,
  wtxid,
  type Block,
  type FinalizedBlock,
  type FinalityCertificate,
  type Transaction,
  type Validator,
} from "../src/index.js";

export const CHAIN = "timecoin-devnet";

export interface FakeChain {
  seeds: Uint8Array[];
  validators: Validator[];
  /** The height from which the second set votes (validators 0, 1, 2 and a new 4), if any. */
  changeAt?: number;
  setAt(h: number): { seeds: Uint8Array[]; validators: Validator[]; hash: Uint8Array };
  blocks: Block[]; // blocks[h]
  certificates: FinalityCertificate[]; // certificates[h], none for 0
  genesisHash: Uint8Array;
  finalized(h: number): FinalizedBlock;
}

const seed = (i: number) => Uint8Array.from({ length: 32 }, (_, j) => (i * 31 + j + 1) & 0xff);

export function certify(chainId: string, seeds: readonly Uint8Array[], height: bigint, hash: Uint8Array, signers = 3): FinalityCertificate {
  const vote = voteBytes({ chainId, type: VoteType.PRECOMMIT, height, round: 0, blockHash: hash });
  const signatures = seeds
    .slice(0, signers)
    .map((s) => ({ validator: publicKeyOf(s), signature: sign(s, vote) }))
    .sort((a, b) => Buffer.compare(a.validator, b.validator));
  return create(FinalityCertificateSchema, { height, round: 0, blockHash: hash, signatures });
}

const setOf = (seeds: Uint8Array[]) => {
  const validators = seeds
    .map((s) => create(ValidatorSchema, { key: publicKeyOf(s), weight: 1n }))
    .sort((a, b) => Buffer.compare(a.key, b.key));
  return { seeds, validators, hash: validatorSetHash({ validators }) };
};

/** A chain of n blocks; set(h) changes at `changeAt`; block h also holds `txsAt[h]`. */
export function makeChain(n: number, changeAt?: number, txsAt: Record<number, Transaction[]> = {}): FakeChain {
  const first = setOf([0, 1, 2, 3].map(seed));
  const second = setOf([0, 1, 2, 4].map(seed));
  const setAt = (h: number) => (changeAt !== undefined && h >= changeAt ? second : first);
  const { seeds, validators } = first;
  const setHash = first.hash;
  const params = {
    genesisTimeMs: 1_790_000_000_000n, blockIntervalMs: 1000n, minTxFee: 1000n, minFeePerByte: 10n,
    minOutput: 10_000n, registrationFee: 100_000_000n, maxValidators: 100, maxTxBytes: 65536,
  };
  const genesisTx = create(TransactionSchema, {
    version: 2, kind: TransactionKind.GENESIS, payload: { case: "genesis", value: { chainId: CHAIN, params } },
  });
  const blocks: Block[] = [];
  const certificates: FinalityCertificate[] = [];
  const header0 = create(BlockHeaderSchema, {
    version: 2, chainId: CHAIN, height: 0n, timestampMs: 1_790_000_000_000n, prevHash: NIL_HASH,
    txRoot: merkleRoot([txid(genesisTx)]), witnessRoot: merkleRoot([wtxid(genesisTx)]), lastCertificateHash: NIL_HASH,
    validatorSetHash: setHash, nextValidatorSetHash: setHash, proposer: new Uint8Array(32),
  });
  blocks.push(create(BlockSchema, { header: header0, body: { transactions: [genesisTx] } }));
  let prev = blockHash(header0);
  const genesisHash = prev;
  for (let h = 1; h <= n; h++) {
    const reward = create(TransactionSchema, {
      version: 2, kind: TransactionKind.REWARD,
      outputs: [{ amount: 10_000_000_000n, address: new Uint8Array(20).fill(h) }],
      payload: { case: "reward", value: { height: BigInt(h) } },
    });
    const last = h === 1 ? undefined : certificates[h - 1];
    const txs = [reward, ...(txsAt[h] ?? [])];
    const header = create(BlockHeaderSchema, {
      version: 2, chainId: CHAIN, height: BigInt(h), timestampMs: 1_790_000_000_000n + BigInt(h) * 1000n, prevHash: prev,
      txRoot: merkleRoot(txs.map(txid)), witnessRoot: merkleRoot(txs.map(wtxid)),
      lastCertificateHash: last === undefined ? NIL_HASH : certificateHash(last),
      validatorSetHash: setAt(h).hash, nextValidatorSetHash: setAt(h + 1).hash, proposer: setAt(h).validators[h % 4]!.key,
    });
    blocks.push(create(BlockSchema, { header, body: { transactions: txs, lastCertificate: last } }));
    prev = blockHash(header);
    certificates[h] = certify(CHAIN, setAt(h).seeds, BigInt(h), prev);
  }
  return {
    seeds, validators, blocks, certificates, genesisHash, changeAt, setAt,
    finalized: (h) => create(FinalizedBlockSchema, { block: blocks[h], certificate: certificates[h] }),
  };
}

/** The true answer of GetValidatorSetChanges. */
export function changesAfter(chain: FakeChain, from: bigint, limit = 0) {
  const heights = [1, ...(chain.changeAt !== undefined && chain.changeAt < chain.blocks.length ? [chain.changeAt] : [])];
  return heights
    .filter((c) => BigInt(c) > from)
    .slice(0, limit || 100)
    .map((c) => create(ValidatorSetChangeSchema, {
      height: BigInt(c), header: chain.blocks[c - 1]!.header, certificate: chain.certificates[c - 1],
      validatorSet: { height: BigInt(c), validators: chain.setAt(c).validators },
    }));
}

/** The honest answers of a node holding `chain`; a test overrides what it needs. */
export function honest(chain: FakeChain): Partial<ServiceImpl<typeof NodeService>> {
  return {
    getValidatorSetChanges(req) {
      return { changes: changesAfter(chain, req.fromHeight, req.limit), finalizedHeight: BigInt(chain.blocks.length - 1) };
    },
    getValidatorSet(req) {
      return { validatorSet: { height: req.height, validators: chain.setAt(Number(req.height)).validators } };
    },
    getBlock(req) {
      const h = req.selector.case === "height" ? Number(req.selector.value) : -1;
      return { block: chain.blocks[h], certificate: chain.certificates[h] };
    },
    async *subscribeFinalized(req) {
      for (let h = Math.max(1, Number(req.fromHeight)); h < chain.blocks.length; h++) {
        yield { event: { case: "block", value: chain.finalized(h) } };
      }
    },
  };
}

export interface FakeNode {
  target: string;
  url: string;
  close(): Promise<void>;
}

/** Serves over HTTP/2 (gRPC), or HTTP/1.1 for `web` (gRPC-Web, as a browser's fetch speaks it). */
export async function serve(impl: Partial<ServiceImpl<typeof NodeService>>, web = false): Promise<FakeNode> {
  const routes = (router: ConnectRouter) => router.service(NodeService, impl);
  const handler = connectNodeAdapter({ routes });
  const server = web ? http.createServer(handler) : http2.createServer(handler);
  const sessions = new Set<{ destroy(): void }>();
  server.on(web ? "connection" : "session", (s: { destroy(): void }) => sessions.add(s));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    target: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const s of sessions) s.destroy(); // a client keeps its session open
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Waits `ms`, or until the call is cancelled (so a fake node's handler never outlives its stream). */
export const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); });
  });
