"""The asyncio client (grpc.aio): the same calls as timecoin.Client, as coroutines and async iterators."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any, TypeVar

import grpc
import grpc.aio
from google.protobuf.message import Message

from timecoin import canonical
from timecoin._common import (CHANNEL_OPTIONS, DEFAULT_DEADLINE, RETRIABLE, Backoff, Submitted, Timings,
                              check_submitted, closed_error, credentials, match_answers, own_txids, same_token,
                              target_of)
from timecoin._flow import Call, Flow, run_async
from timecoin.errors import TimeError
from timecoin.trust import Cursor, TrustedChain, TrustRoot, VerifiedBlock, start_height, verify_block
from timecoin.wallet import await_final
from timecoin.v1 import certificate_pb2, consensus_pb2, node_pb2, node_pb2_grpc, registry_pb2, transaction_pb2

T = TypeVar("T")

__all__ = ["Client", "FinalizedBlocks"]


class Client:
    """``async with timecoin.aio.Client("127.0.0.1:24101") as client: ...``; options as timecoin.Client."""

    def __init__(self, target: str | int | None = None, *, tls_ca: str | bytes | Path | None = None,
                 deadline: float = DEFAULT_DEADLINE, trust_root: TrustRoot | None = None,
                 channel: grpc.aio.Channel | None = None) -> None:
        if channel is None:
            if target is None:
                raise ValueError("give a target (host:port or a port) or a channel")
            creds = credentials(tls_ca)
            address = target_of(target)
            channel = (grpc.aio.secure_channel(address, creds, CHANNEL_OPTIONS) if creds
                       else grpc.aio.insecure_channel(address, CHANNEL_OPTIONS))
        self._channel = channel
        self._stub = node_pb2_grpc.NodeServiceStub(channel)
        self.deadline = deadline
        self._chain = TrustedChain(trust_root or TrustRoot())
        self._chain_lock = asyncio.Lock()
        self.closed = False

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        self.closed = True
        await self._channel.close()

    async def _call(self, call: Call) -> Any:
        if self.closed:
            raise closed_error()
        try:
            return await getattr(self._stub, call.method)(call.request, timeout=self.deadline)
        except grpc.RpcError as e:
            raise closed_error() if self.closed else TimeError.from_rpc(e) from None

    async def run(self, flow: Flow[T]) -> T:
        return await run_async(flow, self._call)

    async def _trusted(self, flow: Flow[T]) -> T:
        async with self._chain_lock:
            return await run_async(flow, self._call)


    async def chain_id(self) -> str:
        return (await self._trusted(self._chain.anchor())).chain_id

    async def trust_root(self) -> TrustRoot:
        return (await self._trusted(self._chain.anchor())).root

    async def status(self) -> node_pb2.GetStatusResponse:
        return await self._call(Call("GetStatus", node_pb2.GetStatusRequest()))

    async def block(self, height: int) -> node_pb2.GetBlockResponse:
        return await self._call(Call("GetBlock", node_pb2.GetBlockRequest(height=height)))

    async def block_by_hash(self, block_hash: bytes) -> node_pb2.GetBlockResponse:
        return await self._call(Call("GetBlock", node_pb2.GetBlockRequest(hash=block_hash)))

    async def certificate(self, height: int) -> certificate_pb2.FinalityCertificate:
        return (await self._call(Call("GetCertificate", node_pb2.GetCertificateRequest(height=height)))).certificate

    async def transaction(self, txid: bytes) -> node_pb2.GetTransactionResponse:
        return await self._call(Call("GetTransaction", node_pb2.GetTransactionRequest(txid=txid)))

    async def balance(self, address: str) -> node_pb2.GetBalanceResponse:
        return await self._call(Call("GetBalance", node_pb2.GetBalanceRequest(address=address)))

    def list_unspent(self, address: str, page_size: int = 0) -> AsyncIterator[node_pb2.UnspentOutput]:
        return self._pages("ListUnspent", node_pb2.ListUnspentRequest(address=address, page_size=page_size), "outputs")

    def address_transactions(self, address: str, page_size: int = 0) -> AsyncIterator[node_pb2.AddressTransaction]:
        """ListAddressTransactions: what paid to or spent from the address, newest first."""
        return self._pages("ListAddressTransactions",
                           node_pb2.ListAddressTransactionsRequest(address=address, page_size=page_size), "transactions")

    async def submit(self, tx: transaction_pb2.Transaction) -> bytes:
        own = canonical.txid(tx)
        return check_submitted(own, await self._call(
            Call("SubmitTransaction", node_pb2.SubmitTransactionRequest(transaction=tx))))

    async def submit_all(self, txs: Iterable[transaction_pb2.Transaction]) -> list[Submitted]:
        txs = list(txs)
        txids = own_txids(txs)
        call = self._stub.SubmitTransactions((node_pb2.SubmitTransactionsRequest(transaction=tx) for tx in txs),
                                             timeout=self.deadline)
        try:
            answers = [answer async for answer in call]
        except grpc.RpcError as e:
            raise closed_error() if self.closed else TimeError.from_rpc(e) from None
        return match_answers(txids, answers)

    def masternodes(self, height: int = 0, page_size: int = 0) -> AsyncIterator[registry_pb2.Masternode]:
        return self._pages("ListMasternodes", node_pb2.ListMasternodesRequest(height=height, page_size=page_size),
                           "masternodes", pin_height=True)

    async def masternode(self, consensus_key: bytes, height: int = 0) -> registry_pb2.Masternode:
        return (await self._call(Call("GetMasternode", node_pb2.GetMasternodeRequest(
            consensus_key=consensus_key, height=height)))).masternode

    async def validator_set(self, height: int = 0) -> certificate_pb2.ValidatorSet:
        return (await self._call(Call("GetValidatorSet", node_pb2.GetValidatorSetRequest(height=height)))).validator_set

    async def validator_set_changes(self, from_height: int, limit: int = 0) -> node_pb2.GetValidatorSetChangesResponse:
        return await self._call(Call("GetValidatorSetChanges", node_pb2.GetValidatorSetChangesRequest(
            from_height=from_height, limit=limit)))

    def evidence(self, from_height: int = 0, page_size: int = 0) -> AsyncIterator[consensus_pb2.EquivocationEvidence]:
        return self._pages("ListEvidence", node_pb2.ListEvidenceRequest(from_height=from_height, page_size=page_size),
                           "evidence")

    async def await_final(self, txid: bytes, timeout: float = 60.0) -> int:
        return await self.run(await_final(txid, timeout))

    def subscribe_finalized(self, from_height: int = 0, timings: Timings = Timings()) -> FinalizedBlocks:
        return FinalizedBlocks(self, from_height, timings)

    async def _pages(self, method: str, request: Message, field: str, pin_height: bool = False) -> AsyncIterator[Any]:
        token = ""
        while True:
            request.page_token = token  # type: ignore[attr-defined]
            page = await self._call(Call(method, request))
            if pin_height and not token:
                request.height = page.height  # type: ignore[attr-defined]
            for item in getattr(page, field):
                yield item
            if not page.next_page_token:
                return
            if page.next_page_token == token:
                raise same_token(method)
            token = page.next_page_token


class FinalizedBlocks(AsyncIterator[VerifiedBlock]):
    """The verified, self-resuming subscription as an async iterator (``async for block in ...``);
    aclose() or ``async with`` ends it."""

    def __init__(self, client: Client, from_height: int, timings: Timings) -> None:
        self._client = client
        self._from = from_height
        self._timings = timings
        self._backoff = Backoff(timings)
        self._cursor: Cursor | None = None
        self._stream: Any = None
        self._done = False

    async def __aenter__(self) -> FinalizedBlocks:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._done = True
        self._drop()

    def __aiter__(self) -> FinalizedBlocks:
        return self

    async def __anext__(self) -> VerifiedBlock:
        while True:
            if self._done:
                raise StopAsyncIteration
            try:
                block = await self._step()
            except TimeError as e:
                if self._client.closed:
                    await self.aclose()
                    raise closed_error() from None
                if e.code in RETRIABLE:
                    self._resubscribe_later()
                    continue
                await self.aclose()
                raise
            if block is not None:
                self._backoff.delivered()
                return block

    async def _step(self) -> VerifiedBlock | None:
        if self._cursor is None:
            self._cursor = await self._client._trusted(start_height(self._client._chain, self._from))
        if self._stream is None:
            await asyncio.sleep(self._backoff.delay)
            request = node_pb2.SubscribeFinalizedRequest(from_height=self._cursor.next_height)
            self._stream = self._client._stub.SubscribeFinalized(request)
        try:
            message = await asyncio.wait_for(self._stream.read(), self._timings.idle)
        except asyncio.TimeoutError:  # silent for too long: assume the stream is dead
            self._resubscribe_later()
            return None
        except grpc.RpcError as e:
            if self._done:
                return None
            raise TimeError.from_rpc(e) from None
        if message is grpc.aio.EOF:  # a node never ends a subscription: resume
            self._resubscribe_later()
            return None
        if not message.HasField("block"):
            return None
        if message.block.block.header.height < self._cursor.next_height:
            return None
        block = await self._client._trusted(verify_block(self._client._chain, self._cursor, message.block))
        self._cursor.delivered(block)
        return block

    def _resubscribe_later(self) -> None:
        self._drop()
        self._backoff.failed()

    def _drop(self) -> None:
        if self._stream is not None:
            self._stream.cancel()
            self._stream = None
