"""The wallet: key files in the node's format, coin selection, the exact fee, paying through a node."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

import grpc
import pytest

from tests.fake_node import FakeNode, Served, TestChain
from timecoin import Client, Fees, KeyFileError, TimeError, TrustRoot, Wallet, aio, canonical, crypto
from timecoin.consensus import required_fee
from timecoin.errors import InsufficientFundsError
from timecoin.v1 import node_pb2, transaction_pb2

CHAIN = "timecoin-devnet"
ALICE = Wallet.from_seed(crypto.sha256(b"alice"))
BOB = Wallet.from_seed(crypto.sha256(b"bob"))


def coins(*amounts: int) -> list[node_pb2.UnspentOutput]:
    return [node_pb2.UnspentOutput(outpoint=transaction_pb2.OutPoint(txid=bytes([i + 1]) * 32, index=i),
                                   output=transaction_pb2.TxOutput(amount=a, address=ALICE.address_bytes), height=1)
            for i, a in enumerate(amounts)]


def fee_of(tx: transaction_pb2.Transaction, spent: list[node_pb2.UnspentOutput]) -> int:
    by_outpoint = {(c.outpoint.txid, c.outpoint.index): c.output.amount for c in spent}
    return sum(by_outpoint[(i.outpoint.txid, i.outpoint.index)] for i in tx.inputs) - sum(o.amount for o in tx.outputs)


def test_key_file_round_trip(tmp_path: Path) -> None:
    w = Wallet.generate()
    path = tmp_path / "keys" / "me.key"
    w.to_key_file(path)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert Wallet.from_key_file(path) == w
    text = path.read_text()
    assert text.startswith("# timed Ed25519 key.") and f"public_key={w.public_key.hex()}\n" in text
    with pytest.raises(KeyFileError, match="already there"):
        w.to_key_file(path)


@pytest.mark.parametrize("content, message", [
    ("type=ed25519\npublic_key={pk}\nseed={seed}\nseed={seed}\n", "repeated"),
    ("type=ed25519\npublic_key={pk}\nseed\n", "malformed line"),
    ("type=rsa\npublic_key={pk}\nseed={seed}\n", "not an ed25519"),
    ("type=ed25519\npublic_key={pk}\nseed=00\n", "64 hex digits"),
    ("type=ed25519\npublic_key={other}\nseed={seed}\n", "damaged"),
])
def test_key_file_refusals(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.key"
    path.write_text(content.format(pk=ALICE.public_key.hex().upper(), seed=ALICE.seed.hex(), other=BOB.public_key.hex()))
    path.chmod(0o600)
    with pytest.raises(KeyFileError, match=message):
        Wallet.from_key_file(path)


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "open.key"
    ALICE.to_key_file(path)
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        Wallet.from_key_file(path)


def test_largest_coins_first_exact_fee_and_change() -> None:
    spent = coins(30_000, 2_000_000, 1_000_000, 2_000_000)
    tx = ALICE.build_transfer(spent, BOB.address_bytes, 2_500_000, CHAIN)
    # the two 2,000,000 coins (ties by txid), not three
    assert [i.outpoint.index for i in tx.inputs] == [1, 3]
    assert [o.address for o in tx.outputs] == [BOB.address_bytes, ALICE.address_bytes]
    assert fee_of(tx, spent) == required_fee(tx) == 10 * (len(canonical.tx_bytes(tx)) + len(canonical.txw_bytes(tx)))
    signed = canonical.txsig_bytes(CHAIN, canonical.txid(tx))
    assert all(crypto.verify(i.witness.public_key, signed, i.witness.signature) for i in tx.inputs)


def test_dust_change_goes_to_the_fee() -> None:
    spent = coins(1_005_000)
    tx = ALICE.build_transfer(spent, BOB.address_bytes, 1_000_000, CHAIN)
    assert len(tx.outputs) == 1 and fee_of(tx, spent) == 5_000 > required_fee(tx)


def test_a_requested_fee_above_the_required_one_is_paid() -> None:
    spent = coins(5_000_000)
    tx = ALICE.build_transfer(spent, BOB.address_bytes, 1_000_000, CHAIN, fee=50_000)
    assert fee_of(tx, spent) == 50_000


def test_refusals_before_any_call() -> None:
    with pytest.raises(InsufficientFundsError) as e:
        ALICE.build_transfer(coins(10_000, 20_000), BOB.address_bytes, 30_000, CHAIN)
    assert e.value.available == 30_000 and e.value.required > 30_000
    with pytest.raises(TimeError) as dust:
        ALICE.build_transfer(coins(10**9), BOB.address_bytes, 9_999, CHAIN)
    assert dust.value.reason == "DUST"
    with pytest.raises(TimeError) as zero:
        ALICE.build_transfer(coins(10**9), BOB.address_bytes, 0, CHAIN)
    assert zero.value.reason == "ZERO_OUTPUT"
    with pytest.raises(TimeError):
        ALICE.build_transfer(coins(10**9), BOB.address_bytes, 10**6, CHAIN, fee=-1)


def test_transfer_through_a_node() -> None:
    chain = TestChain(tip=3)
    fake = FakeNode(chain)
    fake.unspent = coins(700_000, 900_000, 800_000)
    root = TrustRoot.genesis(chain.genesis_hash)
    with Served(fake) as node, Client(node.target, trust_root=root) as client:
        txid = ALICE.transfer(client, BOB.address(CHAIN), 1_500_000)
        assert txid == canonical.txid(fake.submitted[0])
        assert fee_of(fake.submitted[0], fake.unspent) == required_fee(fake.submitted[0])
        with pytest.raises(TimeError) as e:
            ALICE.transfer(client, BOB.address("timecoin-mainnet"), 1_500_000)
        assert e.value.reason == "INVALID_ARGUMENT"
        fake.submit_refusal = (grpc.StatusCode.FAILED_PRECONDITION, "ALREADY_SPENT")
        with pytest.raises(TimeError) as e:
            ALICE.transfer(client, BOB.address(CHAIN), 1_500_000)
        assert (e.value.code, e.value.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "ALREADY_SPENT")

    fake.submit_refusal = None

    async def pay() -> bytes:
        async with aio.Client(node.target, trust_root=root) as client:
            return await ALICE.transfer_async(client, BOB.address(CHAIN), 20_000, fees=Fees(min_tx_fee=5_000))

    with Served(fake) as node:
        txid = asyncio.run(pay())
    assert txid == canonical.txid(fake.submitted[-1])
    assert fee_of(fake.submitted[-1], fake.unspent) == 5_000
