// How many browser tabs one node serves: N SubscribeFinalized streams over gRPC-Web (HTTP/1.1, one
// connection each, as a browser tab holds) on node-0's web port, against a reference subscription on
// its gRPC client port. A tab's delay is its receipt of a block minus the reference's. Prints a row
// per N and the largest N with p99 under 200 ms. Not a test: figures only.
//   node bench/tabs.mjs [--base-port 27100] [--blocks 20] [--sizes 50,100,200,400]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { setMaxListeners } from "node:events";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { NodeService } from "@timecoin/sdk";

const arg = (name, d) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : d; };
const base = Number(arg("--base-port", "27100"));
const blocks = Number(arg("--blocks", "20"));
const sizes = arg("--sizes", "50,100,200,400").split(",").map(Number);
const jar = new URL("../../server/target/timed.jar", import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), "tabs-"));
const devnet = spawn("java", ["-jar", jar, "devnet", "--processes", "--home", home, "--base-port", String(base)], { stdio: "ignore", detached: true });
// --processes: node-0 runs alone, so its RSS is its own; each node's pid is in node-i/timed.pid
const stop = () => {
  for (let i = 0; i < 4; i++) {
    try { process.kill(Number(readFileSync(join(home, `node-${i}`, "timed.pid"), "utf8")), "SIGTERM"); } catch {}
  }
  try { process.kill(-devnet.pid, "SIGTERM"); } catch {}
};
process.on("exit", stop);
process.on("SIGINT", () => process.exit(130));

const reference = createClient(NodeService, createGrpcTransport({ baseUrl: `http://127.0.0.1:${base + 1}` }));
for (let i = 0; ; i++) {
  try { if ((await reference.getStatus({})).finalizedHeight >= 2n) break; } catch {}
  if (i > 120) throw new Error("the devnet did not start");
  await new Promise((r) => setTimeout(r, 500));
}
const rss = () => {
  const pid = readFileSync(join(home, "node-0", "timed.pid"), "utf8").trim();
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) >> 10;
};

const percentile = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
console.log(`machine: ${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(2)).join(" ")}; ${blocks} blocks per size`);
console.log("tabs   p50 ms   p99 ms   max ms   missed   node-0 RSS MiB   bench CPU %");
let best = 0;
for (const n of sizes) {
  const stopAll = new AbortController();
  setMaxListeners(0, stopAll.signal); // one listener per tab
  const seen = new Map(); // height -> [reference time, ...tab times]
  const start = (await reference.getStatus({})).finalizedHeight + 2n;
  const end = start + BigInt(blocks);
  const follow = async (client, tab) => {
    try {
      for await (const m of client.subscribeFinalized({ fromHeight: start }, { signal: stopAll.signal })) {
        if (m.event.case !== "block") continue;
        const h = m.event.value.block.header.height;
        if (!seen.has(h)) seen.set(h, { ref: undefined, tabs: [] });
        const entry = seen.get(h);
        if (tab) entry.tabs.push(performance.now()); else entry.ref = performance.now();
        if (h >= end) return;
      }
    } catch (e) { if (!stopAll.signal.aborted) console.error(`a ${tab ? "tab" : "reference"} failed: ${e.message}`); }
  };
  const tabs = [];
  for (let i = 0; i < n; i++) { // opened gradually, so connection setup is not what is measured
    const web = createClient(NodeService, createGrpcWebTransport({ baseUrl: `http://127.0.0.1:${base + 3}`, httpVersion: "1.1" }));
    tabs.push(follow(web, true));
    if (i % 25 === 24) await new Promise((r) => setTimeout(r, 50));
  }
  const cpu0 = process.cpuUsage(), t0 = performance.now();
  await Promise.all([follow(reference, false), ...tabs]);
  const cpu = process.cpuUsage(cpu0), wall = performance.now() - t0;
  stopAll.abort();
  const delays = [];
  let missed = 0;
  for (const [, e] of seen) {
    if (e.ref === undefined) continue;
    missed += n - e.tabs.length;
    for (const t of e.tabs) delays.push(t - e.ref);
  }
  delays.sort((a, b) => a - b);
  const p99 = percentile(delays, 0.99);
  if (p99 < 200 && missed === 0) best = n;
  console.log(`${String(n).padStart(4)}  ${percentile(delays, 0.5).toFixed(1).padStart(7)}  ${p99.toFixed(1).padStart(7)}  ${delays.at(-1).toFixed(1).padStart(7)}  ${String(missed).padStart(7)}  ${String(rss()).padStart(15)}  ${(100 * (cpu.user + cpu.system) / 1000 / wall).toFixed(0).padStart(12)}`);
}
console.log(`largest N with p99 < 200 ms and nothing missed: ${best} (the web port allows 512 connections by default)`);
process.exit(0);
