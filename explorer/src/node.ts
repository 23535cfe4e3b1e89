// The node, over gRPC-Web (connect-web): the page's own origin by default, since the node serves
// this page on its web port; ?node=http://host:port points the page at another node's web port.
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { NodeService } from "@timecoin/sdk";

export type NodeClient = Client<typeof NodeService>;

export const nodeUrl = (): string => new URLSearchParams(location.search).get("node") ?? location.origin;

/** Unary calls, each with a deadline so a stuck node shows an error instead of a spinner. */
export const node: NodeClient = createClient(
  NodeService,
  createGrpcWebTransport({ baseUrl: nodeUrl(), defaultTimeoutMs: 15_000 }),
);

/** The subscription: no deadline, it is meant to stay open (the keep-alives say it is alive). */
export const streams: NodeClient = createClient(NodeService, createGrpcWebTransport({ baseUrl: nodeUrl() }));

export const codeOf = (e: unknown): Code => ConnectError.from(e).code;

export const isNotFound = (e: unknown): boolean => codeOf(e) === Code.NotFound;

/** One line for an error box: the gRPC code and the node's message. */
export function describe(e: unknown): string {
  const c = ConnectError.from(e);
  if (c.code === Code.Unimplemented) return `this node does not serve that call (${c.rawMessage})`;
  if (c.code === Code.Unavailable || c.code === Code.Unknown) return `the node at ${nodeUrl()} does not answer: ${c.rawMessage}`;
  return `${Code[c.code]}: ${c.rawMessage}`;
}
