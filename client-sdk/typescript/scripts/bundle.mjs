// `npm run bundle`: bundle/page.ts (built into dist/bundle/page.js by tsc) with esbuild for the
// browser, minified; prints its size minified and gzipped and fails above the budget.
import { copyFileSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

export const BUDGET_GZIP_BYTES = 100 * 1024;
const out = "dist/web/page.js";

const result = await build({
  entryPoints: ["dist/bundle/page.js"],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  target: "es2022", // bigint literals, top-level await
  outfile: out,
  metafile: true,
  logLevel: "warning",
});
copyFileSync("bundle/index.html", "dist/web/index.html");

const code = readFileSync(out);
const gzipped = gzipSync(code, { level: 9 }).length;
// What the output holds (the metafile's inputs also list what tree shaking dropped).
const kept = Object.entries(result.metafile.outputs[out].inputs).filter(([, v]) => v.bytesInOutput > 0);
const inputs = kept.map(([f]) => f);
const generated = inputs.filter((f) => f.includes("src/gen/")).map((f) => f.replace(/.*\/gen\//, "").replace(/_pb\.[jt]s$/, ""));
console.log(`${out}: ${(code.length / 1024).toFixed(1)} KB minified, ${(gzipped / 1024).toFixed(1)} KB gzipped ` +
  `(budget ${BUDGET_GZIP_BYTES / 1024} KB); generated code: ${generated.join(", ")}`);
const nodeOnly = inputs.filter((f) => f.startsWith("node:") || f.includes("connect-node"));
if (nodeOnly.length > 0) {
  console.error(`the browser bundle pulls in Node-only code: ${nodeOnly.join(", ")}`);
  process.exit(1);
}
if (gzipped > BUDGET_GZIP_BYTES) {
  console.error(`the bundle is over budget: ${gzipped} > ${BUDGET_GZIP_BYTES} bytes gzipped`);
  process.exit(1);
}
