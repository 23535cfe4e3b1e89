// What a client knows of its chain without trusting the node it talks to (docs/protocol.md 8,
// docs/sdk.md 4.1): the trust root's header, and the validator set of every height from the root on,
// each derived from a certified value. Port of the Java SDK's TrustedChain.
import type { BlockHeader } from "./gen/timecoin/v1/block_pb.js";
import type { Validator } from "./gen/timecoin/v1/certificate_pb.js";
import { ErrorReason } from "./gen/timecoin/v1/errors_pb.js";
import type { GetBlockResponse, GetValidatorSetChangesResponse, ValidatorSetChange } from "./gen/timecoin/v1/node_pb.js";
import type { ValidatorSet } from "./gen/timecoin/v1/certificate_pb.js";
import { equalBytes, fromHex, hex, ProtocolError } from "./bytes.js";
import { blockHash, validatorSetHash } from "./canonical.js";
import { verifyCertificate } from "./consensus.js";
import { Code, NodeError, refused } from "./errors.js";

/**
 * What a client trusts without asking any node: the genesis hash of its chain, or a checkpoint
 * (height, block hash) its user pinned. Without one (`TrustRoot.firstSeen()`), the client trusts the
 * first genesis a node shows it and warns: fine against your own node, not against a stranger's.
 */
export interface TrustRoot {
  /** 0 for a genesis root. */
  readonly height: bigint;
  /** The trusted block hash; undefined: the first genesis seen. */
  readonly hash?: Uint8Array;
}

const hash32 = (h: Uint8Array | string): Uint8Array => {
  const bytes = typeof h === "string" ? fromHex(h.toLowerCase()) : h;
  if (bytes.length !== 32) throw new TypeError(`a block hash is 32 bytes, not ${bytes.length}`);
  return bytes;
};

export const TrustRoot = {
  /** The chain whose block 0 has this hash (bytes or 64 hex digits): genesis.json's genesis hash. */
  genesis: (hash: Uint8Array | string): TrustRoot => ({ height: 0n, hash: hash32(hash) }),
  /** The chain whose block `height` has this hash; blocks at or below it cannot be checked from it. */
  checkpoint: (height: bigint, hash: Uint8Array | string): TrustRoot => {
    if (height < 0n) throw new RangeError(`a checkpoint height is >= 0, got ${height}`);
    return { height, hash: hash32(hash) };
  },
  /** Trust the first genesis a node shows (the default; logged at WARN). */
  firstSeen: (): TrustRoot => ({ height: 0n }),
};

/** A validator set derived from the root, with its VALSET hash. */
export interface DerivedSet {
  readonly validators: readonly Validator[];
  readonly hash: Uint8Array;
}

/** The trust root's verified header. */
export interface Anchor {
  readonly height: bigint;
  readonly hash: Uint8Array;
  readonly header: BlockHeader;
  readonly chainId: string;
}

/** The calls the derivation needs (a TimeClient). */
export interface ChainSource {
  validatorSetChanges(fromHeight: bigint, limit: number): Promise<GetValidatorSetChangesResponse>;
  block(height: bigint): Promise<GetBlockResponse>;
  validatorSet(height: bigint): Promise<ValidatorSet>;
}

/** Changes asked for per call. */
const PAGE = 1000;

export class TrustedChain {
  private anchorValue?: Anchor;
  /** Verified set(c), by the heights c from which each votes, ascending. */
  private readonly sets: [bigint, DerivedSet][] = [];
  /** Every change up to this height is in `sets`. */
  private complete = 0n;
  /** One lookup at a time: each runs after the one before it. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly source: ChainSource,
    readonly root: TrustRoot,
    private readonly warn: (message: string) => void = console.warn,
  ) {}

  private exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** The root's header, fetched and checked once (a failed attempt is tried again next time). */
  anchor(): Promise<Anchor> {
    return this.anchorValue !== undefined ? Promise.resolve(this.anchorValue) : this.exclusive(() => this.ensureAnchor());
  }

  private async ensureAnchor(): Promise<Anchor> {
    this.anchorValue ??= this.root.height === 0n ? await this.genesis() : await this.checkpoint();
    return this.anchorValue;
  }

  /** set(height), walked from the root through every change up to it. */
  setAt(height: bigint): Promise<DerivedSet> {
    return this.exclusive(async () => {
      const a = await this.ensureAnchor();
      if (height <= a.height) {
        throw new NodeError(Code.FailedPrecondition, ErrorReason.INVALID_ARGUMENT,
          `block ${height} is at or below the trust root (block ${a.height}): it cannot be checked from it`);
      }
      while (height > this.complete) {
        const before = this.complete;
        await this.walk(a, before);
        if (this.complete === before) {
          throw new NodeError(Code.Unavailable, ErrorReason.NOT_SYNCED,
            `the node's validator set changes reach only height ${this.complete}, not ${height}`);
        }
      }
      return this.floor(height)!;
    });
  }

