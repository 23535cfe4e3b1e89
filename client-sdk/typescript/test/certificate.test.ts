// checkCertificate names the first failing signature in key order (docs/sdk.md 4.2 step 12), as Java does.
import assert from "node:assert/strict";
import { it } from "node:test";
import { clone } from "@bufbuild/protobuf";
import { checkCertificate, compareBytes, ErrorReason, FinalityCertificateSchema, publicKeyOf, sign } from "../src/index.js";
import { certify, CHAIN, makeChain } from "./fakechain.js";

const chain = makeChain(1);
const keys = chain.validators.map((v) => v.key);

/** A seed whose key sorts below (or above) every member's. */
function outsider(below: boolean): Uint8Array {
  for (let i = 0; ; i++) {
    const seed = new Uint8Array(32).fill(i + 50);
    const key = publicKeyOf(seed);
    if (keys.every((k) => (below ? compareBytes(key, k) < 0 : compareBytes(key, k) > 0))) return seed;
  }
}

function certificate(outsiderBelow: boolean) {
  const c = clone(FinalityCertificateSchema, certify(CHAIN, chain.seeds, 1n, chain.certificates[1]!.blockHash, 4));
  c.signatures[1]!.signature[0]! ^= 1; // a member's bad signature
  const seed = outsider(outsiderBelow);
  const s = clone(FinalityCertificateSchema, c).signatures[0]!;
  s.validator = publicKeyOf(seed);
  s.signature = sign(seed, new Uint8Array(1));
  if (outsiderBelow) c.signatures.unshift(s);
  else c.signatures.push(s);
  return c;
}

it("an unknown signer before a bad signature in key order: UNKNOWN_VALIDATOR", () => {
  assert.equal(checkCertificate(CHAIN, certificate(true), chain.validators).reason, ErrorReason.UNKNOWN_VALIDATOR);
});

it("a bad signature before an unknown signer in key order: BAD_SIGNATURE", () => {
  assert.equal(checkCertificate(CHAIN, certificate(false), chain.validators).reason, ErrorReason.BAD_SIGNATURE);
});
