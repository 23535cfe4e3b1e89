"""Following the chain without trusting the node (docs/protocol.md 8, docs/sdk.md 4.1 and 4.2):
the trust root, the validator sets derived from it, and the checks of every block."""
from __future__ import annotations

import bisect
import logging
import os
from dataclasses import dataclass, field

import grpc

from timecoin import canonical
from timecoin._flow import Call, Flow
from timecoin.consensus import ValidatorSet, check_certificate
from timecoin.errors import TimeError, refused
from timecoin.v1 import block_pb2, node_pb2

LOG = logging.getLogger("timecoin")
#: Changes asked for per GetValidatorSetChanges call.
PAGE = 1_000


@dataclass(frozen=True)
class TrustRoot:
    """A genesis hash (height 0) or a checkpoint (height, block hash) the user pins.

    ``TrustRoot()`` pins nothing: the SDK then trusts the first genesis a node shows it and logs a
    WARNING. That is fine against your own node, not against a stranger's; pin the root the client
    ended up with (``client.trust_root()``) next time.
    """

    height: int = 0
    block_hash: bytes | None = None

    @classmethod
    def genesis(cls, genesis_hash: bytes | str) -> TrustRoot:
        return cls(0, _hash_arg(genesis_hash))

    @classmethod
    def from_genesis_file(cls, path: str | os.PathLike[str]) -> TrustRoot:
        """The genesis hash computed from the chain's genesis.json (block 0 of docs/protocol.md 3)."""
        from timecoin.genesis import load_genesis
        return cls.genesis(load_genesis(path).hash)

    @classmethod
    def checkpoint(cls, height: int, block_hash: bytes | str) -> TrustRoot:
        if height < 1:
            raise ValueError("a checkpoint is a height >= 1; for block 0 use TrustRoot.genesis")
        return cls(height, _hash_arg(block_hash))

    @property
    def pinned(self) -> bool:
        return self.block_hash is not None


def _hash_arg(value: bytes | str) -> bytes:
    b = bytes.fromhex(value) if isinstance(value, str) else bytes(value)
    if len(b) != 32:
        raise ValueError(f"a block hash is 32 bytes, not {len(b)}")
    return b


@dataclass(frozen=True)
class Anchor:
    """The trust root's verified header."""

    height: int
    hash: bytes
    header: block_pb2.BlockHeader

    @property
    def chain_id(self) -> str:
        return self.header.chain_id

    @property
    def root(self) -> TrustRoot:
        return TrustRoot(self.height, self.hash)


@dataclass(frozen=True)
class VerifiedBlock:
    """A finalized block the SDK verified from the trust root."""

    height: int
    hash: bytes
    finalized: node_pb2.FinalizedBlock
    validator_set: ValidatorSet = field(repr=False)

    @property
    def block(self) -> block_pb2.Block:
        return self.finalized.block

    @property
    def txids(self) -> list[bytes]:
        return [canonical.txid(tx) for tx in self.block.body.transactions]


def _hex(b: bytes | None) -> str:
    return b.hex() if b is not None else "none"


def _header_hash(header: block_pb2.BlockHeader) -> bytes:
    try:
        return canonical.block_hash(header)
    except TimeError as e:
        raise refused("MALFORMED", f"block {header.height}: {e.message}") from None


def _decode_set(change: node_pb2.ValidatorSetChange) -> ValidatorSet:
    try:
        return ValidatorSet.of(change.validator_set, change.height)
    except TimeError as e:
        raise refused("MALFORMED", f"the validator set of height {change.height} is unusable: {e.message}") from None


