// TimeClient: every NodeService call over any Connect Transport (docs/sdk.md 2), paginated lists as
// async iterables (3), the verified finalized-block subscription (4). The transports are in
// ./node.ts (gRPC over HTTP/2) and ./web.ts (gRPC-Web, for browsers).
import { create } from "@bufbuild/protobuf";
import { anyUnpack } from "@bufbuild/protobuf/wkt";
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { ErrorInfoSchema } from "./gen/google/rpc/error_details_pb.js";
import type { Status } from "./gen/google/rpc/status_pb.js";
import type { FinalityCertificate, ValidatorSet } from "./gen/timecoin/v1/certificate_pb.js";
import { ErrorReason } from "./gen/timecoin/v1/errors_pb.js";
import {
  FinalizedBlockSchema,
  NodeService,
  type GetBalanceResponse,
  type GetBlockResponse,
  type GetStatusResponse,
  type GetTransactionResponse,
  type GetValidatorSetChangesResponse,
} from "./gen/timecoin/v1/node_pb.js";
import type { EquivocationEvidence } from "./gen/timecoin/v1/consensus_pb.js";
import type { Masternode } from "./gen/timecoin/v1/registry_pb.js";
import { TransactionKind, type ChainParams, type Transaction } from "./gen/timecoin/v1/transaction_pb.js";
import type { AddressTransaction, UnspentOutput } from "./gen/timecoin/v1/node_pb.js";
import { equalBytes, hex } from "./bytes.js";
import { txid as txidOf } from "./canonical.js";
import { Code, NodeError, refused } from "./errors.js";
import { merkleRoot } from "./merkle.js";
import { certified, type DerivedSet, hashOf, TrustedChain, TrustRoot } from "./trust.js";
import { verifyBlock, type Previous, type VerifiedBlock } from "./verify.js";

export interface TimeClientOptions {
  /** The deadline of each unary call, and of a whole submitAll stream; 10 s by default. */
  timeoutMs?: number;
  /** What the client trusts; by default the first genesis a node shows (with a warning). */
  trustRoot?: TrustRoot;
  /** Where the no-trust-root warning goes; console.warn by default. */
  warn?: (message: string) => void;
  /** The subscription's clocks (docs/sdk.md 4.3); tests shorten them. */
  timings?: Partial<SubscriptionTimings>;
  /** Runs on close(), after the calls in flight are cancelled (the transport's own cleanup). */
  onClose?: () => void;
}

export interface SubscriptionTimings {
  /** Drop a stream that brings nothing, not even a keep-alive, this long while a message is awaited. */
  idleMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

const DEFAULT_TIMINGS: SubscriptionTimings = { idleMs: 15_000, initialBackoffMs: 100, maxBackoffMs: 5_000 };

/** What became of one transaction of submitAll: its id, and the refusal if refused. */
export interface Submitted {
  txid: Uint8Array;
  refusal?: NodeError;
}

/** Page options: 0 means the node's 100; more than 1,000 gives 1,000. */
export interface PageOptions {
  pageSize?: number;
}

/**
 * The transport failures after which a subscription resubscribes from the next height (docs/sdk.md
 * 4.3). CANCELLED counts: the caller's own cancels never reach this test.
 */
export const retriable = (code: Code): boolean =>
  code === Code.Unavailable || code === Code.Unknown || code === Code.Canceled ||
  code === Code.DeadlineExceeded || code === Code.ResourceExhausted;

/**
 * A client of one node's NodeService that trusts no node: the trust root is all it takes on faith.
 * Every call returns a promise and fails with a NodeError; lists are async iterables.
 */
export class TimeClient {
  /** The generated Connect client, for what this class does not wrap. Unverified answers. */
  readonly raw: Client<typeof NodeService>;
  readonly trusted: TrustedChain;
  private readonly timeoutMs: number;
  private readonly timings: SubscriptionTimings;
  private readonly closing = new AbortController();
  private readonly onClose?: () => void;
  private params?: Promise<ChainParams>;

  constructor(transport: Transport, options: TimeClientOptions = {}) {
    this.raw = createClient(NodeService, transport);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    if (!(this.timeoutMs > 0)) throw new RangeError(`the deadline must be positive, got ${this.timeoutMs}`);
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.trusted = new TrustedChain(this, options.trustRoot ?? TrustRoot.firstSeen(), options.warn);
    this.onClose = options.onClose;
  }

