// The TypeScript runner of the conformance scenario (integration-tests/conformance/README.md):
//   node runner.mjs SCENARIO.json SETUP.json
// prints what @timecoin/sdk sees, one fact a line, in the format every runner prints.
import { readFile } from "node:fs/promises";
import { create } from "@bufbuild/protobuf";
import {
  awaitFinal, checkCertificate, connectNode, DEFAULT_FEES, ErrorReason, FinalityCertificateSchema, fromHex, hex, NodeError,
  requiredFee, TransactionKind, TransactionSchema, TrustRoot, txid, Wallet,
} from "@timecoin/sdk/node";

const TRANSACTION_VERSION = 2; // docs/protocol.md 2

const [scenario, setup] = await Promise.all(process.argv.slice(2, 4).map(async (p) => JSON.parse(await readFile(p, "utf8"))));
const client = connectNode({ target: setup.target, trustRoot: TrustRoot.genesis(fromHex(setup.genesis_hash)), timeoutMs: 30_000 });
const reason = (r) => ErrorReason[r];

try {
  const chainId = await client.chainId();
  const change = BigInt(setup.set_change_height);

  const last = change + BigInt(scenario.blocks_after_set_change);
  for await (const block of client.subscribeFinalized(1n)) {
    console.log(`block ${block.height} ${hex(block.hash)}`);
    if (block.height >= last) break;
  }

  for (const h of [change - 1n, change]) {
    const set = await client.verifiedValidatorSet(h);
    console.log(`set ${h} ${hex(set.hash)} ${set.validators.length}`);
  }

  for (const how of scenario.certificates) {
    const height = BigInt(how.height);
    const cert = tampered(await client.certificate(height), how);
    const verdict = checkCertificate(chainId, cert, (await client.verifiedValidatorSet(height)).validators);
    console.log(`certificate ${how.name} ${verdict.reason === undefined ? "valid" : reason(verdict.reason)}`);
  }

  const keys = Object.fromEntries(Object.entries(scenario.keys).map(([name, seed]) => [name, Wallet.fromSeed(fromHex(seed))]));
  for (const spec of scenario.transactions) {
    const { tx, fee } = transfer(spec, keys, chainId);
    const id = txid(tx);
    console.log(`tx ${spec.name} ${hex(id)} fee ${fee}`);
    try {
      await client.submit(tx);
    } catch (e) {
      if (!(e instanceof NodeError)) throw e;
      console.log(`tx ${spec.name} refused ${reason(e.reason)}`);
      continue;
    }
    console.log(`tx ${spec.name} accepted`);
    if (spec.expect_final) console.log(`tx ${spec.name} final at ${await awaitFinal(client, id, { timeoutMs: 60_000 })}`);
  }
} finally {
  client.close();
}

function tampered(cert, how) {
  const out = create(FinalityCertificateSchema, cert);
  out.signatures = cert.signatures.map((s) => ({ ...s, signature: s.signature.slice() }));
  if (how.flip_signature_byte) out.signatures[how.flip_signature_byte.signer].signature[how.flip_signature_byte.byte] ^= 1;
  if (how.replace_last_signer_key) out.signatures[out.signatures.length - 1].validator = fromHex(how.replace_last_signer_key);
  if (how.keep_signers !== undefined) out.signatures = out.signatures.slice(0, how.keep_signers);
  if (how.repeat_signer !== undefined) out.signatures.splice(how.repeat_signer + 1, 0, { ...out.signatures[how.repeat_signer] });
  if (how.nil_block_hash) out.blockHash = new Uint8Array(32);
  if (how.height_plus_one) out.height = cert.height + 1n;
  return out;
}

function transfer(spec, keys, chainId) {
  const coin = setup.inputs[spec.input];
  const available = BigInt(coin.amount), amount = BigInt(spec.amount);
  const alice = keys.alice;
  const tx = create(TransactionSchema, {
    version: TRANSACTION_VERSION,
    kind: TransactionKind.TRANSFER,
    inputs: [{ outpoint: { txid: fromHex(coin.txid), index: coin.index } }],
    outputs: [{ amount, address: keys[spec.to].addressBytes }, { amount: 0n, address: alice.addressBytes }], // amounts do not change the size
  });
  let fee = requiredFee(alice.sign(tx, chainId), DEFAULT_FEES); // priced signed: the witnesses count
  if (spec.fee === "required-minus-one") fee -= 1n;
  tx.outputs[1].amount = available - amount - fee;
  const signed = alice.sign(tx, chainId);
  if (spec.flip_signature_byte !== undefined) signed.inputs[0].witness.signature[spec.flip_signature_byte] ^= 1;
  return { tx: signed, fee };
}
