// Every entry of proto/testvectors/v2.json, rebuilt by the SDK (docs/protocol.md 2.2).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as sdk from "../src/index.js";
import {
  BlockHeaderSchema,
  FinalityCertificateSchema,
  GenesisPayloadSchema,
  HelloSchema,
  ProposalSchema,
  TransactionKind,
  TransactionSchema,
  ValidatorSetSchema,
  VoteSchema,
  fromHex,
  hex,
  type Transaction,
  type ValidatorSet,
} from "../src/index.js";
import { doc, message } from "./vectors.js";

const chainId: string = doc.chain_id;
const tagOf = (bytes: Uint8Array) => {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
  return new TextDecoder().decode(bytes.subarray(4, 4 + n));
};

/** How each structure's fields become its canonical bytes. */
const encoders: Record<string, (f: any) => Uint8Array> = {
  vote: (f) => sdk.voteBytes(message(VoteSchema, f)),
  header: (f) => sdk.headerBytes(message(BlockHeaderSchema, f)),
  proposal: (f) => sdk.proposalBytes(message(ProposalSchema, f)),
  tx: (f) => sdk.txBytes(message(TransactionSchema, f)),
  txw: (f) => sdk.txwBytes(message(TransactionSchema, f)),
  params: (f) => sdk.paramsBytes(message(GenesisPayloadSchema, f)),
  txsig: (f) => sdk.txSigBytes(f.chain_id, fromHex(f.txid)),
  validator_set: (f) => sdk.validatorSetBytes(message(ValidatorSetSchema, f)),
  certificate: (f) => sdk.certificateBytes(message(FinalityCertificateSchema, f)),
  hello: (f) => sdk.helloBytes(message(HelloSchema, f)),
  proposer_seed: (f) => sdk.proposerSeedBytes(f.chain_id, BigInt(f.height), f.round),
};

describe("file header", () => {
  it("is format 2 on timecoin-devnet", () => {
    assert.equal(doc.format, "timecoin-test-vectors/2");
    assert.equal(chainId, "timecoin-devnet");
  });
});

describe("keys", () => {
  doc.keys.forEach((k: any, i: number) =>
    it(`keys[${i}]`, () => {
      const seed = sdk.sha256(new TextEncoder().encode(`timecoin test vector key ${i}`));
      assert.equal(hex(seed), k.seed);
      const pub = sdk.publicKeyOf(seed);
      assert.equal(hex(pub), k.public_key);
      assert.equal(hex(sdk.addressOf(pub)), k.address);
      assert.equal(sdk.encodeAddress(pub, "timecoin-devnet"), k.address_testnet);
      assert.equal(sdk.encodeAddress(pub, "timecoin-mainnet"), k.address_mainnet);
      assert.deepEqual(sdk.decodeAddress(k.address_testnet, chainId), fromHex(k.address));
      assert.throws(() => sdk.decodeAddress(k.address_mainnet, chainId), /prefix/);
      assert.throws(() => sdk.decodeAddress(k.address_testnet.toUpperCase().slice(0, 10) + k.address_testnet.slice(10), chainId));
    }),
  );
});

describe("structures", () => {
  for (const s of doc.structures) {
    it(s.name, () => {
      const bytes = encoders[s.name.split("/")[0]]!(s.fields);
      assert.equal(tagOf(bytes), s.domain);
      assert.equal(hex(bytes), s.bytes);
      assert.equal(hex(sdk.sha256(bytes)), s.sha256);
      if (s.name.startsWith("tx/")) {
        const tx = message(TransactionSchema, s.fields);
        assert.equal(hex(sdk.txid(tx)), s.sha256);
        const signed = sdk.txSigBytes(chainId, sdk.txid(tx));
        for (const w of [...tx.inputs.map((i) => i.witness!), ...tx.kindWitnesses]) {
          assert.ok(sdk.verify(w.publicKey, signed, w.signature), "witness verifies over TXSIG");
        }
      }
    });
  }

  it("are consistent as one block", () => {
    const by = Object.fromEntries(doc.structures.map((s: any) => [s.name, s]));
    const header = message(BlockHeaderSchema, by.header.fields);
    const txs = doc.structures.filter((s: any) => s.name.startsWith("tx/")).map((s: any) => message(TransactionSchema, s.fields));
    assert.deepEqual(sdk.merkleRoot(txs.map(sdk.txid)), header.txRoot);
    assert.deepEqual(sdk.merkleRoot(txs.map(sdk.wtxid)), header.witnessRoot);
    assert.deepEqual(sdk.validatorSetHash(message(ValidatorSetSchema, by.validator_set.fields)), header.validatorSetHash);
    assert.deepEqual(sdk.validatorSetHash(message(ValidatorSetSchema, by["validator_set/next"].fields)), header.nextValidatorSetHash);
    const cert = message(FinalityCertificateSchema, by.certificate.fields);
    assert.deepEqual(sdk.certificateHash(cert), header.lastCertificateHash);
    assert.deepEqual([cert.blockHash, cert.height + 1n], [header.prevHash, header.height]);
    const proposal = message(ProposalSchema, by["proposal/valid_round=-1"].fields);
    assert.deepEqual(sdk.blockHash(proposal.block!.header!), fromHex(by.header.sha256));
  });

  it("refuse fields of the wrong size and keys out of order (MALFORMED)", () => {
    const vote = message(VoteSchema, doc.structures[0].fields);
    vote.blockHash = vote.blockHash.slice(1);
    assert.throws(() => sdk.voteBytes(vote), (e: unknown) => e instanceof sdk.ProtocolError && e.reason === sdk.ErrorReason.MALFORMED);
    const set = message(ValidatorSetSchema, doc.structures.find((s: any) => s.name === "validator_set").fields);
    set.validators.reverse();
    assert.throws(() => sdk.validatorSetBytes(set), sdk.ProtocolError);
    const tx = message(TransactionSchema, doc.structures.find((s: any) => s.name === "tx/transfer").fields);
    tx.kind = TransactionKind.REWARD; // a payload that does not match the kind
    assert.throws(() => sdk.txBytes(tx), sdk.ProtocolError);
  });
});

