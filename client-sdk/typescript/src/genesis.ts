// Block 0 from a genesis file (docs/protocol.md 3, "Block 0, exactly"): so a client can take its
// trust root from the genesis.json it holds rather than from a node.
import { create } from "@bufbuild/protobuf";
import { BlockSchema, type Block } from "./gen/timecoin/v1/block_pb.js";
import { TransactionKind, TransactionSchema, type ChainParams, type Transaction } from "./gen/timecoin/v1/transaction_pb.js";
import { decodeAddress } from "./address.js";
import { compareBytes, fromHex, NIL_HASH } from "./bytes.js";
import { blockHash, txid, validatorSetHash, wtxid } from "./canonical.js";
import { merkleRoot } from "./merkle.js";

const UNITS_PER_TIME = 100_000_000n;

/** What a genesis file makes: block 0 (and so the genesis hash), the chain id and its parameters. */
export interface Genesis {
  chainId: string;
  block: Block;
  hash: Uint8Array;
  params: ChainParams;
}

type Json = Record<string, unknown>;

/**
 * Block 0 of a genesis.json's text. This reads the file as the node writes it; it is not the node's
 * strict reader (a file the node would refuse may still give a hash here, which no node will match).
 */
export function genesisOf(text: string): Genesis {
  const g = JSON.parse(text) as Json;
  const chainId = str(g, "chain_id");
  const t = (g.timeouts ?? {}) as Json;
  const u64 = (o: Json, k: string, d?: bigint): bigint => {
    const v = o[k];
    if (v === undefined && d !== undefined) return d;
    if (typeof v !== "number" && typeof v !== "string") throw new TypeError(`genesis: ${k} is missing`);
    return BigInt(v);
  };
  const masternodes = ((g.masternodes ?? []) as Json[]).map((m) => ({
    consensusKey: fromHex(str(m, "consensus_key")),
    ownerAddress: decodeAddress(str(m, "owner"), chainId),
    rewardAddress: decodeAddress(str(m, "reward_address"), chainId),
    collateral: u64(m, "collateral"),
  }));
  const params = {
    genesisTimeMs: u64(g, "genesis_time_ms"),
    blockIntervalMs: u64(g, "block_interval_ms", 1000n),
    proposeMs: u64(t, "propose_ms", 1000n),
    proposeDeltaMs: u64(t, "propose_delta_ms", 500n),
    prepareMs: u64(t, "prepare_ms", 500n),
    prepareDeltaMs: u64(t, "prepare_delta_ms", 250n),
    precommitMs: u64(t, "precommit_ms", 500n),
    precommitDeltaMs: u64(t, "precommit_delta_ms", 250n),
    capMs: u64(t, "cap_ms", 30_000n),
    maxBlockTxs: Number(u64(g, "max_block_txs", 10_000n)),
    maxBlockBytes: Number(u64(g, "max_block_bytes", 4_194_304n)),
    maxTxBytes: Number(u64(g, "max_tx_bytes", 65_536n)),
    minTxFee: u64(g, "min_tx_fee", 1000n),
    maxValidators: Number(u64(g, "max_validators", 100n)),
    minFeePerByte: u64(g, "min_fee_per_byte", 10n),
    minOutput: u64(g, "min_output", 10_000n),
    registrationFee: u64(g, "registration_fee", 100_000_000n),
    masternodes,
  };
  // Outputs: the allocations in file order, then each masternode's collateral (owner, amount).
  const outputs = [
    ...((g.allocations ?? []) as Json[]).map((a) => ({ address: decodeAddress(str(a, "address"), chainId), amount: u64(a, "amount") })),
    ...masternodes.map((m) => ({ address: m.ownerAddress, amount: m.collateral })),
  ];
  const tx: Transaction = create(TransactionSchema, {
    version: 2, kind: TransactionKind.GENESIS, outputs, payload: { case: "genesis", value: { chainId, params } },
  });
  // set(1) (docs/protocol.md 4.1): weight = whole TIME of collateral; the heaviest first, ties by
  // key; the first max_validators of them; listed by key.
  const validators = masternodes
    .map((m) => ({ key: m.consensusKey, weight: m.collateral / UNITS_PER_TIME }))
    .sort((a, b) => (a.weight !== b.weight ? (a.weight > b.weight ? -1 : 1) : compareBytes(a.key, b.key)))
    .slice(0, params.maxValidators)
    .sort((a, b) => compareBytes(a.key, b.key))
    .map((v) => ({ $typeName: "timecoin.v1.Validator" as const, ...v }));
  const setHash = validatorSetHash({ validators });
  const block = create(BlockSchema, {
    header: {
      version: 2, chainId, height: 0n, timestampMs: params.genesisTimeMs, prevHash: NIL_HASH,
      txRoot: merkleRoot([txid(tx)]), witnessRoot: merkleRoot([wtxid(tx)]), lastCertificateHash: NIL_HASH,
      validatorSetHash: setHash, nextValidatorSetHash: setHash, proposer: new Uint8Array(32),
    },
    body: { transactions: [tx] },
  });
  const genesis = tx.payload.case === "genesis" ? tx.payload.value.params! : undefined;
  return { chainId, block, hash: blockHash(block.header!), params: genesis! };
}

function str(o: Json, k: string): string {
  const v = o[k];
  if (typeof v !== "string") throw new TypeError(`genesis: ${k} is not a string`);
  return v;
}