  /** set(h + 1) from the certified header of h and set(h) (docs/sdk.md 4.1 step 5). */
  nextSet(certified: BlockHeader, current: DerivedSet): Promise<DerivedSet> {
    return this.exclusive(async () => {
      const next = certified.height + 1n;
      const expected = certified.nextValidatorSetHash;
      let known = this.sets.find(([c]) => c === next)?.[1];
      if (known === undefined && next <= this.complete) known = this.floor(next);
      if (known === undefined && equalBytes(expected, current.hash)) return current;
      if (known !== undefined) {
        if (!equalBytes(known.hash, expected)) {
          throw refused(ErrorReason.INVALID_BLOCK,
            `block ${certified.height} names a next validator set other than the one derived for height ${next}`);
        }
        return known;
      }
      const r = await this.source.validatorSetChanges(certified.height, 1);
      const change = r.changes[0];
      if (change === undefined || change.height !== next) {
        throw refused(ErrorReason.INVALID_BLOCK,
          `block ${certified.height} changes the validator set, but the node names no change at height ${next}`);
      }
      const set = decode(change);
      if (!equalBytes(set.hash, expected)) {
        throw refused(ErrorReason.INVALID_BLOCK,
          `the node's validator set of height ${next} does not match the next_validator_set_hash of block ${certified.height}`);
      }
      this.put(next, set);
      return set;
    });
  }

  // ---- the root ----

  private async genesis(): Promise<Anchor> {
    const r = await this.source.validatorSetChanges(0n, PAGE);
    const first = r.changes[0];
    if (first === undefined || first.height !== 1n || first.header === undefined || first.header.height !== 0n) {
      throw refused(ErrorReason.MALFORMED, "the node's first validator set change is not that of height 1");
    }
    const header = first.header;
    const hash = hashOf(header);
    if (this.root.hash === undefined) {
      this.warn(`no trust root given: trusting the genesis ${hex(hash)} of chain '${header.chainId}' that the node showed; ` +
        `pin it with TrustRoot.genesis("${hex(hash)}")`);
    } else if (!equalBytes(hash, this.root.hash)) {
      throw refused(ErrorReason.GENESIS_MISMATCH,
        `the node's genesis is ${hex(hash)} (chain '${header.chainId}'), not the trusted ${hex(this.root.hash)}`);
    }
    const set1 = decode(first);
    if (!equalBytes(set1.hash, header.nextValidatorSetHash)) {
      throw refused(ErrorReason.INVALID_BLOCK, "the node's validator set of height 1 does not match block 0's next_validator_set_hash");
    }
    const a: Anchor = { height: 0n, hash, header, chainId: header.chainId };
    this.put(1n, set1);
    this.complete = 1n;
    this.ingest(a, 1n, r.changes.slice(1), r);
    return a;
  }

  private async checkpoint(): Promise<Anchor> {
    const h = this.root.height;
    const header = (await this.source.block(h)).block?.header;
    const hash = header === undefined ? undefined : hashOf(header);
    if (header === undefined || hash === undefined || header.height !== h || !equalBytes(hash, this.root.hash!)) {
      throw refused(ErrorReason.WRONG_CHAIN,
        `the node's block ${h} is ${hash === undefined ? "absent" : hex(hash)}, not the pinned checkpoint ${hex(this.root.hash!)}`);
    }
    // GetValidatorSet is used only because the pinned header certifies its hash.
    const next = toSet((await this.source.validatorSet(h + 1n)).validators, h + 1n);
    if (!equalBytes(next.hash, header.nextValidatorSetHash)) {
      throw refused(ErrorReason.INVALID_BLOCK,
        `the node's validator set of height ${h + 1n} does not match the checkpoint's next_validator_set_hash`);
    }
    this.put(h + 1n, next);
    this.complete = h + 1n;
    return { height: h, hash, header, chainId: header.chainId };
  }

  // ---- the changes after it ----

  /** Fetches the changes after `from`, answer after answer until an empty one. */
  private async walk(a: Anchor, from: bigint): Promise<void> {
    let r: GetValidatorSetChangesResponse;
    do {
      r = await this.source.validatorSetChanges(from, PAGE);
      this.ingest(a, from, r.changes, r);
      from = this.complete;
    } while (r.changes.length > 0);
  }

