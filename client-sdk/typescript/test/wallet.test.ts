// The wallet (docs/sdk.md 5): key files in the node's format, coin selection, the exact required
// fee, signing, submitting, and awaiting a proven final transaction, against fake nodes.
import assert from "node:assert/strict";
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  awaitFinal, DEFAULT_FEES, encodeAddress, ErrorReason, hex, InsufficientFundsError, KeyFileError, NodeError,
  requiredFee, TransactionStatus, TrustRoot, txid, txSigBytes, verify, Wallet, type Transaction,
} from "../src/index.js";
import { connectNode, readKeyFile, writeKeyFile } from "../src/node.js";
import { CHAIN, honest, makeChain, serve, type FakeChain, type FakeNode } from "./fakechain.js";

// RFC 8032 test 1: a key file of this seed must give this public key.
const SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const PUB = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const TIME = 100_000_000n;

describe("key files", () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(join(tmpdir(), "timecoin-keys-")); });
  after(() => rm(dir, { recursive: true, force: true }));

  it("reads the node's format (comments, upper-case public key) and derives the key from the seed", () => {
    const w = Wallet.fromKeyFileText(`# timed Ed25519 key\n\ntype=ed25519\npublic_key=${PUB.toUpperCase()}\nseed=${SEED}\n`);
    assert.equal(hex(w.publicKey), PUB);
    assert.equal(w.address(CHAIN), encodeAddress(w.publicKey, CHAIN));
    assert.match(w.address(CHAIN), /^timet1/);
    assert.match(w.address("timecoin-mainnet"), /^time1/);
    assert.ok(!String(w).includes(SEED), "toString never shows the seed");
  });

  for (const [what, text] of [
    ["a public key that does not match", `type=ed25519\npublic_key=${"00".repeat(32)}\nseed=${SEED}\n`],
    ["another type", `type=rsa\npublic_key=${PUB}\nseed=${SEED}\n`],
    ["a repeated field", `type=ed25519\ntype=ed25519\npublic_key=${PUB}\nseed=${SEED}\n`],
    ["a line without =", `type=ed25519\npublic_key=${PUB}\nseed\n`],
    ["a short seed", `type=ed25519\npublic_key=${PUB}\nseed=${SEED.slice(2)}\n`],
  ]) {
    it(`refuses ${what}`, () => assert.throws(() => Wallet.fromKeyFileText(text!), KeyFileError));
  }

  it("writes 0600, reads back, never overwrites, and refuses a file others can read", async () => {
    const w = Wallet.generate();
    const path = join(dir, "alice.key");
    await writeKeyFile(path, w);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(hex((await readKeyFile(path)).publicKey), hex(w.publicKey));
    assert.match(await readFile(path, "ascii"), new RegExp(`^# timed Ed25519 key.*\ntype=ed25519\npublic_key=${hex(w.publicKey)}\nseed=[0-9a-f]{64}\n$`));
    await assert.rejects(writeKeyFile(path, Wallet.generate()), KeyFileError);
    assert.equal(hex((await readKeyFile(path)).publicKey), hex(w.publicKey), "the first key is kept");
    await chmod(path, 0o644);
    await assert.rejects(readKeyFile(path), (e: unknown) => e instanceof KeyFileError && /chmod 600/.test(e.message));
    const damaged = join(dir, "damaged.key");
    await writeFile(damaged, `type=ed25519\npublic_key=${PUB}\nseed=${"11".repeat(32)}\n`, { mode: 0o600 });
    await assert.rejects(readKeyFile(damaged), (e: unknown) => e instanceof KeyFileError && e.message.includes(damaged));
  });
});

