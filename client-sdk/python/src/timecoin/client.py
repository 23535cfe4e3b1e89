"""The blocking client: every NodeService call, pages as iterators, the verified subscription."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from timecoin import canonical
from timecoin._common import (CHANNEL_OPTIONS, DEFAULT_DEADLINE, RETRIABLE, Backoff, Submitted, Timings,
                              check_submitted, closed_error, credentials, match_answers, own_txids, same_token,
                              target_of)
from timecoin._flow import Call, Flow, run
from timecoin.errors import TimeError
from timecoin.trust import Cursor, TrustedChain, TrustRoot, VerifiedBlock, start_height, verify_block
from timecoin.wallet import await_final
from timecoin.v1 import (certificate_pb2, consensus_pb2, node_pb2, node_pb2_grpc, registry_pb2,
                         transaction_pb2)

T = TypeVar("T")


class Client:
    """A connection to one node's client port.

    ``Client("127.0.0.1:24101")`` or ``Client(24101)``; ``tls_ca`` (a PEM file or PEM text) turns
    on TLS; ``deadline`` (seconds) limits each unary call; ``trust_root`` is what the verified
    subscription and the wallet trust (none: the first genesis the node shows, with a WARNING).
    The channel opens on the first call. Use it as a context manager, or call close().
    """

    def __init__(self, target: str | int | None = None, *, tls_ca: str | bytes | Path | None = None,
                 deadline: float = DEFAULT_DEADLINE, trust_root: TrustRoot | None = None,
                 channel: grpc.Channel | None = None) -> None:
        if channel is None:
            if target is None:
                raise ValueError("give a target (host:port or a port) or a channel")
            creds = credentials(tls_ca)
            address = target_of(target)
            channel = (grpc.secure_channel(address, creds, CHANNEL_OPTIONS) if creds
                       else grpc.insecure_channel(address, CHANNEL_OPTIONS))
        self._channel = channel
        self._stub = node_pb2_grpc.NodeServiceStub(channel)
        self.deadline = deadline
        self._chain = TrustedChain(trust_root or TrustRoot())
        self._chain_lock = threading.Lock()  # one lookup at a time; shared by every subscription
        self.closed = False

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Fails the calls in flight and ends the subscriptions with CANCELLED."""
        self.closed = True
        self._channel.close()

    # ---- running calls and flows

    def _call(self, call: Call) -> Any:
        if self.closed:
            raise closed_error()
        try:
            return getattr(self._stub, call.method)(call.request, timeout=self.deadline)
        except grpc.RpcError as e:
            raise closed_error() if self.closed else TimeError.from_rpc(e) from None

    def run(self, flow: Flow[T]) -> T:
        """Runs a flow (timecoin._flow) with this client's calls: how the wallet pays through it."""
        return run(flow, self._call)

    def _trusted(self, flow: Flow[T]) -> T:
        with self._chain_lock:
            return run(flow, self._call)

    # ---- the trust root

    def chain_id(self) -> str:
        """The chain id of the trust root's header (the root is checked on first use)."""
        return self._trusted(self._chain.anchor()).chain_id

    def trust_root(self) -> TrustRoot:
        """The root that was checked: pin it next time."""
        return self._trusted(self._chain.anchor()).root


    # ---- NodeService

    def status(self) -> node_pb2.GetStatusResponse:
        return self._call(Call("GetStatus", node_pb2.GetStatusRequest()))

    def block(self, height: int) -> node_pb2.GetBlockResponse:
        return self._call(Call("GetBlock", node_pb2.GetBlockRequest(height=height)))

    def block_by_hash(self, block_hash: bytes) -> node_pb2.GetBlockResponse:
        return self._call(Call("GetBlock", node_pb2.GetBlockRequest(hash=block_hash)))

    def certificate(self, height: int) -> certificate_pb2.FinalityCertificate:
        return self._call(Call("GetCertificate", node_pb2.GetCertificateRequest(height=height))).certificate

    def transaction(self, txid: bytes) -> node_pb2.GetTransactionResponse:
        return self._call(Call("GetTransaction", node_pb2.GetTransactionRequest(txid=txid)))

    def balance(self, address: str) -> node_pb2.GetBalanceResponse:
        return self._call(Call("GetBalance", node_pb2.GetBalanceRequest(address=address)))

    def list_unspent(self, address: str, page_size: int = 0) -> Iterator[node_pb2.UnspentOutput]:
        return self._pages("ListUnspent", node_pb2.ListUnspentRequest(address=address, page_size=page_size), "outputs")

    def address_transactions(self, address: str, page_size: int = 0) -> Iterator[node_pb2.AddressTransaction]:
        """ListAddressTransactions: what paid to or spent from the address, newest first."""
        return self._pages("ListAddressTransactions",
                           node_pb2.ListAddressTransactionsRequest(address=address, page_size=page_size), "transactions")

    def submit(self, tx: transaction_pb2.Transaction) -> bytes:
        """Submits a signed transaction; returns its txid, checked against the SDK's own."""
        own = canonical.txid(tx)
        return check_submitted(own, self._call(Call("SubmitTransaction", node_pb2.SubmitTransactionRequest(transaction=tx))))

    def submit_all(self, txs: Iterable[transaction_pb2.Transaction]) -> list[Submitted]:
        """Streams the transactions as fast as the node reads; one answer each, in the order given."""
        txs = list(txs)
        txids = own_txids(txs)
        requests = (node_pb2.SubmitTransactionsRequest(transaction=tx) for tx in txs)
        try:
            answers = list(self._stub.SubmitTransactions(requests, timeout=self.deadline))
        except grpc.RpcError as e:
            raise closed_error() if self.closed else TimeError.from_rpc(e) from None
        return match_answers(txids, answers)

    def masternodes(self, height: int = 0, page_size: int = 0) -> Iterator[registry_pb2.Masternode]:
        return self._pages("ListMasternodes", node_pb2.ListMasternodesRequest(height=height, page_size=page_size),
                           "masternodes", pin_height=True)

    def masternode(self, consensus_key: bytes, height: int = 0) -> registry_pb2.Masternode:
        return self._call(Call("GetMasternode", node_pb2.GetMasternodeRequest(
            consensus_key=consensus_key, height=height))).masternode

    def validator_set(self, height: int = 0) -> certificate_pb2.ValidatorSet:
        """The node's word, for display; the subscription derives the sets it checks with."""
        return self._call(Call("GetValidatorSet", node_pb2.GetValidatorSetRequest(height=height))).validator_set

    def verified_validator_set(self, height: int) -> ValidatorSet:
        """The set that votes at height, derived from the trust root through every set change up
        to it, each checked (docs/sdk.md 4.1): what the subscription checks blocks with."""
        return self._trusted(self._chain.set_at(height))

    def validator_set_changes(self, from_height: int, limit: int = 0) -> node_pb2.GetValidatorSetChangesResponse:
        return self._call(Call("GetValidatorSetChanges", node_pb2.GetValidatorSetChangesRequest(
            from_height=from_height, limit=limit)))

    def evidence(self, from_height: int = 0, page_size: int = 0) -> Iterator[consensus_pb2.EquivocationEvidence]:
        return self._pages("ListEvidence", node_pb2.ListEvidenceRequest(from_height=from_height, page_size=page_size),
                           "evidence")

    def await_final(self, txid: bytes, timeout: float = 60.0) -> int:
        """Waits until the transaction is in a finalized block (the node's word, as GetTransaction
        says; docs/sdk.md 5); returns the block's height. DEADLINE_EXCEEDED at the timeout."""
        return self.run(await_final(txid, timeout))

    def subscribe_finalized(self, from_height: int = 0, timings: Timings = Timings()) -> FinalizedBlocks:
        """Verified finalized blocks from from_height (0: the block after the root), in order, with
        no gap or duplicate across broken connections (docs/sdk.md 4)."""
        return FinalizedBlocks(self, from_height, timings)

    def _pages(self, method: str, request: Message, field: str, pin_height: bool = False) -> Iterator[Any]:
        """A lazy iterator over the pages of a list rpc (docs/sdk.md 3)."""
        token = ""
        while True:
            request.page_token = token  # type: ignore[attr-defined]
            page = self._call(Call(method, request))
            if pin_height and not token:
                request.height = page.height  # type: ignore[attr-defined]  # "next" may move between pages
            yield from getattr(page, field)
            if not page.next_page_token:
                return
            if page.next_page_token == token:
                raise same_token(method)
            token = page.next_page_token