  private ingest(a: Anchor, from: bigint, changes: readonly ValidatorSetChange[], r: GetValidatorSetChangesResponse): void {
    let last = from;
    for (const change of changes) {
      const c = change.height;
      if (c <= last) {
        throw refused(ErrorReason.MALFORMED, `the node's validator set changes are not in ascending order after ${from} (${c} after ${last})`);
      }
      const set = this.checkChange(a, change);
      const held = this.sets.find(([h]) => h === c)?.[1];
      if (held !== undefined && !equalBytes(held.hash, set.hash)) {
        throw refused(ErrorReason.INVALID_BLOCK, `the node's validator set change at height ${c} contradicts the certified one`);
      }
      this.put(c, set);
      last = c;
    }
    // An answer says nothing of what follows its last change (the node stops one at a byte bound as
    // well as at the limit); only an empty one covers the node's tip + 1.
    const covered = changes.length === 0 ? (last > r.finalizedHeight + 1n ? last : r.finalizedHeight + 1n) : last;
    if (covered > this.complete) this.complete = covered;
  }

  private checkChange(a: Anchor, change: ValidatorSetChange): DerivedSet {
    const c = change.height;
    const what = `the validator set change at height ${c}: `;
    const previous = c - 1n > a.height ? this.floor(c - 1n) : undefined;
    if (previous === undefined) throw refused(ErrorReason.INVALID_BLOCK, `${what}it is not above the trust root + 1`);
    const { header, certificate } = change;
    if (header === undefined || certificate === undefined || header.height !== c - 1n) {
      throw refused(ErrorReason.MALFORMED, `${what}it needs the header and certificate of block ${c - 1n}`);
    }
    if (header.chainId !== a.chainId) throw refused(ErrorReason.WRONG_CHAIN, `${what}its header is of chain '${header.chainId}'`);
    if (certificate.height !== c - 1n || !equalBytes(certificate.blockHash, hashOf(header))) {
      throw refused(ErrorReason.INVALID_BLOCK, `${what}its certificate is not of its header`);
    }
    if (!equalBytes(header.validatorSetHash, previous.hash)) {
      throw refused(ErrorReason.INVALID_BLOCK,
        `${what}block ${c - 1n} is not of the set derived for its height (a change before it is missing or false)`);
    }
    certified(() => verifyCertificate(a.chainId, certificate, previous.validators), `${what}the certificate of block ${c - 1n}`);
    const set = decode(change);
    if (!equalBytes(set.hash, header.nextValidatorSetHash)) {
      throw refused(ErrorReason.INVALID_BLOCK, `${what}the set does not match block ${c - 1n}'s next_validator_set_hash`);
    }
    return set;
  }

  private floor(height: bigint): DerivedSet | undefined {
    for (let i = this.sets.length - 1; i >= 0; i--) if (this.sets[i]![0] <= height) return this.sets[i]![1];
    return undefined;
  }

  private put(height: bigint, set: DerivedSet): void {
    const i = this.sets.findIndex(([h]) => h >= height);
    if (i < 0) this.sets.push([height, set]);
    else if (this.sets[i]![0] === height) this.sets[i] = [height, set];
    else this.sets.splice(i, 0, [height, set]);
  }
}

/** Runs a check that throws ProtocolError; its reason becomes a DATA_LOSS refusal. */
export function certified(check: () => void, what: string): void {
  try {
    check();
  } catch (e) {
    if (e instanceof ProtocolError) throw refused(e.reason, `${what}: ${e.message}`);
    throw e;
  }
}

/** The block hash, or a MALFORMED refusal for a header without canonical bytes. */
export function hashOf(header: BlockHeader): Uint8Array {
  let hash: Uint8Array | undefined;
  certified(() => void (hash = blockHash(header)), `block ${header.height}`);
  return hash!;
}

const decode = (change: ValidatorSetChange): DerivedSet => toSet(change.validatorSet?.validators ?? [], change.height);

/** A set the SDK can check with: not empty, keys of 32 bytes strictly ascending, no zero weight. */
function toSet(validators: readonly Validator[], height: bigint): DerivedSet {
  const unusable = (why: string) => refused(ErrorReason.MALFORMED, `the validator set of height ${height} is unusable: ${why}`);
  if (validators.length === 0) throw unusable("empty");
  if (validators.some((v) => v.weight === 0n)) throw unusable("a zero weight");
  let hash: Uint8Array | undefined;
  try {
    hash = validatorSetHash({ validators: [...validators] });
  } catch (e) {
    if (e instanceof ProtocolError) throw unusable(e.message); // a bad or repeated key
    throw e;
  }
  return { validators, hash };
}