describe("transfers", () => {
  const payer = Wallet.fromSeed(Uint8Array.from({ length: 32 }, (_, i) => i + 100));
  const payee = Wallet.generate().address(CHAIN);
  let coins: bigint[] = [];
  let submitted: Transaction[] = [];
  let reportedTxid: Uint8Array | undefined;
  let listed = 0;
  let chain: FakeChain = makeChain(3);
  let node: FakeNode;

  before(async () => {
    node = await serve({
      ...honest(chain),
      getBlock: (req) => {
        const h = req.selector.case === "height" ? Number(req.selector.value) : -1;
        return { block: chain.blocks[h], certificate: chain.certificates[h] };
      },
      getValidatorSetChanges: (req) => honest(chain).getValidatorSetChanges!(req, undefined as never),
      listUnspent: () => {
        listed++;
        return { outputs: coins.map((amount, i) => ({ outpoint: { txid: new Uint8Array(32).fill(i % 2 === 0 ? 1 : 2), index: i }, output: { amount, address: payer.addressBytes } })) };
      },
      submitTransaction: (req) => {
        submitted.push(req.transaction!);
        return { txid: reportedTxid ?? txid(req.transaction!) };
      },
    });
  });
  after(() => node.close());

  const client = () => connectNode({ target: node.target, trustRoot: TrustRoot.genesis(chain.genesisHash) });
  const fee = (tx: Transaction) => coins.filter((_, i) => tx.inputs.some((x) => x.outpoint!.index === i)).reduce((a, b) => a + b, 0n) -
    tx.outputs.reduce((a, o) => a + o.amount, 0n);

  it("pays one input to two outputs with exactly the fee of docs/protocol.md 4.3 (2,780 units), signed", async () => {
    coins = [10n * TIME];
    const c = client();
    const tx = await payer.prepareTransfer(c, payee, 2n * TIME);
    assert.equal(tx.inputs.length, 1);
    assert.deepEqual(tx.outputs.map((o) => o.amount), [2n * TIME, 8n * TIME - 2_780n]);
    assert.equal(fee(tx), 2_780n);
    assert.equal(requiredFee(tx, DEFAULT_FEES), 2_780n);
    const w = tx.inputs[0]!.witness!;
    assert.ok(verify(w.publicKey, txSigBytes(CHAIN, txid(tx)), w.signature));
    assert.ok(!verify(w.publicKey, txSigBytes("timecoin-other", txid(tx)), w.signature), "signed for this chain only");
    c.close();
  });

  it("selects the largest coins first, ties by outpoint, and as few as cover amount plus fee", async () => {
    coins = [1n * TIME, 5n * TIME, 3n * TIME, 5n * TIME];
    const c = client();
    const tx = await payer.prepareTransfer(c, payee, 7n * TIME);
    assert.deepEqual(tx.inputs.map((i) => i.outpoint!.index), [1, 3], "the two 5 TIME coins, txid 01.. before 02..");
    assert.equal(fee(tx), requiredFee(tx, DEFAULT_FEES));
    c.close();
  });

  it("gives a change that would be dust to the fee instead", async () => {
    const c = client();
    coins = [1n * TIME];
    const probe = await payer.prepareTransfer(c, payee, TIME / 2n);
    const oneOutputFee = 10n * BigInt(123 + 155 - 28); // the same transfer without the change output
    coins = [TIME / 2n + oneOutputFee + 5_000n]; // a change of 5,000 - 280 units: dust
    const tx = await payer.prepareTransfer(c, payee, TIME / 2n);
    assert.equal(tx.outputs.length, 1);
    assert.equal(fee(tx), oneOutputFee + 5_000n);
    assert.equal(probe.outputs.length, 2);
    c.close();
  });

  it("pays a larger fee when asked, never a smaller one", async () => {
    coins = [10n * TIME];
    const c = client();
    assert.equal(fee(await payer.prepareTransfer(c, payee, TIME, { fee: 50_000n })), 50_000n);
    assert.equal(fee(await payer.prepareTransfer(c, payee, TIME, { fee: 1n })), 2_780n);
    c.close();
  });

  it("fails with the available balance and the need when the coins do not cover it", async () => {
    coins = [1n * TIME, 2n * TIME];
    const c = client();
    await assert.rejects(payer.prepareTransfer(c, payee, 3n * TIME), (e: unknown) =>
      e instanceof InsufficientFundsError && e.available === 3n * TIME && e.needed > 3n * TIME && e.code === Code.FailedPrecondition);
    c.close();
  });

  it("refuses dust, a non-positive amount and another chain's address before asking for coins", async () => {
    const c = client();
    await c.chainId();
    listed = 0;
    await assert.rejects(payer.prepareTransfer(c, payee, 9_999n), (e: unknown) => e instanceof NodeError && e.reason === ErrorReason.DUST);
    await assert.rejects(payer.prepareTransfer(c, payee, 0n), (e: unknown) => e instanceof NodeError && e.code === Code.InvalidArgument);
    await assert.rejects(payer.prepareTransfer(c, Wallet.generate().address("timecoin-mainnet"), TIME), (e: unknown) =>
      e instanceof NodeError && e.reason === ErrorReason.INVALID_ARGUMENT);
    assert.equal(listed, 0);
    c.close();
  });

  it("submits and returns the txid; a node that reports another txid is INTERNAL", async () => {
    coins = [10n * TIME];
    submitted = [];
    const c = client();
    const id = await payer.transfer(c, payee, TIME);
    assert.equal(hex(id), hex(txid(submitted[0]!)));
    reportedTxid = new Uint8Array(32).fill(9);
    await assert.rejects(payer.transfer(c, payee, TIME), (e: unknown) => e instanceof NodeError && e.code === Code.Internal);
    reportedTxid = undefined;
    c.close();
  });

  it("takes the fee rule from the genesis block the trust root checks", async () => {
    const c = client();
    const p = await c.chainParams();
    assert.equal(p.minFeePerByte, 10n);
    assert.equal(p.minOutput, 10_000n);
    c.close();
  });
});

