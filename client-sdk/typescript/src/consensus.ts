// What a client checks for itself: quorum and certificates (4.2, 5.7), proposer(h, r) (5.1),
// subsidy (4.4) and the required fee (4.3) of docs/protocol.md.
import type { FinalityCertificate, Validator } from "./gen/timecoin/v1/certificate_pb.js";
import { VoteType } from "./gen/timecoin/v1/consensus_pb.js";
import { ErrorReason } from "./gen/timecoin/v1/errors_pb.js";
import type { Transaction } from "./gen/timecoin/v1/transaction_pb.js";
import { TransactionKind } from "./gen/timecoin/v1/transaction_pb.js";
import { compareBytes, equalBytes, hex, NIL_HASH, ProtocolError } from "./bytes.js";
import { certificateBytes, proposerSeedBytes, txBytes, txwBytes, voteBytes } from "./canonical.js";
import { sha256, verify } from "./crypto.js";

/** Strictly more than two thirds of the weight: 3S > 2W. */
export const isQuorum = (signed: bigint, total: bigint): boolean => 3n * signed > 2n * total;

export const totalWeight = (validators: readonly Validator[]): bigint =>
  validators.reduce((w, v) => w + v.weight, 0n);

export interface CertificateVerdict {
  /** Undefined when the certificate is valid for the set. */
  reason?: ErrorReason;
  /** The weight of the distinct members whose signature verifies. */
  signedWeight: bigint;
  totalWeight: bigint;
}

/**
 * Checks a certificate against set(h) in the order of docs/protocol.md 5.7, so the first failing
 * rule names the reason: MALFORMED, UNKNOWN_VALIDATOR, BAD_SIGNATURE, NO_QUORUM.
 */
export function checkCertificate(
  chainId: string,
  cert: FinalityCertificate,
  validators: readonly Validator[],
): CertificateVerdict {
  const weights = new Map(validators.map((v) => [hex(v.key), v.weight]));
  const total = totalWeight(validators);
  try {
    certificateBytes(cert); // sizes and strict key order
  } catch (e) {
    if (e instanceof ProtocolError) return { reason: e.reason, signedWeight: 0n, totalWeight: total };
    throw e;
  }
  const precommit = voteBytes({
    chainId,
    type: VoteType.PRECOMMIT,
    height: cert.height,
    round: cert.round,
    blockHash: cert.blockHash,
  });
  let signed = 0n;
  let first: ErrorReason | undefined; // the first failing signature in key order names the reason
  for (const s of cert.signatures) {
    const weight = weights.get(hex(s.validator));
    if (weight === undefined) first ??= ErrorReason.UNKNOWN_VALIDATOR;
    else if (verify(s.validator, precommit, s.signature)) signed += weight;
    else first ??= ErrorReason.BAD_SIGNATURE;
  }
  const reason = equalBytes(cert.blockHash, NIL_HASH)
    ? ErrorReason.MALFORMED
    : first ?? (isQuorum(signed, total) ? undefined : ErrorReason.NO_QUORUM);
  return { reason, signedWeight: signed, totalWeight: total };
}

/** Throws a ProtocolError naming the reason unless the certificate is valid for the set. */
export function verifyCertificate(chainId: string, cert: FinalityCertificate, validators: readonly Validator[]): void {
  const verdict = checkCertificate(chainId, cert, validators);
  if (verdict.reason !== undefined) {
    throw new ProtocolError(verdict.reason, `certificate of height ${cert.height}: ${ErrorReason[verdict.reason]}`);
  }
}

/** proposer(h, r): the first 8 bytes of SHA-256(PROPOSER) mod W, walked through the set in key order. */
export function proposer(chainId: string, validators: readonly Validator[], height: bigint, round: number): Uint8Array {
  const sorted = [...validators].sort((a, b) => compareBytes(a.key, b.key));
  const total = totalWeight(sorted);
  if (total === 0n) throw new RangeError("an empty validator set has no proposer");
  const x = new DataView(sha256(proposerSeedBytes(chainId, height, round)).buffer).getBigUint64(0) % total;
  let running = 0n;
  for (const v of sorted) {
    running += v.weight;
    if (running > x) return v.key;
  }
  throw new Error("unreachable: x < total weight");
}

/**
 * subsidy(h) = floor(1e10 x (1 + ln h)) in IEEE doubles. V8's Math.log is a port of fdlibm's,
 * the log of the node's StrictMath.
 */
export function subsidy(height: bigint): bigint {
  if (height < 1n) throw new RangeError("the subsidy starts at height 1");
  return BigInt(Math.floor(1e10 * (1 + Math.log(Number(height)))));
}

/** The fee parameters of ChainParams. */
export interface FeeParams {
  minTxFee: bigint;
  minFeePerByte: bigint;
  registrationFee: bigint;
}

/** size(tx) = the TX and TXW bytes together: what the per-byte fee prices. */
export const txSize = (tx: Transaction): number => txBytes(tx).length + txwBytes(tx).length;

/**
 * required(tx) = max(min_tx_fee, min_fee_per_byte x size), at least registration_fee for a
 * registration; undefined when the product passes 2^64 (such a transaction is FEE_TOO_LOW).
 */
export function requiredFee(tx: Transaction, params: FeeParams): bigint | undefined {
  const perByte = params.minFeePerByte * BigInt(txSize(tx));
  if (perByte >= 1n << 64n) return undefined;
  let required = perByte > params.minTxFee ? perByte : params.minTxFee;
  if (tx.kind === TransactionKind.REGISTER_MASTERNODE && params.registrationFee > required) {
    required = params.registrationFee;
  }
  return required;
}
