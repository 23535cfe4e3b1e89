// The verified finalized-block subscription (docs/sdk.md 4) against fake nodes on 127.0.0.1: a true
// chain is delivered block by block; a forged validator set or a tampered block is refused and never
// delivered; broken streams resume with no gap and no duplicate.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clone } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BlockHeaderSchema, ErrorReason, FinalizedBlockSchema, hex, NodeError, TrustRoot, type VerifiedBlock } from "../src/index.js";
import { connectNode } from "../src/node.js";
import { connectWeb } from "../src/web.js";
import { certify, changesAfter, CHAIN, honest, makeChain, pause, serve, type FakeChain } from "./fakechain.js";
import type { NodeService } from "../src/index.js";
import type { ServiceImpl } from "@connectrpc/connect";

const fast = { idleMs: 300, initialBackoffMs: 10, maxBackoffMs: 40 };
const quiet = () => {};

/** The first `n` blocks the subscription yields, then the error that ended it early, if any. */
async function take(blocks: AsyncIterable<VerifiedBlock>, n: number): Promise<{ got: VerifiedBlock[]; error?: NodeError }> {
  const got: VerifiedBlock[] = [];
  try {
    for await (const b of blocks) {
      got.push(b);
      if (got.length === n) break;
    }
  } catch (e) {
    assert.ok(e instanceof NodeError, `a NodeError, got ${String(e)}`);
    return { got, error: e };
  }
  return { got };
}

async function withNode<T>(impl: Partial<ServiceImpl<typeof NodeService>>, run: (target: string) => Promise<T>): Promise<T> {
  const node = await serve(impl);
  try {
    return await run(node.target);
  } finally {
    await node.close();
  }
}

const client = (target: string, chain: FakeChain, root = TrustRoot.genesis(chain.genesisHash)) =>
  connectNode({ target, trustRoot: root, timings: fast, warn: quiet });