  /** Fails the calls in flight and ends the subscriptions with CANCELLED. */
  close(): void {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    this.onClose?.();
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  private async unary<T>(run: (opts: { timeoutMs: number; signal: AbortSignal }) => Promise<T>): Promise<T> {
    if (this.closed) throw new NodeError(Code.Canceled, ErrorReason.UNSPECIFIED, "the client was closed");
    try {
      return await run({ timeoutMs: this.timeoutMs, signal: this.closing.signal });
    } catch (e) {
      throw NodeError.from(e);
    }
  }

  // ---- the root ----

  /** The chain id, from the trust root's header (checked on first use, then remembered). */
  async chainId(): Promise<string> {
    return (await this.trusted.anchor()).chainId;
  }

  /** The root this client checked the node against: pin it next time if it was the first seen. */
  async trustRoot(): Promise<TrustRoot> {
    const a = await this.trusted.anchor();
    return a.height === 0n ? TrustRoot.genesis(a.hash) : TrustRoot.checkpoint(a.height, a.hash);
  }

  /**
   * The chain's parameters, from the GENESIS transaction of block 0, checked against the genesis
   * root (block 0's hash, then its tx_root). A checkpoint root cannot check block 0: FAILED_PRECONDITION.
   */
  chainParams(): Promise<ChainParams> {
    this.params ??= this.fetchParams();
    this.params.catch(() => (this.params = undefined)); // try again next time
    return this.params;
  }

  private async fetchParams(): Promise<ChainParams> {
    const root = await this.trusted.anchor();
    if (root.height !== 0n) {
      throw new NodeError(Code.FailedPrecondition, ErrorReason.INVALID_ARGUMENT, "a checkpoint root cannot check block 0's parameters");
    }
    const block = (await this.block(0n)).block;
    const header = block?.header;
    if (header === undefined || !equalBytes(hashOf(header), root.hash)) {
      throw refused(ErrorReason.GENESIS_MISMATCH, "the node's block 0 is not the trusted genesis");
    }
    const txs = block?.body?.transactions ?? [];
    let ids: Uint8Array[] = [];
    certified(() => void (ids = txs.map(txidOf)), "block 0");
    const genesis = txs[0];
    if (!equalBytes(merkleRoot(ids), header.txRoot) || genesis?.kind !== TransactionKind.GENESIS ||
        genesis.payload.case !== "genesis" || genesis.payload.value.params === undefined) {
      throw refused(ErrorReason.INVALID_BLOCK, "block 0 does not carry the GENESIS transaction its header commits to");
    }
    return genesis.payload.value.params;
  }

  // ---- the calls (docs/sdk.md 2) ----

  status(): Promise<GetStatusResponse> {
    return this.unary((o) => this.raw.getStatus({}, o));
  }

  /** The finalized block of a height with its certificate (none for block 0). The node's word. */
  block(height: bigint): Promise<GetBlockResponse> {
    return this.unary((o) => this.raw.getBlock({ selector: { case: "height", value: height } }, o));
  }

  blockByHash(hash: Uint8Array): Promise<GetBlockResponse> {
    return this.unary((o) => this.raw.getBlock({ selector: { case: "hash", value: hash } }, o));
  }

  async certificate(height: bigint): Promise<FinalityCertificate> {
    const r = await this.unary((o) => this.raw.getCertificate({ height }, o));
    return required(r.certificate, "certificate");
  }

  transaction(txid: Uint8Array): Promise<GetTransactionResponse> {
    return this.unary((o) => this.raw.getTransaction({ txid }, o));
  }

  balance(address: string): Promise<GetBalanceResponse> {
    return this.unary((o) => this.raw.getBalance({ address }, o));
  }

  /** The finalized unspent outputs of an address, ordered by outpoint, a page fetched as needed. */
  listUnspent(address: string, options: PageOptions = {}): AsyncIterable<UnspentOutput> {
    return this.pages(async (pageToken) => {
      const r = await this.unary((o) => this.raw.listUnspent({ address, pageSize: options.pageSize ?? 0, pageToken }, o));
      return { items: r.outputs, next: r.nextPageToken };
    });
  }

  /** ListAddressTransactions: the finalized transactions that pay to or spend from an address, newest first. */
  addressTransactions(address: string, options: PageOptions = {}): AsyncIterable<AddressTransaction> {
    return this.pages(async (pageToken) => {
      const r = await this.unary((o) => this.raw.listAddressTransactions({ address, pageSize: options.pageSize ?? 0, pageToken }, o));
      return { items: r.transactions, next: r.nextPageToken };
    });
  }

  /** Offers a signed transaction; returns its txid, checked against the SDK's own. */
  async submit(transaction: Transaction): Promise<Uint8Array> {
    let own: Uint8Array;
    try {
      own = txidOf(transaction);
    } catch (e) {
      throw NodeError.from(e);
    }
    const r = await this.unary((o) => this.raw.submitTransaction({ transaction }, o));
    if (r.txid.length > 0 && !equalBytes(r.txid, own)) {
      throw new NodeError(Code.Internal, ErrorReason.UNSPECIFIED,
        `the node accepted the transaction under id ${hex(r.txid)}, not ${hex(own)}`);
    }
    return own;
  }

  /**
   * Offers many transactions over one SubmitTransactions stream (HTTP/2 only: gRPC-Web has no
   * client streams). Answers come back in the order given; the call fails only if the stream does.
   */
  async submitAll(transactions: readonly Transaction[]): Promise<Submitted[]> {
    const answers = new Map<string, Submitted>();
    await this.unary(async (o) => {
      async function* requests() {
        for (const transaction of transactions) yield { transaction };
      }
      for await (const r of this.raw.submitTransactions(requests(), o)) {
        answers.set(hex(r.txid), { txid: r.txid, refusal: r.error === undefined ? undefined : statusError(r.error) });
      }
    });
    return transactions.map((tx) => {
      const id = txidOf(tx);
      return answers.get(hex(id)) ?? {
        txid: id,
        refusal: new NodeError(Code.Internal, ErrorReason.UNSPECIFIED, "the node ended the stream without answering this transaction"),
      };
    });
  }

  /** The masternodes registered at a height (0: the next), by consensus key, a page at a time. */
  masternodes(options: PageOptions & { height?: bigint } = {}): AsyncIterable<Masternode> {
    let height = options.height ?? 0n;
    return this.pages(async (pageToken) => {
      const r = await this.unary((o) => this.raw.listMasternodes({ height, pageSize: options.pageSize ?? 0, pageToken }, o));
      height = r.height; // "0" (the next height) may move between pages: later pages ask for the first's
      return { items: r.masternodes, next: r.nextPageToken };
    });
  }

  async masternode(consensusKey: Uint8Array, height = 0n): Promise<Masternode> {
    const r = await this.unary((o) => this.raw.getMasternode({ consensusKey, height }, o));
    return required(r.masternode, "masternode");
  }

  /** set(height) as the node says (0: the next height): for display; the SDK derives its own. */
  async validatorSet(height: bigint): Promise<ValidatorSet> {
    const r = await this.unary((o) => this.raw.getValidatorSet({ height }, o));
    return required(r.validatorSet, "validator_set");
  }

  /** Raw changes after fromHeight (limit 0: 100, at most 1,000); checked when the SDK derives sets. */
  validatorSetChanges(fromHeight: bigint, limit: number): Promise<GetValidatorSetChangesResponse> {
    return this.unary((o) => this.raw.getValidatorSetChanges({ fromHeight, limit }, o));
  }

  /** Equivocation evidence from a height on, oldest first. */
  evidence(fromHeight = 0n, options: PageOptions = {}): AsyncIterable<EquivocationEvidence> {
    return this.pages(async (pageToken) => {
      const r = await this.unary((o) => this.raw.listEvidence({ fromHeight, pageSize: options.pageSize ?? 0, pageToken }, o));
      return { items: r.evidence, next: r.nextPageToken };
    });
  }

  private pages<T>(fetch: (token: string) => Promise<{ items: T[]; next: string }>): AsyncIterable<T> {
    return {
      async *[Symbol.asyncIterator]() {
        let token = "";
        do {
          const page = await fetch(token);
          yield* page.items;
          if (page.next !== "" && page.next === token) {
            throw new NodeError(Code.Internal, ErrorReason.INVALID_ARGUMENT, `the node gave the page token ${token} again`);
          }
          token = page.next;
        } while (token !== "");
      },
    };
  }

  /**
   * The validator set that votes at `height`, derived from the trust root through every set change
   * up to it, each checked (docs/sdk.md 4.1): what the subscription checks blocks with.
   */
  verifiedValidatorSet(height: bigint): Promise<DerivedSet> {
    return this.trusted.setAt(height);
  }

  // ---- verified blocks (docs/sdk.md 4) ----

  /**
   * The finalized block of a height, verified from the trust root as a subscription would (its
   * certificate against the derived set(h)), except the hash chain to the block before it.
   */
  async verifiedBlock(height: bigint): Promise<VerifiedBlock> {
    const r = await this.block(height);
    const finalized = create(FinalizedBlockSchema, { block: r.block, certificate: r.certificate });
    const { verified } = await verifyBlock(this.trusted, finalized, height);
    return verified;
  }

  /**
   * Finalized blocks from `fromHeight` on (0: the block after the root), each yielded only once
   * verified; no gap and no duplicate across any number of broken connections. Ends when the
   * caller stops iterating or aborts `signal`, when the client is closed (CANCELLED), or with a
   * DATA_LOSS NodeError naming the failed check, without yielding that block.
   */
  subscribeFinalized(fromHeight = 0n, options: { signal?: AbortSignal } = {}): AsyncIterable<VerifiedBlock> {
    return { [Symbol.asyncIterator]: () => this.follow(fromHeight, options.signal) };
  }

  private async *follow(fromHeight: bigint, callerSignal?: AbortSignal): AsyncGenerator<VerifiedBlock> {
    const stop = callerSignal === undefined ? this.closing.signal : AbortSignal.any([this.closing.signal, callerSignal]);
    const t = this.timings;
    let next: bigint | undefined = fromHeight === 0n ? undefined : fromHeight;
    let previous: Previous | undefined;
    let backoff = t.initialBackoffMs;
    let delay = 0;
    for (;;) {
      if (delay > 0) await sleep(delay, stop);
      if (stop.aborted) throw cancelled(this.closed);
      const stream = new AbortController();
      const signal = AbortSignal.any([stop, stream.signal]);
      let idle = false;
      try {
        next ??= (await this.trusted.anchor()).height + 1n;
        const messages = this.raw.subscribeFinalized({ fromHeight: next }, { signal })[Symbol.asyncIterator]();
        for (;;) {
          const timer = setTimeout(() => { idle = true; stream.abort(); }, t.idleMs);
          let r: IteratorResult<Awaited<ReturnType<typeof messages.next>>["value"]>;
          try {
            r = await messages.next();
          } finally {
            clearTimeout(timer);
          }
          if (r.done) break; // a node never ends a subscription: resubscribe
          const event = r.value.event;
          if (event.case !== "block") continue; // a keep-alive
          const h = event.value.block?.header?.height;
          if (h !== undefined && h < next) continue; // delivered already, sent again: dropped
          const { verified, set } = await verifyBlock(this.trusted, event.value, next, previous);
          next = verified.height + 1n;
          previous = { hash: verified.hash, header: event.value.block!.header!, set };
          backoff = t.initialBackoffMs;
          yield verified;
        }
      } catch (e) {
        if (stop.aborted) throw cancelled(this.closed);
        const error = NodeError.from(e);
        if (!idle && !retriable(error.code)) throw error;
      } finally {
        stream.abort();
      }
      delay = backoff;
      backoff = Math.min(backoff * 2, t.maxBackoffMs);
    }
  }
}

const cancelled = (closed: boolean) =>
  new NodeError(Code.Canceled, ErrorReason.UNSPECIFIED, closed ? "the client was closed" : "the subscription was cancelled");

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); signal.removeEventListener("abort", done); resolve(); };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

function required<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new NodeError(Code.Internal, ErrorReason.MALFORMED, `the node's answer lacks ${field}`);
  return value;
}

/** A google.rpc.Status of a SubmitTransactions answer as a NodeError. */
function statusError(status: Status): NodeError {
  let reason = ErrorReason.UNSPECIFIED;
  for (const any of status.details) {
    const info = anyUnpack(any, ErrorInfoSchema);
    const named = info?.domain === "timecoin.v1"
      ? (ErrorReason as unknown as Record<string, ErrorReason | undefined>)[info.reason] : undefined;
    if (named !== undefined) reason = named;
  }
  return new NodeError(status.code as Code, reason, status.message);
}
