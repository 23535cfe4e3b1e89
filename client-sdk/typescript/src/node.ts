// @timecoin/sdk/node: TimeClient over gRPC (HTTP/2) to a node's client port, plus key files.
// Kept out of the main entry so that a browser bundle does not pull in node:http2 or node:fs.
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { genesisOf, type Genesis } from "./genesis.js";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { TimeClient, type TimeClientOptions } from "./client.js";

export * from "./index.js";
export { readKeyFile, writeKeyFile } from "./keyfile.js";

/** A block can be 4 MiB plus its certificate and reward: accept up to 16 MiB (docs/sdk.md 1). */
const MAX_INBOUND_BYTES = 16 << 20;
/**
 * Keep-alive pings while a call is open (a subscription): the node accepts one every 10 s or slower.
 * Not on an idle connection, as docs/sdk.md 1 asks: connect-node 2.1.2 then re-arms its ping timer
 * after close() destroys the session, and 30 s later throws ERR_HTTP2_INVALID_SESSION uncaught.
 */
const PING_MS = 30_000;

export interface NodeOptions extends Omit<TimeClientOptions, "onClose"> {
  /** The node's client port, "host:port"; a bare port N means 127.0.0.1:N. */
  target?: string;
  /** Instead of target, a URL: "http://127.0.0.1:24101", or https:// (with `ca`). */
  baseUrl?: string;
  /** The CA that signed the node's TLS certificate: PEM text, or the path of a PEM file. With it, TLS. */
  ca?: string;
}

/** The URL of a target: "host:port" or a bare port; a host without a port is refused (gRPC would dial 443). */
export function targetUrl(target: string, tls: boolean): string {
  const scheme = tls ? "https" : "http";
  if (/^[0-9]{1,5}$/.test(target)) return `${scheme}://127.0.0.1:${target}`;
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:/\s]+):[0-9]{1,5}$/.test(target)) {
    throw new TypeError(`a target is host:port or a port, got "${target}"`);
  }
  return `${scheme}://${target}`;
}

/** A client of the node at `target` ("127.0.0.1:24101", or "24101"), or with these options. */
export function connectNode(options: NodeOptions | string): TimeClient {
  const o: NodeOptions = typeof options === "string" ? { target: options } : options;
  const ca = o.ca === undefined ? undefined : o.ca.includes("-----BEGIN") ? o.ca : readFileSync(o.ca, "utf8");
  let baseUrl = o.baseUrl;
  if (baseUrl === undefined) {
    if (o.target === undefined) throw new TypeError('no target: connectNode({ target: "127.0.0.1:24101" })');
    baseUrl = targetUrl(o.target, ca !== undefined);
  } else if (o.target !== undefined) {
    throw new TypeError("give a target or a baseUrl, not both");
  }
  // Our own session manager, so close() can end the connection (and the process can exit).
  const sessions = new Http2SessionManager(baseUrl, { pingIntervalMs: PING_MS, pingIdleConnection: false }, ca === undefined ? {} : { ca });
  const transport = createGrpcTransport({ baseUrl, sessionManager: sessions, readMaxBytes: MAX_INBOUND_BYTES });
  return new TimeClient(transport, { ...o, onClose: () => sessions.abort() });
}

/** The genesis of a genesis.json file (block 0, its hash, the chain's parameters): a trust root you hold. */
export async function readGenesis(path: string): Promise<Genesis> {
  return genesisOf(await readFile(path, "utf8"));
}
