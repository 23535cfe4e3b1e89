// Integration: the SDK against a real devnet from the built jar (server/target/timed.jar):
// verified blocks from the genesis.json trust root, a faucet transfer proven final, three refusals
// by reason, a subscription resumed through a proxy that cuts it twice, and the README's examples.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { create } from "@bufbuild/protobuf";
import {
  awaitFinal, Code, equalBytes, ErrorReason, hex, NodeError, TransactionSchema, TrustRoot, Wallet,
  type TimeClient, type Transaction, type VerifiedBlock,
} from "../src/index.js";
import { connectNode, readGenesis, readKeyFile } from "../src/node.js";
import { startDevnet, tcpProxy, type Devnet } from "./devnet.js";

const TIME = 100_000_000n;
const run = promisify(execFile);

describe("against a real devnet", { timeout: 150_000 }, () => {
  let devnet: Devnet;
  let client: TimeClient;
  let root: TrustRoot;
  let chainId: string;
  let faucet: Wallet;
  let twenty: Promise<VerifiedBlock[]>;

  before(async () => {
    devnet = await startDevnet();
    const genesis = await readGenesis(`${devnet.home}/genesis.json`);
    root = TrustRoot.genesis(genesis.hash);
    chainId = genesis.chainId;
    client = connectNode({ target: String(devnet.clientPort(0)), trustRoot: root });
    faucet = await readKeyFile(`${devnet.home}/faucet.key`);
    // Started now, checked below: the chain makes its 20 blocks while the other tests run.
    twenty = (async () => {
      const blocks: VerifiedBlock[] = [];
      for await (const b of client.subscribeFinalized(1n)) if (blocks.push(b) === 20) break;
      return blocks;
    })();
    twenty.catch(() => {}); // awaited in its test
  }, { timeout: 120_000 });

  after(async () => {
    client?.close();
    await devnet?.stop();
  });

  it("the genesis hash computed from genesis.json is the node's", async () => {
    assert.equal(hex((await client.status()).genesisHash), hex(root.hash!));
    assert.equal(await client.chainId(), "timecoin-devnet");
  });

  it("pays from the faucet with the exact fee and proves it final", async () => {
    const alice = Wallet.generate().address(chainId);
    const tx = await faucet.prepareTransfer(client, alice, 12n * TIME);
    const txid = await client.submit(tx);
    const height = await awaitFinal(client, txid, { timeoutMs: 30_000 });
    assert.ok(height >= 1n);
    assert.equal((await client.balance(alice)).balance, 12n * TIME);
    const history = [];
    for await (const a of client.addressTransactions(alice)) history.push(a);
    assert.equal(history.length, 1);
    const [paid] = history;
    assert.ok(paid && equalBytes(paid.txid, txid) && paid.received === 12n * TIME && paid.height === height);
    const block = await client.verifiedBlock(height);
    assert.ok(block.txids.some((id) => equalBytes(id, txid)));

    // Already spent: another transaction of the same coin, now that the first is final.
    const again = create(TransactionSchema, tx);
    again.outputs = [{ $typeName: "timecoin.v1.TxOutput", amount: TIME, address: Wallet.generate().addressBytes }];
    await refusedWith(client.submit(faucet.sign(again, chainId)), ErrorReason.ALREADY_SPENT);
  });

  it("refuses a bad signature and a fee one unit too low, by reason", async () => {
    const tx = await faucet.prepareTransfer(client, Wallet.generate().address(chainId), TIME);
    const forged: Transaction = create(TransactionSchema, tx);
    forged.inputs[0]!.witness!.signature = tx.inputs[0]!.witness!.signature.slice();
    forged.inputs[0]!.witness!.signature[7]! ^= 0x01;
    await refusedWith(client.submit(forged), ErrorReason.BAD_SIGNATURE);

    const cheap = create(TransactionSchema, tx);
    cheap.outputs = tx.outputs.map((o, i) => ({ ...o, amount: i === 1 ? o.amount + 1n : o.amount })); // the change takes 1 unit of the fee
    await refusedWith(client.submit(faucet.sign(cheap, chainId)), ErrorReason.FEE_TOO_LOW);
  });

  it("subscribes from height 1 with the genesis root: 20 blocks, each verified and chained", async () => {
    const blocks = await twenty;
    assert.deepEqual(blocks.map((b) => Number(b.height)), Array.from({ length: 20 }, (_, i) => i + 1));
    blocks.slice(1).forEach((b, i) => assert.ok(equalBytes(b.block.block!.header!.prevHash, blocks[i]!.hash)));
    assert.ok(equalBytes(blocks[0]!.block.block!.header!.prevHash, root.hash!));
  });

  it("resumes through a proxy that cuts the connection twice, with no gap and no duplicate", async () => {
    const proxy = await tcpProxy(devnet.clientPort(1));
    const c = connectNode({ target: String(proxy.port), trustRoot: root, timeoutMs: 5_000 });
    try {
      const start = (await c.status()).finalizedHeight; // a few live blocks after this one
      const heights: number[] = [];
      let cuts = 0;
      let cutAfter = 2; // blocks to receive on a connection before cutting it
      let connectionAtCut = 0;
      for await (const b of c.subscribeFinalized(start - 2n)) {
        heights.push(Number(b.height));
        // cut only a connection opened since the last cut, after it brought blocks
        if (cuts < 2 && proxy.connections > connectionAtCut && --cutAfter === 0) {
          connectionAtCut = proxy.connections;
          proxy.cutAll();
          cuts++;
          cutAfter = 2;
        }
        if (cuts === 2 && heights.length >= 8) break;
      }
      assert.equal(cuts, 2);
      assert.ok(proxy.connections >= 3, `reconnected after each cut (${proxy.connections} connections)`);
      const first = Number(start - 2n);
      assert.deepEqual(heights, Array.from({ length: heights.length }, (_, i) => first + i), "every height once, in order");
    } finally {
      c.close();
      await proxy.close();
    }
  });

  it("runs the README's examples as written", async () => {
    const env = { ...process.env, TIMED_HOME: devnet.home, TIMED_TARGET: `127.0.0.1:${devnet.clientPort(2)}` };
    const example = async (name: string) =>
      (await run(process.execPath, [fileURLToPath(new URL(`../examples/${name}.js`, import.meta.url))], { env, timeout: 60_000 })).stdout;
    assert.match(await example("connect"), /chain timecoin-devnet, genesis [0-9a-f]{64}\nfinalized height \d+, 3 peers/);
    assert.match(await example("subscribe"), /^block 1 [0-9a-f]{16} txs 1 signers [34]\n(block \d .*\n){4}$/);
    assert.match(await example("wallet"), /^timet1[02-9ac-hj-np-z]+ holds 0 units in 0 outputs\n$/);
    assert.match(await example("send"), /final in block \d+; timet1\S+ holds 1250000000 units\n$/);
    assert.match(await example("refusal"), /^refused: FailedPrecondition \/ ALREADY_SPENT\n$/);
  });
});

async function refusedWith(call: Promise<unknown>, reason: ErrorReason): Promise<void> {
  await assert.rejects(call, (e: unknown) => {
    assert.ok(e instanceof NodeError, String(e));
    assert.equal(e.reasonName, ErrorReason[reason], e.message);
    assert.equal(e.code, Code.FailedPrecondition);
    return true;
  });
}
