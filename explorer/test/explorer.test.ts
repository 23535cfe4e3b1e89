// The explorer in Chromium (Debian's, driven by playwright-core; no browser is downloaded) against
// a devnet this test starts, through the node's own web port: what a newcomer does with the page.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { after, before, test } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { encodeAddress, publicKeyOf } from "@timecoin/sdk";
import { startDevnet, transfer, type Devnet } from "./devnet.js";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
// docs/explorer.png is refreshed on purpose (EXPLORER_SCREENSHOT=../docs/explorer.png npm test), not by every run
const SCREENSHOT = process.env.EXPLORER_SCREENSHOT ?? new URL("../explorer.png", import.meta.url).pathname;

let net: Devnet;
let browser: Browser;
let page: Page;
let proxy: ChildProcess | undefined;
let chainId: string;
/** The block that holds the test's transfer: the screenshot shows it. */
let transferHeight = 2n;

before(async () => {
  net = await startDevnet();
  chainId = (await net.client.getStatus({})).chainId;
  let url = `http://127.0.0.1:${net.base + 3}/`; // node 0's web port
  if (process.env.EXPLORER_PROXY === "1") {
    // Before the node has a web port: the same gRPC-Web contract from dev/serve.mjs.
    const port = net.base + 5;
    proxy = spawn("node", ["dev/serve.mjs", "--port", String(port), "--node", `http://127.0.0.1:${net.base + 1}`], {
      stdio: "ignore",
    });
    url = `http://127.0.0.1:${port}/`;
  }
  await waitForHttp(url);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  page.on("pageerror", (e) => console.error(`page error: ${e.message}`));
  await page.goto(url);
});

after(async () => {
  await browser?.close();
  proxy?.kill();
  net?.stop();
});

async function waitForHttp(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing serves the explorer at ${url}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const shownHeight = async (): Promise<number> => Number(await page.locator(".status .height").innerText().then((t) => t.replace(/\D/g, "") || "0"));

async function searchFor(text: string): Promise<void> {
  await page.fill("input[type=search]", text);
  await page.click("form.search button");
}

test("the page loads with the chain in its status bar, and the height advances", async () => {
  await page.locator(".status", { hasText: chainId }).waitFor();
  await page.locator("table.blocks tbody tr").first().waitFor();
  const first = await shownHeight();
  assert.ok(first >= 1, `a height is shown: ${first}`);
  await page.waitForFunction(
    (h) => Number(document.querySelector(".status .height")?.textContent?.replace(/\D/g, "") ?? 0) > h,
    first,
    { timeout: 20_000 },
  );
});

test("a block page shows at least 3 signatures verified in the browser", async () => {
  await page.goto(`${page.url().split("#")[0]}#/block/2`);
  await page.locator("table.signers").waitFor();
  const verified = await page.locator("table.signers .sig.ok").count();
  assert.ok(verified >= 3, `verified signatures: ${verified}`);
  assert.equal(await page.locator("table.signers .bad").count(), 0);
  await page.locator("p.ok", { hasText: "verified in this browser" }).waitFor();
});

test("a transfer is found by its txid and shows final; its address shows the balance and the history", async () => {
  const to = encodeAddress(publicKeyOf(crypto.getRandomValues(new Uint8Array(32))), chainId);
  const id = await transfer(net, chainId, to, 1_250_000_000n); // 12.5 TIME
  transferHeight = (await net.client.getTransaction({ txid: Buffer.from(id, "hex") })).blockHeight;

  await searchFor(id);
  await page.waitForURL(`**#/tx/${id}`);
  await page.locator(".tx-status.ok", { hasText: "final" }).waitFor();

  await searchFor(to);
  await page.waitForURL(`**#/address/${to}`);
  await page.locator(".balance", { hasText: "12.5 TIME" }).waitFor();
  await page.locator(`table.history a[title="${id}"]`).waitFor();
  await page.locator("table.history", { hasText: "+12.5 TIME" }).waitFor();
});

test("a search for nothing known says so", async () => {
  await searchFor("not-a-thing");
  await page.locator(".search-error", { hasText: "is not a height, a block hash, a txid or an address" }).waitFor();
  await searchFor("ab".repeat(32));
  await page.locator(".search-error", { hasText: "No block or transaction has the hash" }).waitFor();
  await searchFor("99999999");
  await page.locator(".search-error", { hasText: "No block at height 99999999 yet" }).waitFor();
});

test("the validator table, on a phone-width window without sideways scrolling of the page", async () => {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.goto(`${page.url().split("#")[0]}#/validators`);
  await page.locator("table.validators").waitFor();
  assert.equal(await page.locator("table.validators tbody tr").count(), 4);
  assert.ok((await page.locator("table.validators .strip a.y").count()) >= 4, "the uptime strips show signed blocks");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow} px wider than the window (wide tables scroll in their own box)`);
});

test("screenshot of the transfer's block page for docs/explorer.png", async () => {
  await page.setViewportSize({ width: 1100, height: 800 });
  await page.goto(`${page.url().split("#")[0]}#/block/${transferHeight}`);
  await page.fill("input[type=search]", "");
  await page.locator("table.signers").waitFor();
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
});
