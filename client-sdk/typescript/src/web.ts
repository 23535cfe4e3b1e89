// @timecoin/sdk/web: TimeClient over gRPC-Web (fetch), for browsers; the node's web port serves it.
// gRPC-Web carries unary calls and server streams (the subscription), not submitAll's client stream.
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { TimeClient, type TimeClientOptions } from "./client.js";

export { TimeClient, type TimeClientOptions, type SubscriptionTimings, type Submitted, retriable } from "./client.js";
export { NodeError, refusalReason, Code } from "./errors.js";
export { TrustRoot, type Anchor, type DerivedSet } from "./trust.js";
export type { VerifiedBlock } from "./verify.js";
export { checkCertificate, verifyCertificate, isQuorum, totalWeight } from "./consensus.js";
export { blockHash, txid, validatorSetHash } from "./canonical.js";
export { hex, fromHex } from "./bytes.js";
export { Wallet, awaitFinal, InsufficientFundsError, DEFAULT_FEES, type Fees, type TransferOptions } from "./wallet.js";
export { encodeAddress, decodeAddress } from "./address.js";
export { ErrorReason } from "./gen/timecoin/v1/errors_pb.js";

export interface WebOptions extends Omit<TimeClientOptions, "onClose"> {
  /** The node's web port, e.g. "http://127.0.0.1:24103", or "/" behind the page's own origin. */
  baseUrl: string;
}

export function connectWeb(options: WebOptions): TimeClient {
  const transport = createGrpcWebTransport({ baseUrl: options.baseUrl, useBinaryFormat: true });
  return new TimeClient(transport, options);
}
