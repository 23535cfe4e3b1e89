// NodeService over gRPC (HTTP/2) for Node.js: `import { connectNode } from "@timecoin/sdk/node"`.
// Kept out of the main entry so that a browser bundle does not pull in node:http2.
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ErrorInfoSchema } from "./gen/google/rpc/error_details_pb.js";
import { ErrorReason } from "./gen/timecoin/v1/errors_pb.js";
import { NodeService } from "./gen/timecoin/v1/node_pb.js";

export type NodeClient = Client<typeof NodeService>;

export interface NodeOptions {
  /** The node's client port, e.g. "http://127.0.0.1:7001" (or https:// with `ca`). */
  baseUrl: string;
  /** PEM of the CA that signed the node's TLS certificate. */
  ca?: string;
  /** The deadline of each call unless the call gives its own (`timeoutMs`); 10 s by default. */
  timeoutMs?: number;
}

export function connectNode(options: NodeOptions): NodeClient {
  const transport = createGrpcTransport({
    baseUrl: options.baseUrl,
    defaultTimeoutMs: options.timeoutMs ?? 10_000,
    nodeOptions: options.ca === undefined ? undefined : { ca: options.ca },
  });
  return createClient(NodeService, transport);
}

/** The node's typed refusal: the gRPC code and the ErrorInfo reason (errors.proto). */
export class NodeError extends Error {
  constructor(
    readonly code: Code,
    readonly reason: ErrorReason,
    message: string,
  ) {
    super(message);
    this.name = "NodeError";
  }
}

/** The ErrorReason of a refusal: ErrorInfo{domain "timecoin.v1", reason "ALREADY_SPENT"...}. */
export function refusalReason(error: unknown): ErrorReason | undefined {
  const e = ConnectError.from(error);
  for (const info of e.findDetails(ErrorInfoSchema)) {
    if (info.domain !== "timecoin.v1") continue;
    const reason = (ErrorReason as unknown as Record<string, ErrorReason | undefined>)[info.reason];
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/** Runs a call and turns a typed refusal into a NodeError (other failures pass unchanged). */
export async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const reason = refusalReason(error);
    if (reason === undefined) throw error;
    const e = ConnectError.from(error);
    throw new NodeError(e.code, reason, e.rawMessage);
  }
}