class TrustedChain:
    """What a client knows of its chain: the root's header and set(h) for every h above it.

    Its methods are flows (timecoin._flow); the client runs one at a time (a lock), and every
    subscription of the client shares what it derived.
    """

    def __init__(self, root: TrustRoot) -> None:
        self.root = root
        self.anchor_: Anchor | None = None
        self._heights: list[int] = []  # the heights from which each known set votes, ascending
        self._sets: dict[int, ValidatorSet] = {}
        self._complete = 0  # every change up to this height is known

    def anchor(self) -> Flow[Anchor]:
        if self.anchor_ is None:
            self.anchor_ = yield from (self._genesis() if self.root.height == 0 else self._checkpoint())
        return self.anchor_

    def set_at(self, height: int) -> Flow[ValidatorSet]:
        """set(height), derived from the root through every change up to it."""
        a = yield from self.anchor()
        if height <= a.height:
            raise TimeError(grpc.StatusCode.FAILED_PRECONDITION, "INVALID_ARGUMENT",
                            f"block {height} is at or below the trust root (block {a.height}): it cannot be checked from it")
        while height > self._complete:
            before = self._complete
            yield from self._walk(before)
            if self._complete == before:
                raise TimeError(grpc.StatusCode.UNAVAILABLE, "NOT_SYNCED",
                                f"the node's validator set changes reach only height {before}, not {height}")
        return self._floor(height)

    def next_set(self, certified: block_pb2.BlockHeader, current: ValidatorSet) -> Flow[ValidatorSet]:
        """set(h+1) from the certified header of h (docs/sdk.md 4.1 step 5)."""
        nxt = certified.height + 1
        expected = certified.next_validator_set_hash
        known = self._sets.get(nxt) or (self._floor(nxt) if nxt <= self._complete else None)
        if known is None and expected == current.hash:
            return current
        if known is not None:
            if known.hash != expected:
                raise refused("INVALID_BLOCK", f"block {certified.height} names a next validator set other than "
                                               f"the one derived for height {nxt}")
            return known
        r = yield Call("GetValidatorSetChanges",
                       node_pb2.GetValidatorSetChangesRequest(from_height=certified.height, limit=1))
        if not r.changes or r.changes[0].height != nxt:
            raise refused("INVALID_BLOCK", f"block {certified.height} changes the validator set, but the node "
                                           f"names no change at height {nxt}")
        s = _decode_set(r.changes[0])
        if s.hash != expected:
            raise refused("INVALID_BLOCK", f"the node's validator set of height {nxt} does not match the "
                                           f"next_validator_set_hash of block {certified.height}")
        self._put(nxt, s)
        return s

    # ---- the root

    def _genesis(self) -> Flow[Anchor]:
        r = yield Call("GetValidatorSetChanges", node_pb2.GetValidatorSetChangesRequest(from_height=0, limit=PAGE))
        if (not r.changes or r.changes[0].height != 1 or not r.changes[0].HasField("header")
                or r.changes[0].header.height != 0):
            raise refused("MALFORMED", "the node's first validator set change is not that of height 1")
        first = r.changes[0]
        header = first.header
        h = _header_hash(header)
        if not self.root.pinned:
            LOG.warning("no trust root given: trusting the genesis %s of chain '%s' that the node showed; "
                        "pin it with TrustRoot.genesis(\"%s\")", h.hex(), header.chain_id, h.hex())
        elif h != self.root.block_hash:
            raise refused("GENESIS_MISMATCH", f"the node's genesis is {h.hex()} (chain '{header.chain_id}'), "
                                              f"not the trusted {_hex(self.root.block_hash)}")
        set1 = _decode_set(first)
        if set1.hash != header.next_validator_set_hash:
            raise refused("INVALID_BLOCK", "the node's validator set of height 1 does not match block 0's "
                                           "next_validator_set_hash")
        a = Anchor(0, h, header)
        self.anchor_ = a
        self._put(1, set1)
        self._complete = 1
        self._ingest(a, 1, list(r.changes)[1:], r)
        return a

    def _checkpoint(self) -> Flow[Anchor]:
        c = self.root.height
        got = yield Call("GetBlock", node_pb2.GetBlockRequest(height=c))
        header = got.block.header
        h = _header_hash(header)
        if header.height != c or h != self.root.block_hash:
            raise refused("WRONG_CHAIN", f"the node's block {c} is {h.hex()}, not the pinned checkpoint "
                                         f"{_hex(self.root.block_hash)}")
        answer = yield Call("GetValidatorSet", node_pb2.GetValidatorSetRequest(height=c + 1))
        try:
            nxt = ValidatorSet.of(answer.validator_set, c + 1)
        except TimeError as e:
            raise refused("MALFORMED", f"the node's validator set of height {c + 1}: {e.message}") from None
        if nxt.hash != header.next_validator_set_hash:  # GetValidatorSet is taken only because the pin certifies it
            raise refused("INVALID_BLOCK", f"the node's validator set of height {c + 1} does not match the "
                                           "checkpoint's next_validator_set_hash")
        self._put(c + 1, nxt)
        self._complete = c + 1
        return Anchor(c, h, header)

    # ---- the changes after it

    def _walk(self, start: int) -> Flow[None]:
        """Asks for the changes after start, page after page, until an empty answer."""
        a = self.anchor_
        assert a is not None
        while True:
            r = yield Call("GetValidatorSetChanges",
                           node_pb2.GetValidatorSetChangesRequest(from_height=start, limit=PAGE))
            self._ingest(a, start, list(r.changes), r)
            if not r.changes:
                return
            start = self._complete

    def _ingest(self, a: Anchor, start: int, changes: list[node_pb2.ValidatorSetChange],
                r: node_pb2.GetValidatorSetChangesResponse) -> None:
        last = start
        for change in changes:
            c = change.height
            if c <= last:
                raise refused("MALFORMED", f"the node's validator set changes are not ascending after {start} "
                                           f"({c} after {last})")
            s = self._check_change(a, change)
            held = self._sets.get(c)
            if held is not None and held.hash != s.hash:
                raise refused("INVALID_BLOCK", f"the node's validator set change at height {c} contradicts "
                                               "the certified one")
            self._put(c, s)
            last = c
        # An answer says nothing of what follows its last change (the node stops one at a byte bound
        # as well as at the limit); an empty one covers the node's tip + 1.
        covered = max(last, r.finalized_height + 1) if not changes else last
        self._complete = max(self._complete, covered)

    def _check_change(self, a: Anchor, change: node_pb2.ValidatorSetChange) -> ValidatorSet:
        c = change.height
        what = f"the validator set change at height {c}: "
        if c - 1 <= a.height or not self._heights or self._heights[0] > c - 1:
            raise refused("INVALID_BLOCK", what + "it is not above the trust root + 1")
        previous = self._floor(c - 1)
        header, cert = change.header, change.certificate
        if not change.HasField("header") or not change.HasField("certificate") or header.height != c - 1:
            raise refused("MALFORMED", what + f"it needs the header and certificate of block {c - 1}")
        if header.chain_id != a.chain_id:
            raise refused("WRONG_CHAIN", what + f"its header is of chain '{header.chain_id}'")
        if cert.height != c - 1 or cert.block_hash != _header_hash(header):
            raise refused("INVALID_BLOCK", what + "its certificate is not of its header")
        if header.validator_set_hash != previous.hash:
            raise refused("INVALID_BLOCK", what + f"block {c - 1} is not of the set derived for its height "
                                                  "(a change before it is missing or false)")
        verdict = check_certificate(a.chain_id, cert, previous.validators)
        if verdict.reason is not None:
            raise refused(verdict.reason, what + f"the certificate of block {c - 1}: {verdict.reason}")
        s = _decode_set(change)
        if s.hash != header.next_validator_set_hash:
            raise refused("INVALID_BLOCK", what + f"the set does not match block {c - 1}'s next_validator_set_hash")
        return s

    def _put(self, height: int, s: ValidatorSet) -> None:
        if height not in self._sets:
            bisect.insort(self._heights, height)
        self._sets[height] = s

    def _floor(self, height: int) -> ValidatorSet:
        i = bisect.bisect_right(self._heights, height)
        return self._sets[self._heights[i - 1]]


