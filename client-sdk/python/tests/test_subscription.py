"""The verified, self-resuming subscription (docs/sdk.md 4) against a fake node on 127.0.0.1."""
from __future__ import annotations

import asyncio
import itertools

import grpc
import pytest

from tests.fake_node import FakeNode, Served, TestChain, seed, validator_set
from timecoin import Client, TimeError, Timings, TrustRoot, aio, canonical
from timecoin.v1 import certificate_pb2, node_pb2

FAST = Timings(idle=5.0, initial_backoff=0.01, max_backoff=0.05)


def take(blocks, n: int) -> list:
    return list(itertools.islice(blocks, n))


@pytest.fixture
def chain() -> TestChain:
    return TestChain(tip=12, change_at=6)


def test_delivers_every_block_verified_and_chained_across_a_set_change(chain: TestChain) -> None:
    with Served(FakeNode(chain)) as node, Client(node.target, trust_root=TrustRoot.genesis(chain.genesis_hash)) as client:
        with client.subscribe_finalized(timings=FAST) as blocks:
            got = take(blocks, 12)
        assert [b.height for b in got] == list(range(1, 13))
        assert [b.hash for b in got] == [canonical.block_hash(chain.blocks[h].header) for h in range(1, 13)]
        assert got[4].validator_set.hash != got[5].validator_set.hash  # the change at 6 was followed
        assert client.chain_id() == chain.chain_id
        assert client.trust_root() == TrustRoot(0, chain.genesis_hash)


def test_resumes_after_cuts_without_gap_or_duplicate(chain: TestChain) -> None:
    fake = FakeNode(chain)
    fake.cut_after, fake.cuts_left, fake.resend_previous = 3, 3, True
    with Served(fake) as node, Client(node.target, trust_root=TrustRoot.genesis(chain.genesis_hash)) as client:
        with client.subscribe_finalized(timings=FAST) as blocks:
            assert [b.height for b in take(blocks, 12)] == list(range(1, 13))
    assert fake.subscribe_from == [1, 4, 6, 8]  # each resume asks for last + 1 (and gets last again, dropped)


def test_a_silent_stream_is_dropped_and_resumed(chain: TestChain) -> None:
    fake = FakeNode(chain)
    fake.hang_once_after = 4
    with Served(fake) as node, Client(node.target, trust_root=TrustRoot.genesis(chain.genesis_hash)) as client:
        with client.subscribe_finalized(timings=Timings(idle=1.0, initial_backoff=0.01)) as blocks:
            assert [b.height for b in take(blocks, 8)] == list(range(1, 9))
    assert fake.subscribe_from == [1, 5]


def test_a_tampered_block_is_never_delivered_and_ends_the_subscription(chain: TestChain) -> None:
    fake = FakeNode(chain)

    def richer(block: node_pb2.FinalizedBlock) -> None:
        block.block.body.transactions[0].outputs[0].amount += 1  # the header's tx_root no longer matches

    fake.tamper[5] = richer
    with Served(fake) as node, Client(node.target, trust_root=TrustRoot.genesis(chain.genesis_hash)) as client:
        blocks = client.subscribe_finalized(timings=FAST)
        assert [b.height for b in take(blocks, 4)] == [1, 2, 3, 4]
        with pytest.raises(TimeError) as e:
            next(blocks)
        assert (e.value.code, e.value.reason) == (grpc.StatusCode.DATA_LOSS, "INVALID_BLOCK")
        assert "block 5" in e.value.message and "tx_root" in e.value.message
        with pytest.raises(StopIteration):
            next(blocks)


@pytest.mark.parametrize("what, forge, reason", [
    ("set(1) not the one block 0 names", "first", "INVALID_BLOCK"),
    ("set(6) not the one block 5 names", "change", "INVALID_BLOCK"),
    ("a change certified by strangers", "strangers", "UNKNOWN_VALIDATOR"),
    ("a change left out", "omit", "INVALID_BLOCK"),
])
def test_a_forged_validator_set_is_refused(chain: TestChain, what: str, forge: str, reason: str) -> None:
    intruders = validator_set([seed("intruder")], [10_000])

    def forged(changes: list[node_pb2.ValidatorSetChange]) -> list[node_pb2.ValidatorSetChange]:
        if forge == "first":
            changes[0].validator_set.CopyFrom(certificate_pb2.ValidatorSet(height=1, validators=intruders))
        elif forge == "change":
            changes[1].validator_set.CopyFrom(certificate_pb2.ValidatorSet(height=6, validators=intruders))
        elif forge == "strangers":
            chain.seed_of[intruders[0].key] = seed("intruder")
            changes[1].certificate.CopyFrom(chain.certify(changes[1].header, signers=intruders))
        elif forge == "omit":
            del changes[1]
        return changes

    fake = FakeNode(chain)
    fake.changes_override = forged
    with Served(fake) as node, Client(node.target, trust_root=TrustRoot.genesis(chain.genesis_hash)) as client:
        blocks = client.subscribe_finalized(from_height=7, timings=FAST)  # set(7) must be walked from the root
        with pytest.raises(TimeError) as e:
            next(blocks)
        assert (e.value.code, e.value.reason) == (grpc.StatusCode.DATA_LOSS, reason), what


