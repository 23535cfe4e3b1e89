// A real devnet for the integration test: `java -jar server/target/timed.jar devnet` (4 validators
// on 127.0.0.1, a block a second) in a fresh home, on ports found free; killed with its process
// group at the end, also when the test fails.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, openSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectNode } from "../src/node.js";

/** From dist/test/ to the repository root. */
export const JAR = fileURLToPath(new URL("../../../../server/target/timed.jar", import.meta.url));

export interface Devnet {
  home: string;
  /** node i's client port. */
  clientPort(i: number): number;
  stop(): Promise<void>;
}

const free = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });

/** A base port B whose 16 ports (B + 10i + 0..3, i < 4) are free. */
async function basePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const b = 20_000 + 10 * Math.floor(Math.random() * 3_000);
    const ports = [0, 1, 2, 3].flatMap((i) => [0, 1, 2, 3].map((k) => b + 10 * i + k)); // peer, client, metrics, web
    if ((await Promise.all(ports.map(free))).every(Boolean)) return b;
  }
  throw new Error("no free ports for a devnet");
}

export async function startDevnet(): Promise<Devnet> {
  if (!existsSync(JAR)) {
    throw new Error(`no ${JAR}: build it first, from the repository root: mvn -B -ntp -q -o package -DskipTests`);
  }
  const dir = await mkdtemp(join(tmpdir(), "timecoin-sdk-devnet-"));
  const home = join(dir, "home");
  const base = await basePort();
  const log = openSync(join(dir, "devnet.log"), "a");
  const child: ChildProcess = spawn("java", ["-jar", JAR, "devnet", "--home", home, "--base-port", String(base)], {
    detached: true, // its own process group, so the group can be killed
    stdio: ["ignore", log, log],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // gone already
    }
  };
  const onExit = () => killGroup("SIGKILL"); // the test runner dying must not leave a devnet behind
  process.once("exit", onExit);
  const stop = async () => {
    killGroup("SIGTERM");
    const timer = setTimeout(() => killGroup("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
    process.removeListener("exit", onExit);
    await rm(dir, { recursive: true, force: true });
  };
  const devnet = { home, clientPort: (i: number) => base + 10 * i + 1, stop };
  // Ready once node 0's client port answers GetStatus with a finalized block.
  const deadline = Date.now() + 90_000;
  const probe = connectNode({ target: String(devnet.clientPort(0)), timeoutMs: 1_000, warn: () => {} });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the devnet exited (${child.exitCode}); see ${join(dir, "devnet.log")}`);
      const height = await probe.status().then((s) => s.finalizedHeight, () => 0n);
      if (height >= 1n) break;
      if (Date.now() > deadline) throw new Error(`the devnet did not answer within 90 s; see ${join(dir, "devnet.log")}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (e) {
    await stop();
    throw e;
  } finally {
    probe.close();
  }
  return devnet;
}

/** A TCP proxy on 127.0.0.1 to `port` that can cut every connection it holds. */
export async function tcpProxy(port: number) {
  const open = new Set<() => void>();
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(port, "127.0.0.1");
    client.pipe(upstream);
    upstream.pipe(client);
    const cut = () => {
      client.destroy();
      upstream.destroy();
      open.delete(cut);
    };
    for (const s of [client, upstream]) s.on("error", cut).on("close", cut);
    open.add(cut);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return connections;
    },
    cutAll: () => [...open].forEach((cut) => cut()),
    close: () => new Promise<void>((resolve) => { [...open].forEach((cut) => cut()); server.close(() => resolve()); }),
  };
}
