// The wallet of docs/sdk.md 5: one Ed25519 key and the coins at its address. It keeps no other
// state: each payment reads the address's finalized unspent outputs from the node.
import { create } from "@bufbuild/protobuf";
import { ErrorReason } from "./gen/timecoin/v1/errors_pb.js";
import { TransactionStatus, type GetTransactionResponse, type UnspentOutput } from "./gen/timecoin/v1/node_pb.js";
import {
  TransactionKind,
  TransactionSchema,
  type ChainParams,
  type OutPoint,
  type Transaction,
  type TxOutput,
} from "./gen/timecoin/v1/transaction_pb.js";
import { addressOf, decodeAddress, encodeAddress } from "./address.js";
import { compareBytes, equalBytes, fromHex, hex } from "./bytes.js";
import { txid as txidOf, txSigBytes } from "./canonical.js";
import { requiredFee, type FeeParams } from "./consensus.js";
import { publicKeyOf, sign } from "./crypto.js";
import { Code, NodeError, refused } from "./errors.js";
import type { TimeClient } from "./client.js";

/** The fee and dust rule of a chain (docs/protocol.md 4.3; io.timecoin.protocol.Fees). */
export interface Fees extends FeeParams {
  /** Outputs of 0 < amount < minOutput are DUST. */
  minOutput: bigint;
}

/** The defaults of the chain parameters: what a chain pays by unless its genesis says otherwise. */
export const DEFAULT_FEES: Fees = { minTxFee: 1_000n, minFeePerByte: 10n, minOutput: 10_000n, registrationFee: 100_000_000n };

export const feesOf = (p: ChainParams): Fees => ({
  minTxFee: p.minTxFee, minFeePerByte: p.minFeePerByte, minOutput: p.minOutput, registrationFee: p.registrationFee,
});

const isDust = (amount: bigint, fees: Fees) => amount !== 0n && amount < fees.minOutput;
const U64_MAX = (1n << 64n) - 1n;

/** A payment the wallet's finalized unspent outputs cannot cover. */
export class InsufficientFundsError extends NodeError {
  constructor(
    readonly address: string,
    /** The finalized balance, in base units. */
    readonly available: bigint,
    /** The amount plus the fee, in base units. */
    readonly needed: bigint,
  ) {
    super(Code.FailedPrecondition, ErrorReason.UNSPECIFIED,
      `insufficient funds: ${address} holds ${available} units, the payment needs ${needed} (amount plus fee)`);
    this.name = "InsufficientFundsError";
  }
}

/** A key file that must not be used (damaged, another type, readable by others). */
export class KeyFileError extends Error {
  override name = "KeyFileError";
}

export interface TransferOptions {
  /** The least fee to pay; more when the chain's rule requires more (default 0: exactly the required fee). */
  fee?: bigint;
  /** The fee rule; by default the chain's, from its genesis block (checked against the trust root). */
  fees?: Fees;
}

export class Wallet {
  readonly publicKey: Uint8Array;

  private constructor(private readonly seed: Uint8Array) {
    this.publicKey = publicKeyOf(seed);
  }

  /** A wallet with a new random key (the platform's CSPRNG). Save it, or its coins are lost with it. */
  static generate(): Wallet {
    return new Wallet(globalThis.crypto.getRandomValues(new Uint8Array(32)));
  }

  /** The wallet of a 32-byte Ed25519 seed. */
  static fromSeed(seed: Uint8Array): Wallet {
    if (seed.length !== 32) throw new TypeError(`an Ed25519 seed is 32 bytes, not ${seed.length}`);
    return new Wallet(seed.slice());
  }

