// The checks before a block is delivered (docs/sdk.md 4.2, docs/protocol.md 8), in the Java order,
// so the first failing check names the reason. Every failure is DATA_LOSS.
import type { FinalizedBlock } from "./gen/timecoin/v1/node_pb.js";
import type { BlockHeader } from "./gen/timecoin/v1/block_pb.js";
import { ErrorReason } from "./gen/timecoin/v1/errors_pb.js";
import { equalBytes, NIL_HASH } from "./bytes.js";
import { certificateHash, txid, wtxid } from "./canonical.js";
import { verifyCertificate } from "./consensus.js";
import { refused } from "./errors.js";
import { merkleRoot } from "./merkle.js";
import { certified, hashOf, type DerivedSet, type TrustedChain } from "./trust.js";

/** A finalized block the SDK has verified from its trust root. */
export interface VerifiedBlock {
  readonly block: FinalizedBlock;
  readonly height: bigint;
  readonly hash: Uint8Array;
  /** The ids of its transactions, in block order (the REWARD first). */
  readonly txids: readonly Uint8Array[];
  /** set(h), derived from the trust root: the set its certificate was checked against. */
  readonly set: DerivedSet;
}

/** The last block delivered: what the next one must extend. */
export interface Previous {
  readonly hash: Uint8Array;
  readonly header: BlockHeader;
  readonly set: DerivedSet;
}

/**
 * Verifies `finalized` as block `expected`. With `previous` (the block delivered before it), the
 * hash chain and set(h) follow from it; without, prev_hash is checked only against the root (at
 * root + 1), and set(h) is walked from the root.
 */
export async function verifyBlock(
  chain: TrustedChain,
  finalized: FinalizedBlock,
  expected: bigint,
  previous?: Previous,
): Promise<{ verified: VerifiedBlock; set: DerivedSet }> {
  const block = finalized.block;
  const header = block?.header;
  const certificate = finalized.certificate;
  if (block === undefined || header === undefined || certificate === undefined) {
    throw refused(ErrorReason.MALFORMED, `block ${expected}: a finalized block without a header or a certificate`); // 1
  }
  const h = header.height;
  if (h !== expected) throw refused(ErrorReason.INVALID_BLOCK, `expected block ${expected}, got block ${h}`); // 2
  const txs = block.body?.transactions ?? [];
  const last = block.body?.lastCertificate;
  let ids: Uint8Array[] = [];
  let wids: Uint8Array[] = [];
  let lastCertificateHash: Uint8Array = NIL_HASH;
  const hash = hashOf(header); // 3: canonical header, transactions, last certificate
  certified(() => {
    ids = txs.map(txid);
    wids = txs.map(wtxid);
    if (last !== undefined) lastCertificateHash = certificateHash(last);
  }, `block ${h}`);
  const root = await chain.anchor();
  if (header.chainId !== root.chainId) {
    throw refused(ErrorReason.WRONG_CHAIN, `block ${h} is of chain '${header.chainId}', the trusted one is '${root.chainId}'`); // 4
  }
  if (!equalBytes(merkleRoot(ids), header.txRoot)) {
    throw refused(ErrorReason.INVALID_BLOCK, `block ${h}: its transactions do not match tx_root`); // 5
  }
  if (!equalBytes(merkleRoot(wids), header.witnessRoot)) {
    throw refused(ErrorReason.INVALID_BLOCK, `block ${h}: its witnesses do not match witness_root`); // 6
  }
  if (!equalBytes(lastCertificateHash, header.lastCertificateHash)) {
    throw refused(ErrorReason.INVALID_BLOCK, `block ${h}: its last certificate does not match last_certificate_hash`); // 7
  }
  const prev = previous?.hash ?? (h === root.height + 1n ? root.hash : undefined);
  if (prev !== undefined && !equalBytes(prev, header.prevHash)) {
    throw refused(ErrorReason.INVALID_BLOCK, `block ${h} does not extend block ${h - 1n}`); // 8
  }
  if (certificate.height !== h || !equalBytes(certificate.blockHash, hash)) {
    throw refused(ErrorReason.INVALID_BLOCK, `block ${h}: its certificate is for another block (height ${certificate.height})`); // 9
  }
  const set = previous !== undefined ? await chain.nextSet(previous.header, previous.set) : await chain.setAt(h); // 10
  if (!equalBytes(set.hash, header.validatorSetHash)) {
    throw refused(ErrorReason.INVALID_BLOCK, `block ${h}: its validator_set_hash is not that of the set derived from the trust root`); // 11
  }
  certified(() => verifyCertificate(root.chainId, certificate, set.validators), `block ${h}`); // 12
  return { verified: { block: finalized, height: h, hash, txids: ids, set }, set };
}