const heights = (bs: VerifiedBlock[]) => bs.map((b) => Number(b.height));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("verified subscription", () => {
  const chain = makeChain(12);

  it("delivers a true chain from block 1, each block with its hash", async () => {
    await withNode(honest(chain), async (target) => {
      const c = client(target, chain);
      const { got, error } = await take(c.subscribeFinalized(), 12);
      assert.equal(error, undefined);
      assert.deepEqual(heights(got), range(1, 12));
      got.forEach((b, i) => assert.equal(hex(b.hash), hex(chain.certificates[i + 1]!.blockHash)));
      assert.equal(hex((await c.trustRoot()).hash!), hex(chain.genesisHash));
      c.close();
    });
  });

  it("follows a validator set change, checking the new set against the certified header", async () => {
    const changing = makeChain(10, 6);
    await withNode(honest(changing), async (target) => {
      const c = client(target, changing);
      const { got, error } = await take(c.subscribeFinalized(), 10);
      assert.equal(error, undefined);
      assert.deepEqual(heights(got), range(1, 10));
      c.close();
    });
  });

  it("starts above the root by walking the sets from it, and from a checkpoint", async () => {
    const changing = makeChain(10, 6);
    await withNode(honest(changing), async (target) => {
      const c = client(target, changing);
      assert.deepEqual(heights((await take(c.subscribeFinalized(8n), 3)).got), [8, 9, 10]);
      c.close();
      const root = TrustRoot.checkpoint(4n, changing.certificates[4]!.blockHash);
      const d = client(target, changing, root);
      assert.deepEqual(heights((await take(d.subscribeFinalized(), 6)).got), range(5, 10));
      d.close();
    });
  });

  it("refuses a node on another genesis (GENESIS_MISMATCH)", async () => {
    await withNode(honest(chain), async (target) => {
      const c = client(target, chain, TrustRoot.genesis(new Uint8Array(32).fill(7)));
      const { got, error } = await take(c.subscribeFinalized(), 1);
      assert.equal(got.length, 0);
      assert.equal(error?.code, Code.DataLoss);
      assert.equal(error?.reason, ErrorReason.GENESIS_MISMATCH);
      c.close();
    });
  });

  it("refuses a forged set(1) that block 0 does not commit to", async () => {
    const forged = makeChain(4, 1); // its set(1) is the second set, which true block 0 does not name
    const impl = { ...honest(chain), getValidatorSetChanges: () => ({ changes: changesAfter(forged, 0n).slice(0, 1).map((ch) => ({ ...ch, header: chain.blocks[0]!.header })), finalizedHeight: 12n }) };
    await withNode(impl, async (target) => {
      const c = client(target, chain);
      const { got, error } = await take(c.subscribeFinalized(), 1);
      assert.equal(got.length, 0);
      assert.equal(error?.code, Code.DataLoss);
      assert.equal(error?.reason, ErrorReason.INVALID_BLOCK);
      c.close();
    });
  });

  it("refuses a forged set change certified by keys outside the derived set", async () => {
    const attacker = makeChain(12, 6); // its set(6) differs; the node claims it for the true chain
    const change = changesAfter(attacker, 1n)[0]!;
    const header5 = clone(BlockHeaderSchema, chain.blocks[5]!.header!);
    header5.nextValidatorSetHash = attacker.setAt(6).hash;
    const { blockHash } = await import("../src/index.js");
    const forgedCert = certify(CHAIN, attacker.setAt(6).seeds.slice(1), 5n, blockHash(header5)); // seeds 1, 2 and the outsider 4
    const impl = {
      ...honest(chain),
      getValidatorSetChanges: (req: { fromHeight: bigint; limit: number }) => ({
        changes: [...changesAfter(chain, req.fromHeight, req.limit), ...(req.fromHeight < 6n ? [{ ...change, header: header5, certificate: forgedCert }] : [])],
        finalizedHeight: 12n,
      }),
    };
    await withNode(impl, async (target) => {
      const c = client(target, chain);
      const { got, error } = await take(c.subscribeFinalized(8n), 1);
      assert.equal(got.length, 0);
      assert.equal(error?.code, Code.DataLoss);
      assert.equal(error?.reason, ErrorReason.UNKNOWN_VALIDATOR);
      c.close();
    });
  });

  const tampered: [string, (fb: ReturnType<FakeChain["finalized"]>) => void, ErrorReason][] = [
    ["a transaction changed after certification", (fb) => { fb.block!.body!.transactions[0]!.outputs[0]!.amount += 1n; }, ErrorReason.INVALID_BLOCK],
    ["a forged signature", (fb) => { fb.certificate!.signatures[0]!.signature[5]! ^= 1; }, ErrorReason.BAD_SIGNATURE],
    ["a certificate without quorum", (fb) => { fb.certificate!.signatures.splice(0, 1); }, ErrorReason.NO_QUORUM],
    ["another chain's block", (fb) => { fb.block!.header!.chainId = "timecoin-other"; }, ErrorReason.WRONG_CHAIN],
    ["a header that does not extend the last block", (fb) => { fb.block!.header!.prevHash = new Uint8Array(32); }, ErrorReason.INVALID_BLOCK],
    ["no certificate", (fb) => { fb.certificate = undefined; }, ErrorReason.MALFORMED],
  ];
  for (const [what, tamper, reason] of tampered) {
    it(`refuses block 4 with ${what} (${ErrorReason[reason]}), never delivering it`, async () => {
      const impl = {
        ...honest(chain),
        async *subscribeFinalized(req: { fromHeight: bigint }) {
          for (let h = Number(req.fromHeight); h <= 12; h++) {
            const fb = clone(FinalizedBlockSchema, chain.finalized(h));
            if (h === 4) tamper(fb);
            yield { event: { case: "block" as const, value: fb } };
          }
        },
      };
      await withNode(impl, async (target) => {
        const c = client(target, chain);
        const { got, error } = await take(c.subscribeFinalized(), 12);
        assert.deepEqual(heights(got), [1, 2, 3]);
        assert.equal(error?.code, Code.DataLoss);
        assert.equal(error?.reason, reason, error?.message);
        assert.match(error!.message, /block 4/);
        c.close();
      });
    });
  }

  it("a gap (a block above the next height) is refused", async () => {
    const impl = {
      ...honest(chain),
      async *subscribeFinalized() {
        for (const h of [1, 2, 4]) yield { event: { case: "block" as const, value: chain.finalized(h) } };
      },
    };
    await withNode(impl, async (target) => {
      const c = client(target, chain);
      const { got, error } = await take(c.subscribeFinalized(), 4);
      assert.deepEqual(heights(got), [1, 2]);
      assert.equal(error?.reason, ErrorReason.INVALID_BLOCK);
      c.close();
    });
  });

  it("resumes after broken, resent, idle and slow streams with no gap and no duplicate", async () => {
    const asked: number[] = [];
    const impl = {
      ...honest(chain),
      async *subscribeFinalized(req: { fromHeight: bigint }, ctx: { signal: AbortSignal }) {
        const attempt = asked.push(Number(req.fromHeight));
        const from = Number(req.fromHeight);
        if (attempt === 3) {
          await pause(2_000, ctx.signal); // silent: the idle timeout drops it
          return;
        }
        // attempt 2 resends two blocks the client has already
        for (let h = attempt === 2 ? from - 2 : from, n = 0; h <= 12; h++, n++) {
          if (attempt === 1 && n === 3) throw new ConnectError("connection reset", Code.Unavailable);
          if (attempt === 2 && n === 4) throw new ConnectError("slow", Code.ResourceExhausted);
          if (attempt === 4 && n === 1) yield { event: { case: "keepAlive" as const, value: { finalizedHeight: 12n } } };
          if (attempt === 4 && n === 3) return; // a stream that just ends
          yield { event: { case: "block" as const, value: chain.finalized(h) } };
        }
      },
    };
    await withNode(impl, async (target) => {
      const c = client(target, chain);
      const { got, error } = await take(c.subscribeFinalized(), 12);
      assert.equal(error, undefined);
      assert.deepEqual(heights(got), range(1, 12), "every height once, in order");
      assert.deepEqual(asked.slice(0, 5), [1, 4, 6, 6, 9]);
      c.close();
    });
  });

  it("a refusal that is not a transport failure ends the subscription with it", async () => {
    const impl = { ...honest(chain), subscribeFinalized: () => { throw new ConnectError("no", Code.OutOfRange); } };
    await withNode(impl, async (target) => {
      const c = client(target, chain);
      const { error } = await take(c.subscribeFinalized(), 1);
      assert.equal(error?.code, Code.OutOfRange);
      c.close();
    });
  });

  it("closing the client ends a waiting subscription with CANCELLED", async () => {
    const impl = { ...honest(chain), subscribeFinalized: async function* (_: unknown, ctx: { signal: AbortSignal }) { await pause(60_000, ctx.signal); } };
    await withNode(impl, async (target) => {
      const c = connectNode({ target, trustRoot: TrustRoot.genesis(chain.genesisHash), warn: quiet });
      setTimeout(() => c.close(), 100);
      const { error } = await take(c.subscribeFinalized(), 1);
      assert.equal(error?.code, Code.Canceled);
    });
  });

  it("works over gRPC-Web (@timecoin/sdk/web) as a browser would call it", async () => {
    const node = await serve(honest(chain), true);
    try {
      const c = connectWeb({ baseUrl: node.url, trustRoot: TrustRoot.genesis(chain.genesisHash), timings: fast });
      const { got, error } = await take(c.subscribeFinalized(), 5);
      assert.equal(error, undefined);
      assert.deepEqual(heights(got), range(1, 5));
      c.close();
    } finally {
      await node.close();
    }
  });

  it("without a root trusts the first genesis and says so", async () => {
    await withNode(honest(chain), async (target) => {
      const warnings: string[] = [];
      const c = connectNode({ target, warn: (m) => warnings.push(m) });
      assert.equal(await c.chainId(), CHAIN);
      assert.equal(hex((await c.trustRoot()).hash!), hex(chain.genesisHash));
      assert.match(warnings[0]!, /no trust root given/);
      assert.equal(warnings.length, 1);
      c.close();
    });
  });

  it("verifiedBlock checks one block's certificate against the derived set", async () => {
    const impl = { ...honest(chain), getBlock: () => { const fb = chain.finalized(7); fb.certificate!.signatures.splice(0, 2); return { block: fb.block, certificate: fb.certificate }; } };
    await withNode(honest(chain), async (target) => {
      const c = client(target, chain);
      assert.equal((await c.verifiedBlock(7n)).height, 7n);
      c.close();
    });
    await withNode(impl, async (target) => {
      const c = client(target, chain);
      await assert.rejects(c.verifiedBlock(7n), (e: unknown) => e instanceof NodeError && e.reason === ErrorReason.NO_QUORUM);
      c.close();
    });
  });
});
