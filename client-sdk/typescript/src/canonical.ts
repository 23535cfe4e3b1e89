// The canonical bytes and hashes of docs/protocol.md 2: nothing is hashed or signed as protobuf.
import type { BlockHeader } from "./gen/timecoin/v1/block_pb.js";
import type { FinalityCertificate, ValidatorSet } from "./gen/timecoin/v1/certificate_pb.js";
import type { Proposal, Vote } from "./gen/timecoin/v1/consensus_pb.js";
import type { Hello } from "./gen/timecoin/v1/peer_pb.js";
import type { GenesisPayload, OutPoint, Transaction, Witness } from "./gen/timecoin/v1/transaction_pb.js";
import { TransactionKind } from "./gen/timecoin/v1/transaction_pb.js";
import { CanonicalWriter, compareBytes, malformed } from "./bytes.js";
import { sha256 } from "./crypto.js";

/** A vote's fields; `validator` and `signature` are not signed. */
export type VoteFields = Pick<Vote, "chainId" | "type" | "height" | "round" | "blockHash">;

export const voteBytes = (v: VoteFields): Uint8Array =>
  CanonicalWriter.tagged("VOTE")
    .string(v.chainId)
    .u8(v.type)
    .u64(v.height)
    .u32(v.round)
    .hash(v.blockHash, "block_hash")
    .finish();

export const headerBytes = (h: BlockHeader): Uint8Array =>
  CanonicalWriter.tagged("HEADER")
    .u32(h.version)
    .string(h.chainId)
    .u64(h.height)
    .u64(h.timestampMs)
    .hash(h.prevHash, "prev_hash")
    .hash(h.txRoot, "tx_root")
    .hash(h.witnessRoot, "witness_root")
    .hash(h.lastCertificateHash, "last_certificate_hash")
    .hash(h.validatorSetHash, "validator_set_hash")
    .hash(h.nextValidatorSetHash, "next_validator_set_hash")
    .key(h.proposer, "proposer")
    .finish();

/** The block hash: SHA-256 of the HEADER bytes. */
export const blockHash = (h: BlockHeader): Uint8Array => sha256(headerBytes(h));

/** PROPOSAL signs the header (through the block hash), never the body. */
export function proposalBytes(p: Proposal): Uint8Array {
  const header = p.block?.header;
  if (header === undefined) throw malformed("a proposal carries its block's header");
  return CanonicalWriter.tagged("PROPOSAL")
    .string(p.chainId)
    .u64(p.height)
    .u32(p.round)
    .i32(p.validRound)
    .hash(blockHash(header))
    .finish();
}

const outpoint = (w: CanonicalWriter, o: OutPoint | undefined) => {
  if (o === undefined) throw malformed("an input names an outpoint");
  w.hash(o.txid, "txid").u32(o.index);
};

const witness = (w: CanonicalWriter, x: Witness | undefined) => {
  if (x === undefined) throw malformed("a witness is missing");
  w.key(x.publicKey, "witness key").sig(x.signature);
};

/** TX: the transaction without its witnesses, so the txid is known before signing. */
export function txBytes(tx: Transaction): Uint8Array {
  const w = CanonicalWriter.tagged("TX")
    .u32(tx.version)
    .u8(tx.kind)
    .list(tx.inputs, (w, i) => outpoint(w, i.outpoint))
    .list(tx.outputs, (w, o) => w.u64(o.amount).addr(o.address));
  const p = tx.payload;
  switch (tx.kind) {
    case TransactionKind.GENESIS:
      if (p.case !== "genesis") break;
      return w.string(p.value.chainId).bytes(paramsBytes(p.value)).finish();
    case TransactionKind.TRANSFER:
      if (p.case !== undefined) break;
      return w.finish();
    case TransactionKind.REGISTER_MASTERNODE:
      if (p.case !== "registerMasternode") break;
      outpoint(w, p.value.collateral);
      return w.key(p.value.consensusKey, "consensus_key").addr(p.value.rewardAddress, "reward_address").finish();
    case TransactionKind.DEREGISTER_MASTERNODE:
      if (p.case !== "deregisterMasternode") break;
      return w.key(p.value.consensusKey, "consensus_key").finish();
    case TransactionKind.REWARD:
      if (p.case !== "reward") break;
      return w.u64(p.value.height).finish();
    default:
      throw malformed(`unknown transaction kind ${tx.kind}`);
  }
  throw malformed(`payload ${p.case ?? "none"} does not match kind ${TransactionKind[tx.kind]}`);
}

