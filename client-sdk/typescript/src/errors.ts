// The SDK's one error type (docs/sdk.md 6): a gRPC code and the ErrorInfo reason of errors.proto.
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "./gen/google/rpc/error_details_pb.js";
import { ErrorReason } from "./gen/timecoin/v1/errors_pb.js";
import { ProtocolError } from "./bytes.js";

export { Code } from "@connectrpc/connect";

/**
 * Every failure the SDK raises: the node's refusals (code and reason from the status), transport
 * failures (reason UNSPECIFIED), and the SDK's own verdicts (DATA_LOSS when a node's answer fails
 * verification, with the failed check as reason). A ConnectError, so Connect's helpers work on it.
 */
export class NodeError extends ConnectError {
  constructor(
    code: Code,
    readonly reason: ErrorReason,
    message: string,
    cause?: unknown,
  ) {
    super(message, code, undefined, undefined, cause);
    this.name = "NodeError";
  }

  // ConnectError's instanceof is duck-typed (any ConnectError would pass as a NodeError): use the
  // prototype chain instead.
  static override [Symbol.hasInstance](v: unknown): boolean {
    return typeof v === "object" && v !== null && Object.prototype.isPrototypeOf.call(NodeError.prototype, v);
  }

  /** The error's reason name without the prefix, e.g. "ALREADY_SPENT". */
  get reasonName(): string {
    return ErrorReason[this.reason] ?? String(this.reason);
  }

  /** Any failure as a NodeError: the reason from a timecoin.v1 ErrorInfo, else UNSPECIFIED. */
  static from(error: unknown): NodeError {
    if (error instanceof NodeError) return error;
    if (error instanceof ProtocolError) return new NodeError(Code.InvalidArgument, error.reason, error.message, error);
    const e = ConnectError.from(error);
    return new NodeError(e.code, refusalReason(e) ?? ErrorReason.UNSPECIFIED, e.rawMessage, error);
  }
}

/** The ErrorReason of a refusal: ErrorInfo{domain "timecoin.v1", reason "ALREADY_SPENT"...}. */
export function refusalReason(error: unknown): ErrorReason | undefined {
  if (error instanceof NodeError) return error.reason === ErrorReason.UNSPECIFIED ? undefined : error.reason;
  const e = ConnectError.from(error);
  for (const info of e.findDetails(ErrorInfoSchema)) {
    if (info.domain !== "timecoin.v1") continue;
    const reason = (ErrorReason as unknown as Record<string, ErrorReason | undefined>)[info.reason];
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** DATA_LOSS: the node's answer failed verification; asking the same node again will not help. */
export const refused = (reason: ErrorReason, message: string): NodeError => new NodeError(Code.DataLoss, reason, message);
