// A real devnet for the browser test: `timed.jar devnet` on free ports, stopped with its process
// group at the end; and a transfer from the faucet made with the SDK's bytes and signatures.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  decodeAddress,
  encodeAddress,
  fromHex,
  NodeService,
  publicKeyOf,
  sign,
  TransactionKind,
  TransactionSchema,
  TransactionStatus,
  txid,
  txSigBytes,
} from "@timecoin/sdk";

/** The generated client on gRPC (HTTP/2), the node's client port. */
export type NodeClient = Client<typeof NodeService>;

const repo = new URL("../../../", import.meta.url).pathname; // dist/test -> the repository
export const JAR = process.env.TIMED_JAR ?? join(repo, "server/target/timed.jar");

export interface Devnet {
  base: number;
  home: string;
  client: NodeClient;
  stop(): void;
}

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer()
      .once("error", () => resolve(false))
      .once("listening", () => s.close(() => resolve(true)))
      .listen(port, "127.0.0.1");
  });

/** A base port B with B .. B+39 free: 4 nodes, each with peer, client, metrics and web ports. */
async function freeBase(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 26000 + 40 * Math.floor(Math.random() * 500);
    const all = await Promise.all(Array.from({ length: 40 }, (_, i) => portFree(base + i)));
    if (all.every(Boolean)) return base;
  }
  throw new Error("no 40 free ports in a row on 127.0.0.1");
}

export async function startDevnet(): Promise<Devnet> {
  if (!existsSync(JAR)) {
    throw new Error(`no ${JAR}: build it first (mvn -B -ntp -q package -DskipTests at the repository root)`);
  }
  const base = await freeBase();
  const home = mkdtempSync(join(tmpdir(), "explorer-devnet-"));
  const proc: ChildProcess = spawn("java", ["-jar", JAR, "devnet", "--home", home, "--base-port", String(base)], {
    detached: true, // its own process group, so stop() ends every JVM it starts
    stdio: ["ignore", "ignore", "inherit"],
  });
  const stop = (): void => {
    try {
      process.kill(-proc.pid!, "SIGKILL");
    } catch {
      // already gone
    }
    rmSync(home, { recursive: true, force: true });
  };
  const client: NodeClient = createClient(
    NodeService,
    createGrpcTransport({ baseUrl: `http://127.0.0.1:${base + 1}`, defaultTimeoutMs: 5_000 }),
  );
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await client.getStatus({})).finalizedHeight >= 1n) break;
    } catch {
      // not up yet
    }
    if (proc.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error(`the devnet did not answer GetStatus on ${base + 1} (exit ${proc.exitCode})`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return { base, home, client, stop };
}

/** The faucet's seed, from <home>/faucet.key (name=value lines, docs/sdk.md 5). */
export function faucetSeed(home: string): Uint8Array {
  const line = readFileSync(join(home, "faucet.key"), "ascii")
    .split("\n")
    .find((l) => l.startsWith("seed="));
  if (line === undefined) throw new Error("faucet.key has no seed");
  return fromHex(line.slice(5).trim().toLowerCase());
}

/**
 * Pays `amount` from the faucet's largest coin to `to`, change back (docs/protocol.md 4.3), and
 * waits until it is final. Returns the txid in hex.
 */
export async function transfer(net: Devnet, chainId: string, to: string, amount: bigint): Promise<string> {
  const seed = faucetSeed(net.home);
  const publicKey = publicKeyOf(seed);
  const from = encodeAddress(publicKey, chainId);
  const coins = (await net.client.listUnspent({ address: from })).outputs.sort((a, b) =>
    a.output!.amount > b.output!.amount ? -1 : 1,
  );
  const coin = coins[0]!;
  const fee = 100_000n; // above max(min_tx_fee, 10 units a byte) for one input and two outputs
  const tx = create(TransactionSchema, {
    version: 2,
    kind: TransactionKind.TRANSFER,
    inputs: [{ outpoint: coin.outpoint }],
    outputs: [
      { amount, address: decodeAddress(to, chainId) },
      { amount: coin.output!.amount - amount - fee, address: decodeAddress(from, chainId) },
    ],
  });
  const id = txid(tx);
  const signature = sign(seed, txSigBytes(chainId, id));
  tx.inputs[0]!.witness = { $typeName: "timecoin.v1.Witness", publicKey, signature };
  await net.client.submitTransaction({ transaction: tx });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const got = await net.client.getTransaction({ txid: id }).catch(() => undefined);
    if (got?.status === TransactionStatus.FINALIZED) return Buffer.from(id).toString("hex");
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("the transfer was not final within 30 s");
}
