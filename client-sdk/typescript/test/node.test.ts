// TimeClient over connect-node's gRPC transport against a fake node on 127.0.0.1: calls, typed
// errors, pages, targets.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../src/gen/google/rpc/error_details_pb.js";
import { ErrorReason, NodeError, refusalReason, TransactionKind, TransactionSchema, txid } from "../src/index.js";
import { connectNode, targetUrl } from "../src/node.js";
import { create } from "@bufbuild/protobuf";
import { serve, type FakeNode } from "./fakechain.js";

const BIG = (1n << 64n) - 1n; // a u64 that a JavaScript number would round
const outpoint = (i: number) => ({ outpoint: { txid: new Uint8Array(32).fill(i), index: i }, output: { amount: BigInt(i) } });

describe("TimeClient (connect-node gRPC)", () => {
  let node: FakeNode;
  const asked: string[] = [];

  before(async () => {
    node = await serve({
      getStatus: () => ({ chainId: "timecoin-devnet", finalizedHeight: BIG, protocolVersion: 2 }),
      submitTransaction: () => {
        throw new ConnectError("output already spent", Code.FailedPrecondition, undefined, [
          { desc: ErrorInfoSchema, value: { domain: "timecoin.v1", reason: "ALREADY_SPENT" } },
        ]);
      },
      listUnspent(req) {
        asked.push(req.pageToken);
        // three pages of two; "stuck" answers its own token again
        if (req.address === "stuck") return { outputs: [outpoint(9)], nextPageToken: "same" };
        const page = req.pageToken === "" ? 0 : Number(req.pageToken);
        return { outputs: [outpoint(2 * page + 1), outpoint(2 * page + 2)], nextPageToken: page < 2 ? String(page + 1) : "" };
      },
      getTransaction: async () => new Promise(() => {}), // never answers: the deadline decides
    });
  });
  after(() => node.close());

  it("GetStatus keeps a u64 height exact as bigint", async () => {
    const client = connectNode({ target: node.target });
    const status = await client.status();
    assert.equal(status.chainId, "timecoin-devnet");
    assert.equal(status.finalizedHeight, BIG);
    client.close();
  });

  it("a refusal is a NodeError with its code and ErrorInfo reason", async () => {
    const client = connectNode(node.target);
    const tx = create(TransactionSchema, { version: 2, kind: TransactionKind.TRANSFER, inputs: [{ outpoint: { txid: new Uint8Array(32), index: 0 } }], outputs: [{ amount: 1n, address: new Uint8Array(20) }] });
    await assert.rejects(client.submit(tx), (e: unknown) =>
      e instanceof NodeError && e.reason === ErrorReason.ALREADY_SPENT && e.code === Code.FailedPrecondition &&
      e.reasonName === "ALREADY_SPENT" && refusalReason(e) === ErrorReason.ALREADY_SPENT && e.rawMessage === "output already spent");
    assert.equal(txid(tx).length, 32);
    client.close();
  });

  it("ListUnspent is an async iterable that fetches each page when reached", async () => {
    const client = connectNode(node.target);
    asked.length = 0;
    const amounts: bigint[] = [];
    for await (const u of client.listUnspent("timet1x")) {
      amounts.push(u.output!.amount);
      if (amounts.length === 2) assert.deepEqual(asked, [""], "the second page is not fetched before it is reached");
    }
    assert.deepEqual(amounts, [1n, 2n, 3n, 4n, 5n, 6n]);
    assert.deepEqual(asked, ["", "1", "2"]);
    client.close();
  });

  it("a node that answers the same page token again is refused, not followed forever", async () => {
    const client = connectNode(node.target);
    const seen: bigint[] = [];
    await assert.rejects(
      (async () => { for await (const u of client.listUnspent("stuck")) seen.push(u.output!.amount); })(),
      (e: unknown) => e instanceof NodeError && e.code === Code.Internal && e.reason === ErrorReason.INVALID_ARGUMENT,
    );
    assert.ok(seen.length <= 2);
    client.close();
  });

  it("each call has the client's deadline", async () => {
    const client = connectNode({ target: node.target, timeoutMs: 200 });
    await assert.rejects(client.transaction(new Uint8Array(32)), (e: unknown) => e instanceof NodeError && e.code === Code.DeadlineExceeded);
    client.close();
  });

  it("close() fails later calls with CANCELLED", async () => {
    const client = connectNode(node.target);
    client.close();
    await assert.rejects(client.status(), (e: unknown) => e instanceof NodeError && e.code === Code.Canceled);
  });

  it("an unreachable node fails as UNAVAILABLE without a reason", async () => {
    const dead = connectNode({ target: "1", timeoutMs: 1_000 });
    await assert.rejects(dead.status(), (e: unknown) =>
      e instanceof NodeError && e.code === Code.Unavailable && e.reason === ErrorReason.UNSPECIFIED);
    dead.close();
  });

  it("a bare port means 127.0.0.1; a host without a port is refused", () => {
    assert.equal(targetUrl("24101", false), "http://127.0.0.1:24101");
    assert.equal(targetUrl("node.example:443", true), "https://node.example:443");
    assert.equal(targetUrl("[::1]:24101", false), "http://[::1]:24101");
    assert.throws(() => targetUrl("node.example", false), TypeError);
    assert.throws(() => connectNode({}), TypeError);
  });
});
