"""A small certified chain and a NodeService on 127.0.0.1 that serves it, honestly or not."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field

import grpc

from timecoin import canonical, crypto
from timecoin.rpc import error_details_pb2, status_pb2
from timecoin.v1 import block_pb2, certificate_pb2, node_pb2, node_pb2_grpc, registry_pb2, transaction_pb2

CHAIN = "timecoin-devnet"


def seed(name: str) -> bytes:
    return crypto.sha256(name.encode())


def validator_set(seeds: list[bytes], weights: list[int]) -> list[certificate_pb2.Validator]:
    members = [certificate_pb2.Validator(key=crypto.public_key(s), weight=w) for s, w in zip(seeds, weights)]
    return sorted(members, key=lambda v: v.key)


@dataclass
class TestChain:
    """Blocks 0..tip; set(h) = first_set below change_at, second_set from it (if any)."""

    __test__ = False  # not a test class, despite its name

    tip: int = 12
    change_at: int | None = None
    chain_id: str = CHAIN
    seeds: list[bytes] = field(default_factory=lambda: [seed(f"validator {i}") for i in range(4)])
    second_seeds: list[bytes] = field(default_factory=lambda: [seed(f"validator {i}") for i in (0, 1, 4)])

    def __post_init__(self) -> None:
        self.seed_of = {crypto.public_key(s): s for s in self.seeds + self.second_seeds}
        self.first_set = validator_set(self.seeds, [1000, 2000, 3000, 4000])
        self.second_set = validator_set(self.second_seeds, [500, 500, 500])
        self.blocks: list[block_pb2.Block] = []
        self.certs: list[certificate_pb2.FinalityCertificate | None] = []
        self._build()

    def set_at(self, h: int) -> list[certificate_pb2.Validator]:
        return self.second_set if self.change_at is not None and h >= self.change_at else self.first_set

    def certify(self, header: block_pb2.BlockHeader, signers: list[certificate_pb2.Validator] | None = None,
                round_: int = 0) -> certificate_pb2.FinalityCertificate:
        h = canonical.block_hash(header)
        vote = canonical.precommit_bytes(self.chain_id, header.height, round_, h)
        members = signers if signers is not None else self.set_at(header.height)
        return certificate_pb2.FinalityCertificate(height=header.height, round=round_, block_hash=h, signatures=[
            certificate_pb2.CertificateSignature(validator=v.key, signature=crypto.sign(self.seed_of[v.key], vote))
            for v in members])

    def _build(self) -> None:
        genesis_tx = transaction_pb2.Transaction(
            version=2, kind=transaction_pb2.TRANSACTION_KIND_GENESIS,
            outputs=[transaction_pb2.TxOutput(amount=10**14, address=bytes(20))],
            genesis=transaction_pb2.GenesisPayload(chain_id=self.chain_id, params=transaction_pb2.ChainParams(
                genesis_time_ms=1_790_000_000_000, block_interval_ms=1000, max_validators=100)))
        set1 = canonical.validator_set_hash(self.set_at(1))
        self._add(0, [genesis_tx], None, bytes(32), set1, set1, bytes(32), 1_790_000_000_000)
        for h in range(1, self.tip + 1):
            reward = transaction_pb2.Transaction(
                version=2, kind=transaction_pb2.TRANSACTION_KIND_REWARD, reward=transaction_pb2.RewardPayload(height=h),
                outputs=[transaction_pb2.TxOutput(amount=10_000_000_000, address=bytes([h % 256]) * 20)])
            prev = self.blocks[h - 1].header
            self._add(h, [reward], self.certs[h - 1], canonical.block_hash(prev),
                      canonical.validator_set_hash(self.set_at(h)), canonical.validator_set_hash(self.set_at(h + 1)),
                      self.set_at(h)[0].key, prev.timestamp_ms + 1000)

    def _add(self, h: int, txs: list[transaction_pb2.Transaction], last_cert: certificate_pb2.FinalityCertificate | None,
             prev_hash: bytes, vsh: bytes, next_vsh: bytes, proposer: bytes, timestamp: int) -> None:
        body = block_pb2.BlockBody(transactions=txs)
        if last_cert is not None:
            body.last_certificate.CopyFrom(last_cert)
        header = block_pb2.BlockHeader(
            version=2, chain_id=self.chain_id, height=h, timestamp_ms=timestamp, prev_hash=prev_hash,
            tx_root=canonical.merkle_root([canonical.txid(t) for t in txs]),
            witness_root=canonical.merkle_root([canonical.wtxid(t) for t in txs]),
            last_certificate_hash=canonical.last_certificate_hash(body), validator_set_hash=vsh,
            next_validator_set_hash=next_vsh, proposer=proposer)
        self.blocks.append(block_pb2.Block(header=header, body=body))
        self.certs.append(self.certify(header) if h > 0 else None)

    @property
    def genesis_hash(self) -> bytes:
        return canonical.block_hash(self.blocks[0].header)

    def finalized(self, h: int) -> node_pb2.FinalizedBlock:
        return node_pb2.FinalizedBlock(block=self.blocks[h], certificate=self.certs[h])

    def changes(self) -> list[node_pb2.ValidatorSetChange]:
        out = [node_pb2.ValidatorSetChange(height=1, header=self.blocks[0].header,
                                           validator_set=certificate_pb2.ValidatorSet(height=1, validators=self.set_at(1)))]
        if self.change_at is not None:
            c = self.change_at
            out.append(node_pb2.ValidatorSetChange(height=c, header=self.blocks[c - 1].header, certificate=self.certs[c - 1],
                                                   validator_set=certificate_pb2.ValidatorSet(height=c, validators=self.set_at(c))))
        return out


def abort(context: grpc.ServicerContext, code: grpc.StatusCode, reason: str, message: str) -> None:
    """A refusal as the node sends it: a google.rpc.Status with an ErrorInfo in the trailers."""
    status = status_pb2.Status(code=code.value[0], message=message)
    status.details.add().Pack(error_details_pb2.ErrorInfo(reason=reason, domain="timecoin.v1"))
    context.set_trailing_metadata([("grpc-status-details-bin", status.SerializeToString())])
    context.abort(code, message)


class FakeNode(node_pb2_grpc.NodeServiceServicer):
    """Serves a TestChain. The knobs make it misbehave the way a broken or lying node would."""

    def __init__(self, chain: TestChain) -> None:
        self.chain = chain
        self.cut_after: int | None = None  # abort each stream UNAVAILABLE after this many blocks
        self.cuts_left = 0
        self.resend_previous = False  # start each stream one block early (a duplicate)
        self.hang_once_after: int | None = None  # on the first stream, go silent after this many blocks
        self.tamper: dict[int, Callable[[node_pb2.FinalizedBlock], None]] = {}
        self.changes_override: Callable[[list[node_pb2.ValidatorSetChange]], list[node_pb2.ValidatorSetChange]] | None = None
        self.subscribe_from: list[int] = []
        self.masternode_heights: list[int] = []
        self.wrong_txid = False
        self.unspent: list[node_pb2.UnspentOutput] = []
        self.page_size = 2
        self.submitted: list[transaction_pb2.Transaction] = []
        self.submit_refusal: tuple[grpc.StatusCode, str] | None = None
        self.tx_lookups = 0
        self.final_after_lookups = 3
        self._streams = 0
        self._lock = threading.Lock()

    # ---- the chain

    def GetStatus(self, request, context):
        return node_pb2.GetStatusResponse(chain_id=self.chain.chain_id, genesis_hash=self.chain.genesis_hash,
                                          finalized_height=self.chain.tip, protocol_version=2)

    def GetBlock(self, request, context):
        h = request.height
        if h > self.chain.tip:
            abort(context, grpc.StatusCode.NOT_FOUND, "NOT_FOUND", f"block {h} is not final")
        cert = self.chain.certs[h]
        return node_pb2.GetBlockResponse(block=self.chain.blocks[h], certificate=cert)

    def GetValidatorSet(self, request, context):
        return node_pb2.GetValidatorSetResponse(validator_set=certificate_pb2.ValidatorSet(
            height=request.height, validators=self.chain.set_at(request.height)))

    def GetValidatorSetChanges(self, request, context):
        changes = self.chain.changes()
        if self.changes_override is not None:
            changes = self.changes_override(changes)
        limit = request.limit or 100
        chosen = [c for c in changes if c.height > request.from_height][:limit]
        return node_pb2.GetValidatorSetChangesResponse(changes=chosen, finalized_height=self.chain.tip)

    def SubscribeFinalized(self, request, context) -> Iterator[node_pb2.SubscribeFinalizedResponse]:
        with self._lock:
            self.subscribe_from.append(request.from_height)
            stream = self._streams
            self._streams += 1
        start = max(request.from_height, 1)
        if self.resend_previous and start > 1:
            start -= 1
        sent = 0
        for h in range(start, self.chain.tip + 1):
            if self.cut_after is not None and sent == self.cut_after and self.cuts_left > 0:
                self.cuts_left -= 1
                context.abort(grpc.StatusCode.UNAVAILABLE, "cut by the test")
            if stream == 0 and self.hang_once_after is not None and sent == self.hang_once_after:
                while context.is_active():
                    time.sleep(0.05)  # silent: no block, no keep-alive
                return
            block = self.chain.finalized(h)
            if h in self.tamper:
                self.tamper[h](block)
            yield node_pb2.SubscribeFinalizedResponse(block=block)
            sent += 1
        while context.is_active():  # caught up: keep-alives
            yield node_pb2.SubscribeFinalizedResponse(keep_alive=node_pb2.KeepAlive(finalized_height=self.chain.tip))
            time.sleep(0.2)

    def ListMasternodes(self, request, context):
        self.masternode_heights.append(request.height)
        keys = sorted(v.key for v in self.chain.first_set)
        start = int(request.page_token or 0)
        nxt = str(start + 2) if start + 2 < len(keys) else ""
        return node_pb2.ListMasternodesResponse(
            masternodes=[registry_pb2.Masternode(consensus_key=k) for k in keys[start:start + 2]],
            height=self.chain.tip + 1 + len(self.masternode_heights), next_page_token=nxt)  # "next" moves on

    # ---- the wallet's calls

    def ListUnspent(self, request, context):
        start = int(request.page_token or 0)
        page = self.unspent[start:start + self.page_size]
        nxt = str(start + self.page_size) if start + self.page_size < len(self.unspent) else ""
        return node_pb2.ListUnspentResponse(outputs=page, height=self.chain.tip, next_page_token=nxt)

    def SubmitTransaction(self, request, context):
        if self.submit_refusal is not None:
            code, reason = self.submit_refusal
            abort(context, code, reason, f"refused: {reason}")
        self.submitted.append(request.transaction)
        if self.wrong_txid:
            return node_pb2.SubmitTransactionResponse(txid=bytes(32))
        return node_pb2.SubmitTransactionResponse(txid=canonical.txid(request.transaction))

    def SubmitTransactions(self, request_iterator, context):
        answers = []
        for r in request_iterator:
            tx = r.transaction
            if tx.outputs and tx.outputs[0].amount < 10_000:
                status = status_pb2.Status(code=grpc.StatusCode.FAILED_PRECONDITION.value[0], message="dust")
                status.details.add().Pack(error_details_pb2.ErrorInfo(reason="DUST", domain="timecoin.v1"))
                answers.append(node_pb2.SubmitTransactionsResponse(txid=canonical.txid(tx), error=status))
            else:
                answers.append(node_pb2.SubmitTransactionsResponse(txid=canonical.txid(tx)))
        yield from reversed(answers)  # in the order the node is done with them, not the order sent

    def GetTransaction(self, request, context):
        self.tx_lookups += 1
        if self.tx_lookups < 2:
            abort(context, grpc.StatusCode.NOT_FOUND, "NOT_FOUND", "not relayed yet")
        if self.tx_lookups < self.final_after_lookups:
            return node_pb2.GetTransactionResponse(status=node_pb2.TRANSACTION_STATUS_PENDING)
        return node_pb2.GetTransactionResponse(status=node_pb2.TRANSACTION_STATUS_FINALIZED, block_height=7)


class Served:
    """A FakeNode on 127.0.0.1, on a free port, for the length of a with block."""

    def __init__(self, node: FakeNode) -> None:
        self.node = node
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
        node_pb2_grpc.add_NodeServiceServicer_to_server(node, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")

    def __enter__(self) -> Served:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop(grace=None)

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"
