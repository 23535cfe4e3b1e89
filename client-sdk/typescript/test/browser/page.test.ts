// `npm run test:browser`: the bundled page (dist/web, from `npm run bundle`) in headless Chromium,
// against a fake node serving gRPC-Web and the page itself on 127.0.0.1: it shows verified blocks,
// and shows a refusal (never the block) when the node forges one. Needs Debian's chromium.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, it } from "node:test";
import { fileURLToPath } from "node:url";
import { clone } from "@bufbuild/protobuf";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { chromium, type Browser } from "playwright-core";
import { FinalizedBlockSchema, hex, NodeService } from "../../src/index.js";
import { honest, makeChain } from "../fakechain.js";

const web = fileURLToPath(new URL("../../web/", import.meta.url));
const chain = makeChain(8);
let browser: Browser;
let server: http.Server;
let base: string;
let forge = false;

before(async () => {
  const impl = {
    ...honest(chain),
    async *subscribeFinalized(req: { fromHeight: bigint }) {
      for (let h = Number(req.fromHeight); h <= 8; h++) {
        const fb = clone(FinalizedBlockSchema, chain.finalized(h));
        if (forge && h === 3) fb.certificate!.signatures[0]!.signature[9]! ^= 1;
        yield { event: { case: "block" as const, value: fb } };
      }
    },
  };
  const grpcWeb = connectNodeAdapter({ routes: (r: ConnectRouter) => r.service(NodeService, impl) });
  server = http.createServer((req, res) => {
    const file = req.url === "/page.js" ? "page.js" : req.url?.startsWith("/?") ? "index.html" : undefined;
    if (file === undefined) return grpcWeb(req, res); // the page's own origin serves gRPC-Web
    res.writeHead(200, { "content-type": file.endsWith(".js") ? "text/javascript" : "text/html" });
    res.end(readFileSync(web + file));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function lines(waitFor: RegExp): Promise<string[]> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${base}/?genesis=${hex(chain.genesisHash)}`);
  await page.waitForFunction((re) => new RegExp(re).test(document.body.innerText), waitFor.source, { timeout: 20_000 });
  const text = await page.locator("#blocks li").allInnerTexts();
  await page.close();
  assert.deepEqual(errors, []);
  return text.reverse(); // the page puts the newest first
}

it("the page shows blocks 1 to 8, each verified, with the certificate's weight", async () => {
  forge = false;
  const shown = await lines(/block 8 /);
  assert.equal(shown.length, 8);
  shown.forEach((line, i) => assert.match(line, new RegExp(`^block ${i + 1} [0-9a-f]{16}: signed 3/4, verified$`)));
});

it("a forged signature in block 3 is refused in the page, and block 3 is never shown", async () => {
  forge = true;
  const shown = await lines(/refused/);
  assert.deepEqual(shown.slice(0, 2).map((l) => l.split(" ")[1]), ["1", "2"]);
  assert.match(shown[2]!, /^refused: BAD_SIGNATURE \(.*block 3/);
  assert.equal(shown.length, 3);
});
