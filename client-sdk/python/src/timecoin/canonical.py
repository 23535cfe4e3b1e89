"""The canonical bytes and hashes of docs/protocol.md 2: nothing is hashed or signed as protobuf."""
from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from timecoin.crypto import NIL_HASH, sha256
from timecoin.errors import malformed
from timecoin.v1 import block_pb2, certificate_pb2, consensus_pb2, peer_pb2, transaction_pb2

TAG = "TIMECOIN/v2/"
T = TypeVar("T")
Kind = transaction_pb2.TransactionKind
_PAYLOAD_OF_KIND = {Kind.TRANSACTION_KIND_GENESIS: "genesis", Kind.TRANSACTION_KIND_TRANSFER: None,
                    Kind.TRANSACTION_KIND_REGISTER_MASTERNODE: "register_masternode",
                    Kind.TRANSACTION_KIND_DEREGISTER_MASTERNODE: "deregister_masternode",
                    Kind.TRANSACTION_KIND_REWARD: "reward"}


class Writer:
    """Builds one structure: its domain tag, then fields big-endian and fixed-width (2)."""

    def __init__(self, name: str) -> None:
        self._parts: list[bytes] = []
        self.string(TAG + name)

    def u8(self, v: int) -> Writer:
        return self._pack(">B", v, "u8")

    def u32(self, v: int) -> Writer:
        return self._pack(">I", v, "u32")

    def i32(self, v: int) -> Writer:
        return self._pack(">i", v, "i32")

    def u64(self, v: int) -> Writer:
        return self._pack(">Q", v, "u64")

    def fixed(self, b: bytes, size: int, what: str) -> Writer:
        if len(b) != size:  # never padded or cut
            raise malformed(f"{what} is {len(b)} bytes, not {size}")
        self._parts.append(bytes(b))
        return self

    def hash(self, b: bytes, what: str = "hash") -> Writer:
        return self.fixed(b, 32, what)

    def key(self, b: bytes, what: str = "key") -> Writer:
        return self.fixed(b, 32, what)

    def sig(self, b: bytes, what: str = "signature") -> Writer:
        return self.fixed(b, 64, what)

    def addr(self, b: bytes, what: str = "address") -> Writer:
        return self.fixed(b, 20, what)

    def var_bytes(self, b: bytes) -> Writer:
        self.u32(len(b))
        self._parts.append(bytes(b))
        return self

    def string(self, s: str) -> Writer:
        return self.var_bytes(s.encode("utf-8"))

    def list_of(self, items: Sequence[T], write: Callable[[Writer, T], object]) -> Writer:
        self.u32(len(items))
        for item in items:
            write(self, item)
        return self

    def finish(self) -> bytes:
        return b"".join(self._parts)

    def _pack(self, fmt: str, v: int, what: str) -> Writer:
        try:
            self._parts.append(struct.pack(fmt, v))
        except struct.error:
            raise malformed(f"{v} does not fit {what}") from None
        return self


def _ascending(keys: Iterable[bytes], what: str) -> None:
    keys = list(keys)
    if any(a >= b for a, b in zip(keys, keys[1:])):
        raise malformed(f"{what} not strictly ascending by key")


def vote_bytes(v: consensus_pb2.Vote) -> bytes:
    """VOTE; the validator and signature fields are not signed."""
    return (Writer("VOTE").string(v.chain_id).u8(v.type).u64(v.height).u32(v.round)
            .hash(v.block_hash, "block_hash").finish())


def precommit_bytes(chain_id: str, height: int, round_: int, block_hash: bytes) -> bytes:
    """What a certificate signature signs (docs/protocol.md 5.7)."""
    return vote_bytes(consensus_pb2.Vote(chain_id=chain_id, type=consensus_pb2.VOTE_TYPE_PRECOMMIT,
                                         height=height, round=round_, block_hash=block_hash))


def header_bytes(h: block_pb2.BlockHeader) -> bytes:
    return (Writer("HEADER").u32(h.version).string(h.chain_id).u64(h.height).u64(h.timestamp_ms)
            .hash(h.prev_hash, "prev_hash").hash(h.tx_root, "tx_root").hash(h.witness_root, "witness_root")
            .hash(h.last_certificate_hash, "last_certificate_hash")
            .hash(h.validator_set_hash, "validator_set_hash")
            .hash(h.next_validator_set_hash, "next_validator_set_hash").key(h.proposer, "proposer").finish())


def block_hash(h: block_pb2.BlockHeader) -> bytes:
    return sha256(header_bytes(h))


def proposal_bytes(p: consensus_pb2.Proposal) -> bytes:
    """PROPOSAL signs the header (through the block hash), never the body."""
    if not p.HasField("block") or not p.block.HasField("header"):
        raise malformed("a proposal carries its block's header")
    return (Writer("PROPOSAL").string(p.chain_id).u64(p.height).u32(p.round).i32(p.valid_round)
            .hash(block_hash(p.block.header)).finish())


def _outpoint(w: Writer, o: transaction_pb2.OutPoint) -> None:
    w.hash(o.txid, "txid").u32(o.index)


