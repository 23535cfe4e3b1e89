"""The NodeService calls of the blocking and the asyncio client against a fake node."""
from __future__ import annotations

import asyncio

import grpc
import pytest

from tests.fake_node import FakeNode, Served, TestChain
from timecoin import Client, TimeError, aio
from timecoin._common import target_of
from timecoin.errors import InsufficientFundsError
from timecoin.v1 import node_pb2, transaction_pb2


@pytest.fixture
def fake() -> FakeNode:
    node = FakeNode(TestChain(tip=5))
    node.unspent = [node_pb2.UnspentOutput(outpoint=transaction_pb2.OutPoint(txid=bytes([i]) * 32, index=i),
                                           output=transaction_pb2.TxOutput(amount=1000 * (i + 1), address=bytes(20)),
                                           height=1) for i in range(5)]
    return node


@pytest.mark.parametrize("given, dialed", [("24101", "127.0.0.1:24101"), (24101, "127.0.0.1:24101"),
                                           ("node.example:7", "node.example:7"), ("[::1]:24101", "[::1]:24101"),
                                           ("dns:///node.example:7", "dns:///node.example:7")])
def test_targets(given: str | int, dialed: str) -> None:
    assert target_of(given) == dialed


@pytest.mark.parametrize("bad", ["localhost", "host:", ":80", "[::1]", "http://127.0.0.1:24101"])
def test_a_target_without_a_port_is_refused(bad: str) -> None:
    with pytest.raises(TimeError) as e:
        target_of(bad)
    assert e.value.reason == "INVALID_ARGUMENT"


def test_calls_and_pages(fake: FakeNode) -> None:
    with Served(fake) as node, Client(node.port) as client:
        status = client.status()
        assert (status.chain_id, status.finalized_height) == ("timecoin-devnet", 5)
        assert client.block(2).block.header.height == 2
        assert len(client.validator_set(1).validators) == 4
        assert [c.height for c in client.validator_set_changes(0).changes] == [1]
        pages = client.list_unspent("timet1anything")
        assert next(pages).output.amount == 1000  # lazily: one page fetched so far
        assert [u.output.amount for u in pages] == [2000, 3000, 4000, 5000]


def test_masternode_pages_keep_the_height_of_the_first(fake: FakeNode) -> None:
    with Served(fake) as node, Client(node.target) as client:
        assert len(list(client.masternodes())) == 4
    assert fake.masternode_heights == [0, 7]  # the first page answered height 7 for "next"


def test_a_node_reporting_another_txid_is_internal(fake: FakeNode) -> None:
    fake.wrong_txid = True
    tx = transaction_pb2.Transaction(version=2, kind=transaction_pb2.TRANSACTION_KIND_TRANSFER)
    with Served(fake) as node, Client(node.target) as client:
        with pytest.raises(TimeError) as e:
            client.submit(tx)
        assert e.value.code == grpc.StatusCode.INTERNAL and "canonical bytes differ" in e.value.message


def test_a_refusal_carries_its_reason(fake: FakeNode) -> None:
    with Served(fake) as node, Client(node.target) as client:
        with pytest.raises(TimeError) as e:
            client.block(99)
        assert (e.value.code, e.value.reason) == (grpc.StatusCode.NOT_FOUND, "NOT_FOUND")
        assert "not final" in e.value.message


def test_a_node_that_gives_back_the_same_page_token_is_refused(fake: FakeNode) -> None:
    fake.ListUnspent = lambda request, context: node_pb2.ListUnspentResponse(  # type: ignore[method-assign]
        outputs=fake.unspent[:1], next_page_token="same")
    with Served(fake) as node, Client(node.target) as client:
        with pytest.raises(TimeError) as e:
            list(client.list_unspent("timet1anything"))
        assert (e.value.code, e.value.reason) == (grpc.StatusCode.INTERNAL, "INVALID_ARGUMENT")


def test_nothing_listening_is_unavailable() -> None:
    with Client("127.0.0.1:1", deadline=2) as client:
        with pytest.raises(TimeError) as e:
            client.status()
        assert e.value.code == grpc.StatusCode.UNAVAILABLE


def test_submit_all_matches_answers_by_txid(fake: FakeNode) -> None:
    txs = [transaction_pb2.Transaction(version=2, kind=transaction_pb2.TRANSACTION_KIND_TRANSFER,
                                       outputs=[transaction_pb2.TxOutput(amount=a, address=bytes(20))])
           for a in (50_000, 5, 60_000)]
    with Served(fake) as node, Client(node.target) as client:
        answers = client.submit_all(txs)
    assert [a.accepted for a in answers] == [True, False, True]  # the node answered in reverse order
    assert answers[1].error.reason == "DUST"


def test_await_final_waits_through_not_found_and_pending(fake: FakeNode) -> None:
    with Served(fake) as node, Client(node.target) as client:
        assert client.await_final(bytes(32), timeout=5) == 7
        fake.tx_lookups, fake.final_after_lookups = 0, 10**9
        with pytest.raises(TimeError) as e:
            client.await_final(bytes(32), timeout=0.6)
        assert e.value.code == grpc.StatusCode.DEADLINE_EXCEEDED and "PENDING" in e.value.message


def test_the_async_client(fake: FakeNode) -> None:
    async def use() -> None:
        async with aio.Client(node.target) as client:
            assert (await client.status()).finalized_height == 5
            assert [u.output.amount async for u in client.list_unspent("timet1anything")] == [1000, 2000, 3000, 4000, 5000]
            with pytest.raises(TimeError) as e:
                await client.block(99)
            assert e.value.reason == "NOT_FOUND"
            assert await client.await_final(bytes(32), timeout=5) == 7

    with Served(fake) as node:
        asyncio.run(use())


def test_insufficient_funds_is_a_time_error() -> None:
    e = InsufficientFundsError(10, 20)
    assert isinstance(e, TimeError) and (e.available, e.required) == (10, 20)
