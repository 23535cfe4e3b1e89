// The certificate checks a page shows, each signature on its own (docs/protocol.md 5.7): the SDK's
// checkCertificate gives the verdict, this gives the line per signer the block page marks.
import {
  blockHash,
  checkCertificate,
  equalBytes,
  ErrorReason,
  hex,
  validatorSetHash,
  verify,
  voteBytes,
  VoteType,
  type BlockHeader,
  type FinalityCertificate,
  type Validator,
} from "@timecoin/sdk";

export interface SignerCheck {
  key: Uint8Array;
  /** Undefined when the key is not in the set. */
  weight?: bigint;
  verified: boolean;
}

export interface CertificateCheck {
  signers: SignerCheck[];
  /** Undefined when valid; otherwise the ErrorReason name of the first rule that fails. */
  failure?: string;
  signedWeight: bigint;
  totalWeight: bigint;
  /** SHA-256(HEADER) is the certificate's block hash, at the header's height. */
  matchesHeader: boolean;
  /** header.validator_set_hash is VALSET of the set the signatures were checked with. */
  matchesSet: boolean;
}

export function checkSigners(chainId: string, cert: FinalityCertificate, validators: readonly Validator[]): SignerCheck[] {
  const weights = new Map(validators.map((v) => [hex(v.key), v.weight]));
  const message = voteBytes({ chainId, type: VoteType.PRECOMMIT, height: cert.height, round: cert.round, blockHash: cert.blockHash });
  return cert.signatures.map((s) => ({
    key: s.validator,
    weight: weights.get(hex(s.validator)),
    verified: verify(s.validator, message, s.signature),
  }));
}

export function checkBlockCertificate(
  header: BlockHeader,
  cert: FinalityCertificate,
  validators: readonly Validator[],
): CertificateCheck {
  const verdict = checkCertificate(header.chainId, cert, validators);
  return {
    signers: checkSigners(header.chainId, cert, validators),
    failure: verdict.reason === undefined ? undefined : ErrorReason[verdict.reason],
    signedWeight: verdict.signedWeight,
    totalWeight: verdict.totalWeight,
    matchesHeader: cert.height === header.height && equalBytes(blockHash(header), cert.blockHash),
    matchesSet: setMatches(header, validators),
  };
}

function setMatches(header: BlockHeader, validators: readonly Validator[]): boolean {
  try {
    return equalBytes(validatorSetHash({ validators: [...validators] }), header.validatorSetHash);
  } catch {
    return false; // not in strict key order: no VALSET hash at all
  }
}