def tx_bytes(tx: transaction_pb2.Transaction) -> bytes:
    """TX: the transaction without its witnesses, so the txid is known before signing."""
    if tx.kind not in _PAYLOAD_OF_KIND:
        raise malformed(f"unknown transaction kind {tx.kind}")
    payload = tx.WhichOneof("payload")
    if payload != _PAYLOAD_OF_KIND[tx.kind]:
        raise malformed(f"payload {payload} does not match kind {Kind.Name(tx.kind)}")
    w = (Writer("TX").u32(tx.version).u8(tx.kind)
         .list_of(tx.inputs, lambda w, i: _outpoint(w, i.outpoint))
         .list_of(tx.outputs, lambda w, o: w.u64(o.amount).addr(o.address)))
    if payload == "genesis":
        w.string(tx.genesis.chain_id).var_bytes(params_bytes(tx.genesis))
    elif payload == "register_masternode":
        p = tx.register_masternode
        _outpoint(w, p.collateral)
        w.key(p.consensus_key, "consensus_key").addr(p.reward_address, "reward_address")
    elif payload == "deregister_masternode":
        w.key(tx.deregister_masternode.consensus_key, "consensus_key")
    elif payload == "reward":
        w.u64(tx.reward.height)
    return w.finish()


def txid(tx: transaction_pb2.Transaction) -> bytes:
    return sha256(tx_bytes(tx))


def _witness(w: Writer, x: transaction_pb2.Witness) -> None:
    w.key(x.public_key, "witness key").sig(x.signature)


def txw_bytes(tx: transaction_pb2.Transaction) -> bytes:
    """TXW: the txid, then every witness (inputs' in input order, then the kind witnesses)."""
    return (Writer("TXW").hash(txid(tx)).list_of(tx.inputs, lambda w, i: _witness(w, i.witness))
            .list_of(tx.kind_witnesses, _witness).finish())


def wtxid(tx: transaction_pb2.Transaction) -> bytes:
    return sha256(txw_bytes(tx))


def txsig_bytes(chain_id: str, tx_id: bytes) -> bytes:
    """What every witness key of a transaction signs."""
    return Writer("TXSIG").string(chain_id).hash(tx_id, "txid").finish()


def params_bytes(g: transaction_pb2.GenesisPayload) -> bytes:
    """PARAMS: a GenesisPayload's chain id, then its ChainParams in field-number order."""
    if not g.HasField("params"):
        raise malformed("a GENESIS payload carries its chain parameters")
    p = g.params
    w = Writer("PARAMS").string(g.chain_id)
    for v in (p.genesis_time_ms, p.block_interval_ms, p.propose_ms, p.propose_delta_ms, p.prepare_ms,
              p.prepare_delta_ms, p.precommit_ms, p.precommit_delta_ms, p.cap_ms):
        w.u64(v)
    return (w.u32(p.max_block_txs).u32(p.max_block_bytes).u32(p.max_tx_bytes).u64(p.min_tx_fee)
            .u32(p.max_validators).u64(p.min_fee_per_byte).u64(p.min_output).u64(p.registration_fee)
            .list_of(p.masternodes, lambda w, m: w.key(m.consensus_key, "consensus_key")
                  .addr(m.owner_address, "owner_address").addr(m.reward_address, "reward_address")
                  .u64(m.collateral)).finish())


def validator_set_bytes(validators: Sequence[certificate_pb2.Validator]) -> bytes:
    """VALSET: (key, weight) strictly ascending by key; a set's height is not encoded."""
    _ascending((v.key for v in validators), "validators")
    return Writer("VALSET").list_of(validators, lambda w, v: w.key(v.key).u64(v.weight)).finish()


def validator_set_hash(validators: Sequence[certificate_pb2.Validator]) -> bytes:
    return sha256(validator_set_bytes(validators))


def certificate_bytes(c: certificate_pb2.FinalityCertificate) -> bytes:
    _ascending((s.validator for s in c.signatures), "certificate signatures")
    return (Writer("CERT").u64(c.height).u32(c.round).hash(c.block_hash, "block_hash")
            .list_of(c.signatures, lambda w, s: w.key(s.validator, "validator").sig(s.signature)).finish())


def certificate_hash(c: certificate_pb2.FinalityCertificate) -> bytes:
    return sha256(certificate_bytes(c))


def last_certificate_hash(body: block_pb2.BlockBody) -> bytes:
    """SHA-256(CERT) of the body's last certificate, or the nil hash when it has none."""
    return certificate_hash(body.last_certificate) if body.HasField("last_certificate") else NIL_HASH


def hello_bytes(h: peer_pb2.Hello) -> bytes:
    """HELLO, signed by the node key in the peer handshake (docs/protocol.md 6)."""
    return (Writer("HELLO").string(h.chain_id).hash(h.genesis_hash, "genesis_hash").u32(h.protocol_version)
            .key(h.node_key, "node_key").u64(h.height).var_bytes(h.nonce).var_bytes(h.peer_nonce).finish())


def proposer_seed_bytes(chain_id: str, height: int, round_: int) -> bytes:
    """PROPOSER: the seed of proposer(h, r) (docs/protocol.md 5.1)."""
    return Writer("PROPOSER").string(chain_id).u64(height).u32(round_).finish()


def merkle_root(ids: Sequence[bytes]) -> bytes:
    """RFC 6962 (docs/protocol.md 2.1): split at the largest power of two below n; none: nil hash."""
    if not ids:
        return NIL_HASH
    if len(ids) == 1:
        return sha256(b"\x00" + ids[0])
    k = 1 << (len(ids) - 1).bit_length() - 1
    return sha256(b"\x01" + merkle_root(ids[:k]) + merkle_root(ids[k:]))
