// The page's own readings of values, without a browser: amounts and addresses.
import assert from "node:assert/strict";
import { test } from "node:test";
import { addressOf, encodeAddress, publicKeyOf } from "@timecoin/sdk";
import { addressString, percent, time } from "../src/format.js";

test("amounts read in TIME, 10^8 units each, without trailing zeros", () => {
  assert.equal(time(0n), "0 TIME");
  assert.equal(time(1n), "0.00000001 TIME");
  assert.equal(time(1_250_000_000n), "12.5 TIME");
  assert.equal(time(100_000_000_000_000n), "1,000,000 TIME");
});

test("20 address bytes encode as the SDK encodes the key's address", () => {
  for (let i = 0; i < 20; i++) {
    const key = publicKeyOf(new Uint8Array(32).fill(i));
    for (const chain of ["timecoin-devnet", "timecoin-mainnet"]) {
      assert.equal(addressString(addressOf(key), chain), encodeAddress(key, chain));
    }
  }
});

test("shares round down to hundredths of a percent", () => {
  assert.equal(percent(1n, 3n), "33.33%");
  assert.equal(percent(0n, 0n), "0%");
});
