"""The wallet (docs/sdk.md 5): one Ed25519 key, key files in the node's format, coin selection,
a signed TRANSFER with the exact fee, and waiting until a transaction is final."""
from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import grpc

from timecoin import canonical, crypto
from timecoin._flow import Call, Flow, Now, Sleep
from timecoin.address import address_bytes, address_of, decode_address
from timecoin.consensus import U64, Fees, required_fee
from timecoin.errors import InsufficientFundsError, TimeError, invalid_argument
from timecoin.v1 import node_pb2, transaction_pb2

if TYPE_CHECKING:
    from timecoin import aio
    from timecoin.client import Client

_KEY_FILE_HEADER = "# timed Ed25519 key. Keep it secret: whoever holds it signs as this validator.\n"
#: A witness before signing: what its 96 bytes of TXW weigh in the fee.
_PLACEHOLDER = transaction_pb2.Witness(public_key=bytes(32), signature=bytes(64))
POLL_SECONDS = 0.25


class KeyFileError(TimeError):
    """A key file that must not be used: malformed, damaged, or readable by others."""

    def __init__(self, message: str) -> None:
        super().__init__(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", message)


@dataclass(frozen=True)
class Wallet:
    seed: bytes = field(repr=False)
    public_key: bytes

    @classmethod
    def generate(cls) -> Wallet:
        return cls.from_seed(crypto.new_seed())

    @classmethod
    def from_seed(cls, seed: bytes) -> Wallet:
        return cls(bytes(seed), crypto.public_key(seed))

    @classmethod
    def from_key_file(cls, path: str | os.PathLike[str]) -> Wallet:
        """Reads a key file as `timed keygen` writes it; refuses one others may read or write."""
        path = Path(path)
        if not path.exists():
            raise KeyFileError(f"no key file at {path} (create one with 'timed keygen')")
        if os.name == "posix" and stat.S_IMODE(path.stat().st_mode) & 0o077:
            raise KeyFileError(f"{path} is accessible by others (mode {stat.S_IMODE(path.stat().st_mode):o}); "
                               f"refusing to use it. If no one else has read it, run: chmod 600 {path}; "
                               "otherwise make a new key.")
        fields: dict[str, str] = {}
        for line in path.read_bytes().decode("ascii").split("\n"):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, eq, value = line.partition("=")
            if not eq or name.strip() in fields:
                raise KeyFileError(f"{path}: malformed line or repeated field: {name.strip()}")
            fields[name.strip()] = value.strip()
        if fields.get("type") != "ed25519":
            raise KeyFileError(f"{path}: not an ed25519 key file (type={fields.get('type')})")
        seed_hex = fields.get("seed", "")
        if len(seed_hex) != 64 or any(c not in "0123456789abcdefABCDEF" for c in seed_hex):
            raise KeyFileError(f"{path}: the seed is not 64 hex digits")
        wallet = cls.from_seed(bytes.fromhex(seed_hex))
        if wallet.public_key.hex() != fields.get("public_key", "").lower():
            raise KeyFileError(f"{path}: public_key does not match the seed; the file is damaged")
        return wallet

    def to_key_file(self, path: str | os.PathLike[str]) -> None:
        """Writes a new key file, mode 0600 from the start, durably; never overwrites one."""
        path = Path(path).absolute()
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            raise KeyFileError(f"{path}: a key file is already there; move it away first if you really mean to replace it")
        text = f"{_KEY_FILE_HEADER}type=ed25519\npublic_key={self.public_key.hex()}\nseed={self.seed.hex()}\n"
        tmp = path.with_name(path.name + ".tmp")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, text.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    @property
    def address_bytes(self) -> bytes:
        return address_bytes(self.public_key)

    def address(self, chain_id: str) -> str:
        return address_of(self.public_key, chain_id)

    def sign(self, tx: transaction_pb2.Transaction, chain_id: str) -> transaction_pb2.Transaction:
        """Signs every input with this key over TXSIG(chain_id, txid); returns a signed copy."""
        signed = transaction_pb2.Transaction()
        signed.CopyFrom(tx)
        signature = crypto.sign(self.seed, canonical.txsig_bytes(chain_id, canonical.txid(tx)))
        for i in signed.inputs:
            i.witness.CopyFrom(transaction_pb2.Witness(public_key=self.public_key, signature=signature))
        return signed

    def build_transfer(self, coins: Sequence[node_pb2.UnspentOutput], to: bytes, amount: int, chain_id: str,
                       fee: int = 0, fees: Fees = Fees()) -> transaction_pb2.Transaction:
        """A signed TRANSFER of amount to the 20-byte address, paid from these coins (docs/sdk.md 5)."""
        _check_amounts(amount, fee, fees)
        if len(to) != 20:
            raise invalid_argument(f"an address is 20 bytes, not {len(to)}")
        ordered = sorted(coins, key=lambda c: (-c.output.amount, c.outpoint.txid, c.outpoint.index))
        selected: list[node_pb2.UnspentOutput] = []
        total = 0
        for coin in ordered:
            selected.append(coin)
            total += coin.output.amount
            without_change = _unsigned(selected, [(amount, to)])
            need = amount + _fee(without_change, fee, fees)
            if total >= need:
                break
        else:
            need = amount + (_fee(_unsigned(selected, [(amount, to)]), fee, fees) if selected else fee or fees.min_tx_fee)
            raise InsufficientFundsError(total, need)
        with_change = _unsigned(selected, [(amount, to), (0, self.address_bytes)])
        change = total - amount - _fee(with_change, fee, fees)
        if change > 0 and change >= fees.min_output:
            with_change.outputs[1].amount = change
            tx = with_change
        else:
            tx = without_change  # the remainder, too small for an output, goes to the fee
        return self.sign(tx, chain_id)

    # ---- paying through a client

    def transfer(self, client: Client, to: str, amount: int, fee: int = 0, fees: Fees = Fees()) -> bytes:
        """Builds, signs and submits a transfer; returns its txid. Blocking client."""
        _check_amounts(amount, fee, fees)
        chain_id = client.chain_id()
        return client.run(self._pay(chain_id, decode_address(to, chain_id), amount, fee, fees))

    async def transfer_async(self, client: aio.Client, to: str, amount: int, fee: int = 0,
                             fees: Fees = Fees()) -> bytes:
        """transfer() through the asyncio client."""
        _check_amounts(amount, fee, fees)
        chain_id = await client.chain_id()
        return await client.run(self._pay(chain_id, decode_address(to, chain_id), amount, fee, fees))

    def _pay(self, chain_id: str, to: bytes, amount: int, fee: int, fees: Fees) -> Flow[bytes]:
        coins = yield from unspent(address_of(self.public_key, chain_id))
        tx = self.build_transfer(coins, to, amount, chain_id, fee, fees)
        own = canonical.txid(tx)
        answer = yield Call("SubmitTransaction", node_pb2.SubmitTransactionRequest(transaction=tx))
        if answer.txid != own:
            raise TimeError(grpc.StatusCode.INTERNAL, "UNSPECIFIED",
                            f"the node answered txid {answer.txid.hex()}, not {own.hex()}: its canonical bytes differ")
        return own


def _check_amounts(amount: int, fee: int, fees: Fees) -> None:
    if amount <= 0:
        raise TimeError(grpc.StatusCode.INVALID_ARGUMENT, "ZERO_OUTPUT", f"the amount must be positive, not {amount}")
    if amount < fees.min_output:
        raise TimeError(grpc.StatusCode.INVALID_ARGUMENT, "DUST",
                        f"{amount} units is below the chain's min_output of {fees.min_output}")
    if amount >= U64 or fee < 0 or fee >= U64:
        raise invalid_argument(f"an amount of {amount} and a fee of {fee} are not u64 values (the fee >= 0)")


def _unsigned(coins: Sequence[node_pb2.UnspentOutput], outputs: Sequence[tuple[int, bytes]]) -> transaction_pb2.Transaction:
    return transaction_pb2.Transaction(
        version=2, kind=transaction_pb2.TRANSACTION_KIND_TRANSFER,
        inputs=[transaction_pb2.TxInput(outpoint=c.outpoint, witness=_PLACEHOLDER) for c in coins],
        outputs=[transaction_pb2.TxOutput(amount=a, address=addr) for a, addr in outputs])


def _fee(tx: transaction_pb2.Transaction, requested: int, fees: Fees) -> int:
    """max(required(tx), the requested fee), on the unsigned transaction with 96 bytes a witness."""
    required = required_fee(tx, fees)
    if required is None:
        raise TimeError(grpc.StatusCode.INVALID_ARGUMENT, "FEE_TOO_LOW", "the required fee passes 2^64: it cannot be paid")
    return max(required, requested)


def unspent(address: str) -> Flow[list[node_pb2.UnspentOutput]]:
    """Every finalized unspent output of the address, page after page."""
    coins: list[node_pb2.UnspentOutput] = []
    token = ""
    while True:
        page = yield Call("ListUnspent", node_pb2.ListUnspentRequest(address=address, page_token=token))
        coins.extend(page.outputs)
        if not page.next_page_token:
            return coins
        if page.next_page_token == token:
            raise TimeError(grpc.StatusCode.INTERNAL, "INVALID_ARGUMENT",
                            "ListUnspent: the node answered with the page token it was given")
        token = page.next_page_token


def await_final(txid: bytes, timeout: float) -> Flow[int]:
    """Polls GetTransaction every 250 ms until FINALIZED; returns the block height. NOT_FOUND (not
    relayed yet) and UNAVAILABLE are waited through; at the timeout, DEADLINE_EXCEEDED."""
    start = yield Now()
    last = "not seen"
    while True:
        try:
            answer = yield Call("GetTransaction", node_pb2.GetTransactionRequest(txid=txid))
            if answer.status == node_pb2.TRANSACTION_STATUS_FINALIZED:
                return answer.block_height
            last = node_pb2.TransactionStatus.Name(answer.status)
        except TimeError as e:
            if e.code not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAVAILABLE):
                raise
            last = e.code.name
        now = yield Now()
        if now - start >= timeout:
            raise TimeError(grpc.StatusCode.DEADLINE_EXCEEDED, "UNSPECIFIED",
                            f"transaction {txid.hex()} not final within {timeout:g} s (last seen: {last})")
        yield Sleep(min(POLL_SECONDS, max(0.0, timeout - (now - start))))