class FinalizedBlocks(Iterator[VerifiedBlock]):
    """The verified, self-resuming subscription as an iterator; close() (or the with block) ends it.

    A block that fails a check is never yielded: the iterator raises TimeError(DATA_LOSS, reason)
    and is done.
    """

    def __init__(self, client: Client, from_height: int, timings: Timings) -> None:
        self._client = client
        self._from = from_height
        self._timings = timings
        self._backoff = Backoff(timings)
        self._cursor: Cursor | None = None
        self._stream: Any = None
        self._watchdog: threading.Timer | None = None
        self._done = False

    def __enter__(self) -> FinalizedBlocks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._done = True
        self._drop()

    def __iter__(self) -> FinalizedBlocks:
        return self

    def __next__(self) -> VerifiedBlock:
        while True:
            if self._done:
                raise StopIteration
            try:
                block = self._step()
            except TimeError as e:
                if self._client.closed:
                    self.close()
                    raise closed_error() from None
                if e.code in RETRIABLE:
                    self._resubscribe_later()
                    continue
                self.close()
                raise
            if block is not None:
                self._backoff.delivered()
                return block

    def _step(self) -> VerifiedBlock | None:
        """One message: a verified block, or None (a keep-alive, a block sent again, a stream ended)."""
        if self._cursor is None:
            self._cursor = self._client._trusted(start_height(self._client._chain, self._from))
        if self._stream is None:
            time.sleep(self._backoff.delay)
            request = node_pb2.SubscribeFinalizedRequest(from_height=self._cursor.next_height)
            self._stream = self._client._stub.SubscribeFinalized(request)
        self._arm_watchdog()
        try:
            message = next(self._stream)
        except StopIteration:  # a node never ends a subscription: resume
            self._resubscribe_later()
            return None
        except grpc.RpcError as e:
            if self._done:
                return None
            raise TimeError.from_rpc(e) from None
        finally:
            self._disarm_watchdog()
        if not message.HasField("block"):
            return None  # a keep-alive
        if message.block.block.header.height < self._cursor.next_height:
            return None  # delivered already, sent again after a resume: dropped
        block = self._client._trusted(verify_block(self._client._chain, self._cursor, message.block))
        self._cursor.delivered(block)
        return block

    def _resubscribe_later(self) -> None:
        self._drop()
        self._backoff.failed()

    def _drop(self) -> None:
        self._disarm_watchdog()
        if self._stream is not None:
            self._stream.cancel()
            self._stream = None

    def _arm_watchdog(self) -> None:
        """A stream silent for the idle time is cancelled, which reads as a retriable CANCELLED."""
        stream = self._stream
        self._watchdog = threading.Timer(self._timings.idle, stream.cancel)
        self._watchdog.daemon = True
        self._watchdog.start()

    def _disarm_watchdog(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
