// `npm run bundle` builds the browser example with esbuild; it stays within its budget and holds
// no Node-only code and no generated code for services the page does not use.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("../../", import.meta.url));

it("the browser bundle builds, under 100 KB gzipped, without Node code or the peer service", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["scripts/bundle.mjs"], { cwd: root });
  const code = readFileSync(`${root}/dist/web/page.js`);
  const gzipped = gzipSync(code, { level: 9 }).length;
  assert.ok(gzipped < 100 * 1024, `${gzipped} bytes gzipped`);
  const generated = /generated code: (.*)$/m.exec(stdout)![1]!.split(", ");
  assert.ok(generated.includes("timecoin/v1/node"), stdout);
  assert.ok(!generated.includes("timecoin/v1/peer"), "the peer service is not in the page");
});
