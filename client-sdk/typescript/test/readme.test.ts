// The README shows the examples the integration test runs, verbatim, so they cannot drift.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

it("README.md holds every examples/*.ts as it is", () => {
  const readme = readFileSync(`${root}/README.md`, "utf8");
  const examples = readdirSync(`${root}/examples`).filter((f) => f.endsWith(".ts"));
  assert.equal(examples.length, 5);
  for (const f of examples) {
    assert.ok(readme.includes("```ts\n" + readFileSync(`${root}/examples/${f}`, "utf8").trimEnd() + "\n```"), `${f} is in the README as it is`);
  }
});