describe("signed_vote", () => {
  it("is reproduced and verifies", () => {
    const sv = doc.signed_vote;
    const vote = message(VoteSchema, sv.vote);
    const seed = fromHex(sv.signer_seed);
    const bytes = sdk.voteBytes(vote);
    assert.equal(hex(bytes), sv.bytes);
    assert.deepEqual(sdk.publicKeyOf(seed), vote.validator);
    assert.equal(hex(sdk.sign(seed, bytes)), sv.signature);
    assert.equal(hex(vote.signature), sv.signature);
    assert.ok(sdk.verify(vote.validator, bytes, vote.signature));
  });
});

describe("certificates", () => {
  doc.certificates.forEach((c: any, i: number) =>
    it(`certificates[${i}]: quorum ${c.quorum}`, () => {
      const cert = message(FinalityCertificateSchema, c.certificate);
      const set = message(ValidatorSetSchema, c.validator_set);
      assert.equal(hex(sdk.certificateBytes(cert)), c.bytes);
      assert.equal(hex(sdk.certificateHash(cert)), c.hash);
      const verdict = sdk.checkCertificate(c.chain_id, cert, set.validators);
      assert.equal(verdict.signedWeight.toString(), c.signed_weight);
      assert.equal(verdict.totalWeight.toString(), c.total_weight);
      assert.equal(verdict.reason === undefined, c.quorum);
      if (!c.quorum) assert.throws(() => sdk.verifyCertificate(c.chain_id, cert, set.validators), sdk.ProtocolError);
    }),
  );

  it("name the reason of a forged or foreign signer", () => {
    const c = doc.certificates.find((c: any) => c.quorum);
    const set = message(ValidatorSetSchema, c.validator_set);
    const forged = message(FinalityCertificateSchema, c.certificate);
    forged.signatures[0]!.signature[0]! ^= 1;
    assert.equal(sdk.checkCertificate(chainId, forged, set.validators).reason, sdk.ErrorReason.BAD_SIGNATURE);
    const foreign = message(FinalityCertificateSchema, c.certificate);
    assert.equal(sdk.checkCertificate(chainId, foreign, set.validators.slice(1)).reason, sdk.ErrorReason.UNKNOWN_VALIDATOR);
    assert.equal(sdk.checkCertificate("timecoin-other", foreign, set.validators).reason, sdk.ErrorReason.BAD_SIGNATURE);
  });
});

describe("signature_checks", () => {
  for (const c of doc.signature_checks) {
    it(`${c.name}: ${c.valid}`, () => {
      const [pub, msg, sig] = [c.public_key, c.message, c.signature].map(fromHex) as [Uint8Array, Uint8Array, Uint8Array];
      assert.equal(sdk.verify(pub, msg, sig), c.valid);
      const s = BigInt("0x" + hex(sig.slice(32).reverse()));
      if (s >= sdk.L) {
        // S >= L alone makes it invalid: reduced mod L it verifies
        const reduced = fromHex((s % sdk.L).toString(16).padStart(64, "0")).reverse();
        assert.ok(sdk.verify(pub, msg, sdk.concat(sig.subarray(0, 32), reduced)));
      }
    });
  }
});

describe("ed25519 (docs/protocol.md 1.1)", () => {
  it(`has 92 cases`, () => assert.equal(doc.ed25519.length, 92));
  for (const c of doc.ed25519) {
    it(`${c.name}: ${c.valid}`, () => {
      assert.equal(sdk.verify(fromHex(c.public_key), fromHex(c.message), fromHex(c.signature)), c.valid);
    });
  }
});

