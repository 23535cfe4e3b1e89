// For working on the explorer without rebuilding the node: serves the built page and answers its
// gRPC-Web calls by forwarding them to a node's gRPC client port. The node's own web port does
// this in production; this is the same contract, so the page cannot tell them apart.
//   node dev/serve.mjs [--port 8080] [--node http://127.0.0.1:24101]
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { createClient } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import { NodeService } from "@timecoin/sdk";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const port = Number(arg("--port", "8080"));
const upstream = createClient(NodeService, createGrpcTransport({ baseUrl: arg("--node", "http://127.0.0.1:24101") }));
const root = new URL("../../server/src/main/resources/explorer/", import.meta.url).pathname;
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" };

// Every unary and server-streaming call of NodeService, passed through as it is.
const forward = {};
for (const m of NodeService.methods) {
  if (m.methodKind === "unary") forward[m.localName] = (req, ctx) => upstream[m.localName](req, { signal: ctx.signal });
  if (m.methodKind === "server_streaming") {
    forward[m.localName] = async function* (req, ctx) {
      yield* upstream[m.localName](req, { signal: ctx.signal });
    };
  }
}

const handler = connectNodeAdapter({
  routes: (router) => router.service(NodeService, forward),
  grpcWeb: true,
  connect: false,
  grpc: false,
  async fallback(req, res) {
    const path = normalize(new URL(req.url ?? "/", "http://x").pathname).replace(/^(\.\.[/\\])+/, "");
    const file = join(root, path === "/" ? "index.html" : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  },
});

createServer(handler).listen(port, "127.0.0.1", () => console.log(`explorer on http://127.0.0.1:${port}/`));
