// A small true chain for tests: 4 validators of weight 1, block 0 and blocks 1..n, each certified
// by 3 of the 4 (a quorum), with a REWARD transaction; and a fake node serving it over a loopback
// http2 server (connect-node's adapter), with hooks to lie or to cut streams.
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
  type Validator,
} from "../src/index.js";

export const CHAIN = "timecoin-devnet";

export interface FakeChain {
  seeds: Uint8Array[];
  validators: Validator[];
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

export function makeChain(n: number): FakeChain {
  const seeds = [0, 1, 2, 3].map(seed);
  const validators = seeds
    .map((s) => create(ValidatorSchema, { key: publicKeyOf(s), weight: 1n }))
    .sort((a, b) => Buffer.compare(a.key, b.key));
  const setHash = validatorSetHash({ validators });
  const genesisTx = create(TransactionSchema, { version: 2, kind: TransactionKind.GENESIS });
  const blocks: Block[] = [];
  const certificates: FinalityCertificate[] = [];
  const header0 = create(BlockHeaderSchema, {
    version: 2, chainId: CHAIN, height: 0n, timestampMs: 1_790_000_000_000n, prevHash: NIL_HASH,
    txRoot: merkleRoot([new Uint8Array(32)]), witnessRoot: NIL_HASH, lastCertificateHash: NIL_HASH,
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
    const header = create(BlockHeaderSchema, {
      version: 2, chainId: CHAIN, height: BigInt(h), timestampMs: 1_790_000_000_000n + BigInt(h) * 1000n, prevHash: prev,
      txRoot: merkleRoot([txid(reward)]), witnessRoot: merkleRoot([wtxid(reward)]),
      lastCertificateHash: last === undefined ? NIL_HASH : certificateHash(last),
      validatorSetHash: setHash, nextValidatorSetHash: setHash, proposer: validators[h % 4]!.key,
    });
    blocks.push(create(BlockSchema, { header, body: { transactions: [reward], lastCertificate: last } }));
    prev = blockHash(header);
    certificates[h] = certify(CHAIN, seeds, BigInt(h), prev);
  }
  return {
    seeds, validators, blocks, certificates, genesisHash,
    finalized: (h) => create(FinalizedBlockSchema, { block: blocks[h], certificate: certificates[h] }),
  };
}

/** The honest answers of a node holding `chain`; a test overrides what it needs. */
export function honest(chain: FakeChain): Partial<ServiceImpl<typeof NodeService>> {
  return {
    getValidatorSetChanges(req) {
      const changes = req.fromHeight === 0n
        ? [create(ValidatorSetChangeSchema, { height: 1n, header: chain.blocks[0]!.header, validatorSet: { height: 1n, validators: chain.validators } })]
        : [];
      return { changes, finalizedHeight: BigInt(chain.blocks.length - 1) };
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
  close(): Promise<void>;
}

export async function serve(impl: Partial<ServiceImpl<typeof NodeService>>): Promise<FakeNode> {
  const routes = (router: ConnectRouter) => router.service(NodeService, impl);
  const server = http2.createServer(connectNodeAdapter({ routes }));
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (s) => sessions.add(s));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    target: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const s of sessions) s.destroy(); // a client keeps its session open
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