export const txid = (tx: Transaction): Uint8Array => sha256(txBytes(tx));

/** TXW: the txid, then every witness (inputs' in input order, then the kind witnesses). */
export const txwBytes = (tx: Transaction): Uint8Array =>
  CanonicalWriter.tagged("TXW")
    .hash(txid(tx))
    .list(tx.inputs, (w, i) => witness(w, i.witness))
    .list(tx.kindWitnesses, witness)
    .finish();

export const wtxid = (tx: Transaction): Uint8Array => sha256(txwBytes(tx));

/** What every witness key of a transaction signs. */
export const txSigBytes = (chainId: string, id: Uint8Array): Uint8Array =>
  CanonicalWriter.tagged("TXSIG").string(chainId).hash(id, "txid").finish();

/** PARAMS: a GenesisPayload's chain id, then its ChainParams in field-number order. */
export function paramsBytes(g: GenesisPayload): Uint8Array {
  const p = g.params;
  if (p === undefined) throw malformed("a GENESIS payload carries its chain parameters");
  return CanonicalWriter.tagged("PARAMS")
    .string(g.chainId)
    .u64(p.genesisTimeMs)
    .u64(p.blockIntervalMs)
    .u64(p.proposeMs)
    .u64(p.proposeDeltaMs)
    .u64(p.prepareMs)
    .u64(p.prepareDeltaMs)
    .u64(p.precommitMs)
    .u64(p.precommitDeltaMs)
    .u64(p.capMs)
    .u32(p.maxBlockTxs)
    .u32(p.maxBlockBytes)
    .u32(p.maxTxBytes)
    .u64(p.minTxFee)
    .u32(p.maxValidators)
    .u64(p.minFeePerByte)
    .u64(p.minOutput)
    .u64(p.registrationFee)
    .list(p.masternodes, (w, m) =>
      w.key(m.consensusKey, "consensus_key").addr(m.ownerAddress, "owner_address").addr(m.rewardAddress, "reward_address").u64(m.collateral),
    )
    .finish();
}

function requireAscending(keys: Uint8Array[], what: string): void {
  for (let i = 1; i < keys.length; i++) {
    if (compareBytes(keys[i - 1]!, keys[i]!) >= 0) throw malformed(`${what} not strictly ascending by key`);
  }
}

/** VALSET: (key, weight) strictly ascending by key; the set's height is not encoded. */
export function validatorSetBytes(set: Pick<ValidatorSet, "validators">): Uint8Array {
  requireAscending(set.validators.map((v) => v.key), "validators");
  return CanonicalWriter.tagged("VALSET")
    .list(set.validators, (w, v) => w.key(v.key).u64(v.weight))
    .finish();
}

export const validatorSetHash = (set: Pick<ValidatorSet, "validators">): Uint8Array => sha256(validatorSetBytes(set));

export function certificateBytes(c: FinalityCertificate): Uint8Array {
  requireAscending(c.signatures.map((s) => s.validator), "certificate signatures");
  return CanonicalWriter.tagged("CERT")
    .u64(c.height)
    .u32(c.round)
    .hash(c.blockHash, "block_hash")
    .list(c.signatures, (w, s) => w.key(s.validator, "validator").sig(s.signature))
    .finish();
}

export const certificateHash = (c: FinalityCertificate): Uint8Array => sha256(certificateBytes(c));

/** HELLO, signed by the node key in the peer handshake (docs/protocol.md 6). */
export const helloBytes = (h: Hello): Uint8Array =>
  CanonicalWriter.tagged("HELLO")
    .string(h.chainId)
    .hash(h.genesisHash, "genesis_hash")
    .u32(h.protocolVersion)
    .key(h.nodeKey, "node_key")
    .u64(h.height)
    .bytes(h.nonce)
    .bytes(h.peerNonce)
    .finish();

/** PROPOSER: the seed of proposer(h, r) (docs/protocol.md 5.1). */
export const proposerSeedBytes = (chainId: string, height: bigint, round: number): Uint8Array =>
  CanonicalWriter.tagged("PROPOSER").string(chainId).u64(height).u32(round).finish();