describe("merkle_roots", () => {
  for (const c of doc.merkle_roots) {
    it(`${c.leaves.length} leaves`, () => assert.equal(hex(sdk.merkleRoot(c.leaves.map(fromHex))), c.root));
  }
});

describe("witness_roots", () => {
  for (const c of doc.witness_roots) {
    it(`${c.transactions.length} transactions`, () => {
      const txs = c.transactions.map((t: unknown) => message(TransactionSchema, t)) as Transaction[];
      assert.deepEqual(txs.map((t) => hex(sdk.txid(t))), c.txids);
      assert.deepEqual(txs.map((t) => hex(sdk.wtxid(t))), c.wtxids);
      assert.equal(hex(sdk.merkleRoot(txs.map(sdk.txid))), c.tx_root);
      assert.equal(hex(sdk.merkleRoot(txs.map(sdk.wtxid))), c.witness_root);
    });
  }
});

describe("genesis_block", () => {
  const gb = doc.genesis_block;
  const header = message(BlockHeaderSchema, gb.block.header);
  const tx = message(TransactionSchema, gb.block.body.transactions[0]);

  it("header bytes and hash", () => {
    assert.equal(hex(sdk.headerBytes(header)), gb.header_bytes);
    assert.equal(hex(sdk.blockHash(header)), gb.hash);
    assert.equal(gb.block.body.transactions.length, 1);
    assert.equal(tx.kind, TransactionKind.GENESIS);
    assert.deepEqual(header.txRoot, sdk.merkleRoot([sdk.txid(tx)]));
    assert.deepEqual(header.witnessRoot, sdk.merkleRoot([sdk.wtxid(tx)]));
    for (const zero of [header.prevHash, header.lastCertificateHash, header.proposer]) assert.deepEqual(zero, sdk.NIL_HASH);
  });

  it("set(1) is the heaviest max_validators masternodes, in key order", () => {
    const payload = tx.payload.case === "genesis" ? tx.payload.value : assert.fail("GENESIS payload");
    const set: ValidatorSet = message(ValidatorSetSchema, gb.validator_set);
    const weighed = payload.params!.masternodes
      .map((m) => ({ key: m.consensusKey, weight: m.collateral / 100_000_000n }))
      .filter((m) => m.weight > 0n)
      .sort((a, b) => (a.weight === b.weight ? sdk.compareBytes(a.key, b.key) : a.weight > b.weight ? -1 : 1))
      .slice(0, payload.params!.maxValidators)
      .sort((a, b) => sdk.compareBytes(a.key, b.key));
    assert.deepEqual(set.validators.map((v) => [hex(v.key), v.weight]), weighed.map((v) => [hex(v.key), v.weight]));
    assert.deepEqual(header.validatorSetHash, sdk.validatorSetHash(set));
    assert.deepEqual(header.nextValidatorSetHash, sdk.validatorSetHash(set));
  });

  it("its hash commits to every parameter", () => {
    const params = gb.block.body.transactions[0].genesis.params;
    for (const [key, value] of Object.entries(params)) {
      const changed = structuredClone(gb.block.body.transactions[0]);
      changed.genesis.params[key] = Array.isArray(value)
        ? value.slice(0, -1)
        : typeof value === "string"
          ? (BigInt(value) + 1n).toString()
          : (value as number) + 1;
      const root = sdk.merkleRoot([sdk.txid(message(TransactionSchema, changed))]);
      assert.notDeepEqual(sdk.blockHash({ ...header, txRoot: root }), sdk.blockHash(header), `changing ${key}`);
    }
  });
});

describe("subsidy", () => {
  for (const c of doc.subsidy) {
    it(`h=${c.height}`, () => assert.equal(sdk.subsidy(BigInt(c.height)).toString(), c.units));
  }
});

describe("proposers", () => {
  const set = message(ValidatorSetSchema, doc.proposers.validator_set);
  for (const p of doc.proposers.picks) {
    it(`h=${p.height} r=${p.round}`, () => {
      assert.equal(hex(sdk.proposer(doc.proposers.chain_id, set.validators, BigInt(p.height), p.round)), p.proposer);
    });
  }
});

describe("fees", () => {
  for (const f of doc.fees) {
    it(f.name, () => {
      const tx = message(TransactionSchema, f.tx);
      assert.equal(sdk.txBytes(tx).length, f.tx_bytes_len);
      assert.equal(sdk.txwBytes(tx).length, f.txw_bytes_len);
      const params = {
        minTxFee: BigInt(f.params.min_tx_fee),
        minFeePerByte: BigInt(f.params.min_fee_per_byte),
        registrationFee: BigInt(f.params.registration_fee),
      };
      assert.equal(String(sdk.requiredFee(tx, params)), f.required_fee);
    });
  }
});