describe("awaiting final", () => {
  const payer = Wallet.generate();

  async function scenario(says: (calls: number, tx: Transaction) => { status?: TransactionStatus; height?: number; index?: number } | "missing") {
    // a transaction, and a chain whose block 3 holds it at index 1 (after the REWARD)
    const tx = payer.sign({ $typeName: "timecoin.v1.Transaction", version: 2, kind: 2, inputs: [{ $typeName: "timecoin.v1.TxInput", outpoint: { $typeName: "timecoin.v1.OutPoint", txid: new Uint8Array(32).fill(3), index: 0 } }], outputs: [{ $typeName: "timecoin.v1.TxOutput", amount: TIME, address: new Uint8Array(20) }], kindWitnesses: [], payload: { case: undefined } }, CHAIN);
    const chain = makeChain(4, undefined, { 3: [tx] });
    let calls = 0;
    const node = await serve({
      ...honest(chain),
      getTransaction: () => {
        const s = says(++calls, tx);
        if (s === "missing") throw new ConnectError("unknown", Code.NotFound);
        return { transaction: tx, status: s.status, blockHeight: BigInt(s.height ?? 0), index: s.index ?? 0 };
      },
    });
    const c = connectNode({ target: node.target, trustRoot: TrustRoot.genesis(chain.genesisHash) });
    return { tx, c, done: async () => { c.close(); await node.close(); } };
  }

  it("waits through NOT_FOUND and PENDING, then proves the block holds the txid", async () => {
    const s = await scenario((n) => (n === 1 ? "missing" : n === 2 ? { status: TransactionStatus.PENDING } : { status: TransactionStatus.FINALIZED, height: 3, index: 1 }));
    try {
      assert.equal(await awaitFinal(s.c, txid(s.tx), { pollMs: 10 }), 3n);
    } finally {
      await s.done();
    }
  });

  it("refuses a node that names a block which does not hold it (DATA_LOSS)", async () => {
    const s = await scenario(() => ({ status: TransactionStatus.FINALIZED, height: 2, index: 1 }));
    try {
      await assert.rejects(awaitFinal(s.c, txid(s.tx), { pollMs: 10 }), (e: unknown) =>
        e instanceof NodeError && e.code === Code.DataLoss && e.reason === ErrorReason.INVALID_BLOCK);
    } finally {
      await s.done();
    }
  });

  it("gives up with DEADLINE_EXCEEDED and the last status", async () => {
    const s = await scenario(() => ({ status: TransactionStatus.PENDING }));
    try {
      await assert.rejects(awaitFinal(s.c, txid(s.tx), { timeoutMs: 100, pollMs: 10 }), (e: unknown) =>
        e instanceof NodeError && e.code === Code.DeadlineExceeded && /PENDING/.test(e.message));
    } finally {
      await s.done();
    }
  });
});
