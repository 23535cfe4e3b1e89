// Builds the explorer into server/src/main/resources/explorer (index.html, explorer.js,
// explorer.css), the folder the node serves on its web port; the output is committed so that
// `bin/timed devnet` needs no Node. `--compare` builds into a temporary folder and fails if the
// committed files differ (CI's `npm run check`). The tests go to dist/test; `--tests` builds only
// them (npm test: the page under test is the one in the jar).
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const committed = new URL("../server/src/main/resources/explorer/", import.meta.url).pathname;
const compare = process.argv.includes("--compare");
const out = compare ? mkdtempSync(join(tmpdir(), "explorer-")) : committed;

if (!process.argv.includes("--tests")) await bundle(out);
await tests();
if (compare) compareWithCommitted();

async function bundle(dir) {
  mkdirSync(dir, { recursive: true });
  // The SDK is a linked folder with its own node_modules: resolve the shared runtime from here,
  // so the bundle holds one copy of @bufbuild/protobuf and @connectrpc/connect, not two.
  const shared = ["@bufbuild/protobuf", "@connectrpc/connect"];
  await esbuild.build({
    entryPoints: { explorer: "src/main.ts", "explorer-style": "src/style.css" },
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    outdir: dir,
    legalComments: "none",
    alias: Object.fromEntries(shared.map((p) => [p, p])),
    logLevel: "warning",
  });
  // esbuild names a CSS entry after it; the page links explorer.css.
  copyFileSync(join(dir, "explorer-style.css"), join(dir, "explorer.css"));
  rmSync(join(dir, "explorer-style.css"));
  copyFileSync("index.html", join(dir, "index.html"));
  const js = readFileSync(join(dir, "explorer.js"));
  console.log(`explorer.js ${js.length} bytes minified, ${gzipSync(js).length} gzipped`);
}

async function tests() {
  // Each test file with the page's sources it imports inlined; packages stay imports.
  rmSync("dist/test", { recursive: true, force: true });
  await esbuild.build({
    entryPoints: readdirSync("test").filter((f) => f.endsWith(".ts")).map((f) => `test/${f}`),
    bundle: true,
    packages: "external",
    outdir: "dist/test",
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
}

function compareWithCommitted() {
  const files = (dir) => readdirSync(dir).sort();
  const differ = [...new Set([...files(out), ...files(committed)])].filter((f) => {
    try {
      return !readFileSync(join(out, f)).equals(readFileSync(join(committed, f)));
    } catch {
      return true; // in one folder only
    }
  });
  rmSync(out, { recursive: true });
  if (differ.length > 0) {
    console.error(
      `server/src/main/resources/explorer differs from a fresh build (${differ.join(", ")}): run npm run build in explorer/ and commit it`,
    );
    process.exit(1);
  }
  console.log("the committed explorer is what the sources build");
}