@dataclass
class Cursor:
    """Where a subscription is: the next height to deliver and what the last delivered block was."""

    next_height: int
    last_hash: bytes | None = None
    last_header: block_pb2.BlockHeader | None = None
    last_set: ValidatorSet | None = None

    def delivered(self, block: VerifiedBlock) -> None:
        self.next_height = block.height + 1
        self.last_hash = block.hash
        self.last_header = block.block.header
        self.last_set = block.validator_set


def start_height(chain: TrustedChain, from_height: int) -> Flow[Cursor]:
    """The cursor of a new subscription; from 0 means the block after the root."""
    a = yield from chain.anchor()
    if from_height == 0 or from_height == a.height + 1:
        return Cursor(a.height + 1, a.hash, None, None)
    return Cursor(from_height)  # above root + 1: the first block is not chained (as Java), only certified


def verify_block(chain: TrustedChain, cursor: Cursor, finalized: node_pb2.FinalizedBlock) -> Flow[VerifiedBlock]:
    """The checks of docs/sdk.md 4.2, in that order; the first failing one names the reason."""
    if not finalized.HasField("block") or not finalized.block.HasField("header") or not finalized.HasField("certificate"):
        raise refused("MALFORMED", "a finalized block without a header or a certificate")  # 1
    block, cert = finalized.block, finalized.certificate
    header = block.header
    h = header.height
    if h != cursor.next_height:  # 2
        raise refused("INVALID_BLOCK", f"expected block {cursor.next_height}, got block {h}")
    try:  # 3
        block_hash = canonical.block_hash(header)
        txids = [canonical.txid(tx) for tx in block.body.transactions]
        wtxids = [canonical.wtxid(tx) for tx in block.body.transactions]
        last_cert_hash = canonical.last_certificate_hash(block.body)
    except TimeError as e:
        raise refused("MALFORMED", f"block {h}: {e.message}") from None
    a = yield from chain.anchor()
    if header.chain_id != a.chain_id:  # 4
        raise refused("WRONG_CHAIN", f"block {h} is of chain '{header.chain_id}', not '{a.chain_id}'")
    if header.tx_root != canonical.merkle_root(txids):  # 5
        raise refused("INVALID_BLOCK", f"block {h}: tx_root does not match its transactions")
    if header.witness_root != canonical.merkle_root(wtxids):  # 6
        raise refused("INVALID_BLOCK", f"block {h}: witness_root does not match its transactions' witnesses")
    if header.last_certificate_hash != last_cert_hash:  # 7
        raise refused("INVALID_BLOCK", f"block {h}: last_certificate_hash does not match its last certificate")
    if cursor.last_hash is not None and header.prev_hash != cursor.last_hash:  # 8
        raise refused("INVALID_BLOCK", f"block {h} does not extend block {h - 1} "
                                       f"(prev_hash {header.prev_hash.hex()}, not {cursor.last_hash.hex()})")
    if cert.height != h or cert.block_hash != block_hash:  # 9
        raise refused("INVALID_BLOCK", f"the certificate of block {h} is for another block")
    if cursor.last_header is not None and cursor.last_set is not None:  # 10
        s = yield from chain.next_set(cursor.last_header, cursor.last_set)
    else:
        s = yield from chain.set_at(h)
    if header.validator_set_hash != s.hash:  # 11
        raise refused("INVALID_BLOCK", f"block {h} is not of the validator set derived for its height")
    verdict = check_certificate(a.chain_id, cert, s.validators)  # 12
    if verdict.reason is not None:
        raise refused(verdict.reason, f"the certificate of block {h}: {verdict.reason}")
    return VerifiedBlock(h, block_hash, finalized, s)