  /** The wallet of a key file's text, in the node's format (`timed keygen`, docs/sdk.md 5). */
  static fromKeyFileText(text: string): Wallet {
    const fields = new Map<string, string>();
    for (const line of text.split("\n")) {
      const trimmed = line.trim();
      if (trimmed === "" || trimmed.startsWith("#")) continue;
      const eq = trimmed.indexOf("=");
      const name = eq < 0 ? trimmed : trimmed.slice(0, eq).trim();
      if (eq < 0 || fields.has(name)) throw new KeyFileError(`malformed line or repeated field: ${name}`);
      fields.set(name, trimmed.slice(eq + 1).trim());
    }
    if (fields.get("type") !== "ed25519") throw new KeyFileError(`not an ed25519 key file (type=${fields.get("type")})`);
    const seed = fields.get("seed") ?? "";
    if (!/^[0-9a-fA-F]{64}$/.test(seed)) throw new KeyFileError("the seed is not 64 hex digits");
    const wallet = new Wallet(fromHex(seed.toLowerCase()));
    if (hex(wallet.publicKey) !== (fields.get("public_key") ?? "").toLowerCase()) {
      throw new KeyFileError("public_key does not match the seed; the file is damaged");
    }
    return wallet;
  }

  /** The key file's text, as `timed keygen` writes it. Keep it secret. */
  keyFileText(): string {
    return "# timed Ed25519 key. Keep it secret: whoever holds it signs as this validator.\n" +
      `type=ed25519\npublic_key=${hex(this.publicKey)}\nseed=${hex(this.seed)}\n`;
  }

  /** The 20 address bytes: the first 20 bytes of SHA-256 of the public key. */
  get addressBytes(): Uint8Array {
    return addressOf(this.publicKey);
  }

  /** The bech32m address on a chain ("time1..." on mainnet, "timet1..." elsewhere). */
  address(chainId: string): string {
    return encodeAddress(this.publicKey, chainId);
  }

  /** Signs every input of a transaction of this wallet's coins over TXSIG(chain id, txid). */
  sign(tx: Transaction, chainId: string): Transaction {
    const message = txSigBytes(chainId, txidOf(tx));
    const signature = sign(this.seed, message);
    const signed = create(TransactionSchema, tx);
    signed.inputs = tx.inputs.map((i) => ({ ...i, witness: { $typeName: "timecoin.v1.Witness", publicKey: this.publicKey, signature } }));
    return signed;
  }

  /**
   * Builds and signs a TRANSFER of `amount` units to `to` (docs/sdk.md 5 steps 1-6): the largest
   * coins first until they cover amount plus fee, change back to this wallet unless it would be dust.
   */
  async prepareTransfer(client: TimeClient, to: string, amount: bigint, options: TransferOptions = {}): Promise<Transaction> {
    const atLeast = options.fee ?? 0n;
    if (amount <= 0n || amount > U64_MAX) throw new NodeError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, `the amount must be a positive u64, got ${amount}`);
    if (atLeast < 0n) throw new NodeError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, `the fee must not be negative, got ${atLeast}`);
    const chainId = await client.chainId();
    const fees = options.fees ?? (await chainFees(client));
    if (isDust(amount, fees)) throw new NodeError(Code.InvalidArgument, ErrorReason.DUST, `the amount ${amount} is dust: the least output is ${fees.minOutput}`);
    let toBytes: Uint8Array;
    try {
      toBytes = decodeAddress(to, chainId); // before any other call: a typo costs nothing
    } catch (e) {
      throw new NodeError(Code.InvalidArgument, ErrorReason.INVALID_ARGUMENT, (e as Error).message);
    }
    const from = this.address(chainId);

    // Largest first: the fewest inputs, so the smallest transaction and fee; ties by outpoint, so
    // the same coins always give the same transaction.
    const coins: UnspentOutput[] = [];
    for await (const u of client.listUnspent(from)) coins.push(u);
    coins.sort((a, b) => {
      const x = a.output!.amount, y = b.output!.amount;
      if (x !== y) return x > y ? -1 : 1;
      return compareBytes(a.outpoint!.txid, b.outpoint!.txid) || a.outpoint!.index - b.outpoint!.index;
    });
    const inputs: OutPoint[] = [];
    let selected = 0n;
    const pay = output(amount, toBytes);
    const feeOf = (change: boolean): bigint => {
      const outputs = change ? [pay, output(1n, this.addressBytes)] : [pay]; // the amount does not change the size
      const required = requiredFee(unsigned(inputs, outputs, true), fees);
      if (required === undefined) throw new NodeError(Code.InvalidArgument, ErrorReason.FEE_TOO_LOW, "the required fee passes 2^64");
      return required > atLeast ? required : atLeast;
    };
    for (;;) {
      const withoutChange = amount + feeOf(false);
      if (inputs.length > 0 && selected >= withoutChange) break;
      const coin = coins[inputs.length];
      if (coin === undefined) throw new InsufficientFundsError(from, selected, withoutChange);
      inputs.push(coin.outpoint!);
      selected += coin.output!.amount;
    }
    const outputs = [pay];
    const change = selected - amount - feeOf(true);
    // A change output only when legal: not negative, not zero (ZERO_OUTPUT), not dust (DUST);
    // otherwise the rest goes to the fee.
    if (change > 0n && !isDust(change, fees)) outputs.push(output(change, this.addressBytes));
    return this.sign(unsigned(inputs, outputs, false), chainId);
  }

  /** Builds, signs and submits a transfer (step 7: the node's txid must be the SDK's); returns the txid. */
  async transfer(client: TimeClient, to: string, amount: bigint, options: TransferOptions = {}): Promise<Uint8Array> {
    return client.submit(await this.prepareTransfer(client, to, amount, options));
  }

  toString(): string {
    return `Wallet(${hex(this.publicKey)})`; // never the seed
  }
}

