// The NodeService client over connect-node's gRPC transport, against an in-process fake node
// (a node:http2 server on 127.0.0.1 serving the generated service).
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ErrorInfoSchema } from "../src/gen/google/rpc/error_details_pb.js";
import {
  BlockHeaderSchema,
  BlockSchema,
  ErrorReason,
  FinalizedBlockSchema,
  NodeService,
  blockHash,
} from "../src/index.js";
import { call, connectNode, NodeError, refusalReason, type NodeClient } from "../src/node.js";

const zeroHashes = Object.fromEntries(
  ["prevHash", "txRoot", "witnessRoot", "lastCertificateHash", "validatorSetHash", "nextValidatorSetHash", "proposer"].map((k) => [k, new Uint8Array(32)]),
);
const BIG = (1n << 64n) - 1n; // a u64 that a JavaScript number would round

function routes(router: ConnectRouter) {
  router.service(NodeService, {
    getStatus: () => ({ chainId: "timecoin-devnet", finalizedHeight: BIG, protocolVersion: 2 }),
    submitTransaction: () => {
      throw new ConnectError("output already spent", Code.FailedPrecondition, undefined, [
        { desc: ErrorInfoSchema, value: { domain: "timecoin.v1", reason: "ALREADY_SPENT" } },
      ]);
    },
    async *subscribeFinalized(req) {
      for (let h = req.fromHeight; h < req.fromHeight + 3n; h++) {
        const header = create(BlockHeaderSchema, { version: 2, chainId: "timecoin-devnet", height: h, ...zeroHashes });
        yield { event: { case: "block", value: create(FinalizedBlockSchema, { block: create(BlockSchema, { header }) }) } };
      }
    },
  });
}

describe("NodeService client (connect-node gRPC)", () => {
  let server: http2.Http2Server;
  let node: NodeClient;
  const sessions = new Set<http2.ServerHttp2Session>();

  before(async () => {
    server = http2.createServer(connectNodeAdapter({ routes }));
    server.on("session", (session) => sessions.add(session));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    node = connectNode({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 5_000 });
  });

  // the client keeps its HTTP/2 session open: end it, or close() waits for ever
  after(() => {
    for (const s of sessions) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("GetStatus keeps a u64 height exact as bigint", async () => {
    const status = await node.getStatus({});
    assert.equal(status.chainId, "timecoin-devnet");
    assert.equal(status.finalizedHeight, BIG);
  });

  it("a refusal carries its ErrorInfo reason", async () => {
    const refused = node.submitTransaction({});
    await assert.rejects(refused, (e: unknown) => refusalReason(e) === ErrorReason.ALREADY_SPENT);
    await assert.rejects(
      call(() => node.submitTransaction({})),
      (e: unknown) => e instanceof NodeError && e.reason === ErrorReason.ALREADY_SPENT && e.code === Code.FailedPrecondition,
    );
  });

  it("SubscribeFinalized streams blocks from the height asked", async () => {
    const heights: bigint[] = [];
    for await (const event of node.subscribeFinalized({ fromHeight: 5n })) {
      if (event.event.case !== "block") continue;
      const header = event.event.value.block!.header!;
      heights.push(header.height);
      assert.equal(blockHash(header).length, 32);
    }
    assert.deepEqual(heights, [5n, 6n, 7n]);
  });

  it("an unreachable node fails with a transport error, not a refusal", async () => {
    const dead = connectNode({ baseUrl: "http://127.0.0.1:1", timeoutMs: 1_000 });
    await assert.rejects(dead.getStatus({}), (e: unknown) => refusalReason(e) === undefined && ConnectError.from(e).code === Code.Unavailable);
  });
});