def test_another_genesis_is_refused(chain: TestChain) -> None:
    other = TestChain(tip=3, chain_id="timecoin-other")
    with Served(FakeNode(other)) as node, Client(node.target, trust_root=TrustRoot.genesis(chain.genesis_hash)) as client:
        with pytest.raises(TimeError) as e:
            next(client.subscribe_finalized(timings=FAST))
        assert (e.value.code, e.value.reason) == (grpc.StatusCode.DATA_LOSS, "GENESIS_MISMATCH")


def test_no_root_trusts_the_first_genesis_and_warns(chain: TestChain, caplog: pytest.LogCaptureFixture) -> None:
    with Served(FakeNode(chain)) as node, Client(node.target) as client:
        assert next(client.subscribe_finalized(timings=FAST)).height == 1
        assert client.trust_root() == TrustRoot.genesis(chain.genesis_hash)
    assert "no trust root given" in caplog.text and chain.genesis_hash.hex() in caplog.text


def test_checkpoint_root(chain: TestChain) -> None:
    root = TrustRoot.checkpoint(4, canonical.block_hash(chain.blocks[4].header))
    with Served(FakeNode(chain)) as node, Client(node.target, trust_root=root) as client:
        assert [b.height for b in take(client.subscribe_finalized(timings=FAST), 4)] == [5, 6, 7, 8]
        with pytest.raises(TimeError) as e:
            next(client.subscribe_finalized(from_height=3, timings=FAST))
        assert (e.value.code, e.value.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "INVALID_ARGUMENT")
    wrong = TrustRoot.checkpoint(4, bytes(32))
    with Served(FakeNode(chain)) as node, Client(node.target, trust_root=wrong) as client:
        with pytest.raises(TimeError) as e:
            next(client.subscribe_finalized(timings=FAST))
        assert e.value.reason == "WRONG_CHAIN"


def test_a_certificate_without_quorum_is_refused(chain: TestChain) -> None:
    fake = FakeNode(chain)

    def thin(block: node_pb2.FinalizedBlock) -> None:
        del block.certificate.signatures[1:]

    fake.tamper[3] = thin
    with Served(fake) as node, Client(node.target, trust_root=TrustRoot.genesis(chain.genesis_hash)) as client:
        blocks = client.subscribe_finalized(timings=FAST)
        assert [b.height for b in take(blocks, 2)] == [1, 2]
        with pytest.raises(TimeError) as e:
            next(blocks)
        assert e.value.reason == "NO_QUORUM"


def test_closing_the_client_ends_the_subscription_cancelled(chain: TestChain) -> None:
    with Served(FakeNode(chain)) as node:
        client = Client(node.target, trust_root=TrustRoot.genesis(chain.genesis_hash))
        blocks = client.subscribe_finalized(timings=FAST)
        next(blocks)
        client.close()
        with pytest.raises(TimeError) as e:
            take(blocks, 20)
        assert e.value.code == grpc.StatusCode.CANCELLED


def test_async_subscription_resumes_and_refuses_a_tampered_block(chain: TestChain) -> None:
    fake = FakeNode(chain)
    fake.cut_after, fake.cuts_left, fake.resend_previous = 4, 2, True
    fake.tamper[11] = lambda b: b.block.header.__setattr__("timestamp_ms", 1)  # the certificate no longer matches

    async def follow() -> tuple[list[int], TimeError]:
        async with aio.Client(node.target, trust_root=TrustRoot.genesis(chain.genesis_hash)) as client:
            heights: list[int] = []
            try:
                async with client.subscribe_finalized(timings=FAST) as blocks:
                    async for b in blocks:
                        heights.append(b.height)
            except TimeError as e:
                return heights, e
            raise AssertionError("the subscription ended without the tampered block's error")

    with Served(fake) as node:
        heights, error = asyncio.run(follow())
    assert heights == list(range(1, 11))
    assert (error.code, error.reason) == (grpc.StatusCode.DATA_LOSS, "INVALID_BLOCK")
    assert fake.subscribe_from == [1, 5, 8]  # 4 then 5..7 on the second stream