/** The chain's fee rule from its genesis block; the defaults under a checkpoint root, which cannot check it. */
async function chainFees(client: TimeClient): Promise<Fees> {
  try {
    return feesOf(await client.chainParams());
  } catch (e) {
    if (e instanceof NodeError && e.code === Code.FailedPrecondition) return DEFAULT_FEES;
    throw e;
  }
}

const output = (amount: bigint, address: Uint8Array): TxOutput => ({ $typeName: "timecoin.v1.TxOutput", amount, address });

/** A TRANSFER; with `placeholders`, each input carries a witness of the signed size, to price it. */
function unsigned(inputs: readonly OutPoint[], outputs: readonly TxOutput[], placeholders: boolean): Transaction {
  return create(TransactionSchema, {
    version: 2,
    kind: TransactionKind.TRANSFER,
    inputs: inputs.map((outpoint) => ({
      outpoint,
      witness: placeholders ? { publicKey: new Uint8Array(32), signature: new Uint8Array(64) } : undefined,
    })),
    outputs: [...outputs],
  });
}

export interface AwaitOptions {
  /** Give up after this long (DEADLINE_EXCEEDED); 60 s by default. */
  timeoutMs?: number;
  /** How often to ask the node; 250 ms by default. */
  pollMs?: number;
}

/**
 * Waits until a transaction is final, and proves it: GetTransaction (every 250 ms) names the block,
 * which is then fetched and verified from the trust root (its certificate against the derived set),
 * and must hold the txid at the index the node gave. Returns the block height. NOT_FOUND (not yet
 * relayed) and UNAVAILABLE are waited through; a block that does not prove it is DATA_LOSS.
 */
export async function awaitFinal(client: TimeClient, txid: Uint8Array, options: AwaitOptions = {}): Promise<bigint> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let last: GetTransactionResponse | undefined;
  for (;;) {
    try {
      last = await client.transaction(txid);
      if (last.status === TransactionStatus.FINALIZED) {
        const block = await client.verifiedBlock(last.blockHeight);
        const at = block.txids[last.index];
        if (at === undefined || !equalBytes(at, txid)) {
          throw refused(ErrorReason.INVALID_BLOCK, `the node says ${hex(txid)} is in block ${last.blockHeight} at ${last.index}; the verified block does not hold it there`);
        }
        return last.blockHeight;
      }
    } catch (e) {
      if (!(e instanceof NodeError) || (e.code !== Code.NotFound && e.code !== Code.Unavailable)) throw e;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new NodeError(Code.DeadlineExceeded, ErrorReason.UNSPECIFIED, `transaction ${hex(txid)} is not final after ${timeoutMs} ms (` +
        (last === undefined ? "unknown to the node" : TransactionStatus[last.status]) + ")");
    }
    await new Promise((r) => setTimeout(r, Math.min(options.pollMs ?? 250, left)));
  }
}
