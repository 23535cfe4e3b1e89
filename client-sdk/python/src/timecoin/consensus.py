"""What a client checks or computes itself: validator sets, certificates (docs/protocol.md 5.7),
proposer(h, r) (5.1), subsidy (4.4) and the required fee (4.3)."""
from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from timecoin.canonical import (certificate_bytes, precommit_bytes, proposer_seed_bytes, tx_bytes, txw_bytes,
                                validator_set_hash)
from timecoin.crypto import NIL_HASH, sha256, verify
from timecoin.errors import TimeError, malformed
from timecoin.v1 import certificate_pb2, transaction_pb2

U64 = 2**64
UNITS_PER_TIME = 100_000_000


@dataclass(frozen=True)
class ValidatorSet:
    """A validator set checked for use: not empty, 32-byte keys strictly ascending, weights > 0."""

    height: int
    validators: tuple[certificate_pb2.Validator, ...]
    hash: bytes

    @classmethod
    def of(cls, proto: certificate_pb2.ValidatorSet, height: int | None = None) -> ValidatorSet:
        members = tuple(proto.validators)
        if not members:
            raise malformed("an empty validator set")
        if any(len(v.key) != 32 for v in members) or any(v.weight == 0 for v in members):
            raise malformed("a validator set with a key not of 32 bytes or a zero weight")
        return cls(proto.height if height is None else height, members, validator_set_hash(members))

    @property
    def total_weight(self) -> int:
        return sum(v.weight for v in self.validators)

    def weight_of(self, key: bytes) -> int | None:
        for v in self.validators:
            if v.key == key:
                return v.weight
        return None


def is_quorum(signed: int, total: int) -> bool:
    """Strictly more than two thirds of the weight: 3S > 2W (docs/protocol.md 4.2)."""
    return 3 * signed > 2 * total


@dataclass(frozen=True)
class CertificateVerdict:
    #: None when the certificate is valid for the set; else MALFORMED, UNKNOWN_VALIDATOR,
    #: BAD_SIGNATURE or NO_QUORUM.
    reason: str | None
    #: The weight of the distinct members whose signature verifies.
    signed_weight: int
    total_weight: int


def check_certificate(chain_id: str, cert: certificate_pb2.FinalityCertificate,
                      validators: Sequence[certificate_pb2.Validator]) -> CertificateVerdict:
    """docs/protocol.md 5.7 in the Java SDK's order: canonical, block hash not nil, then each
    signature in key order (its signer a member, its signature valid over the precommit VOTE; the
    first failing one names the reason), then 3S > 2W."""
    weights = {v.key: v.weight for v in validators}
    total = sum(weights.values())
    try:
        certificate_bytes(cert)  # sizes and strict key order, so no signer twice
    except TimeError as e:
        return CertificateVerdict(e.reason, 0, total)
    if cert.block_hash == NIL_HASH:
        return CertificateVerdict("MALFORMED", 0, total)
    signed_bytes = precommit_bytes(chain_id, cert.height, cert.round, cert.block_hash)
    reason, signed = None, 0
    for s in cert.signatures:
        weight = weights.get(s.validator)
        if weight is None:
            reason = reason or "UNKNOWN_VALIDATOR"
        elif verify(s.validator, signed_bytes, s.signature):
            signed += weight
        else:
            reason = reason or "BAD_SIGNATURE"
    if reason is None and not is_quorum(signed, total):
        reason = "NO_QUORUM"
    return CertificateVerdict(reason, signed, total)


def proposer(chain_id: str, validators: Sequence[certificate_pb2.Validator], height: int, round_: int) -> bytes:
    """proposer(h, r): the first 8 bytes of SHA-256(PROPOSER) mod W, walked through the set in key order."""
    ordered = sorted(validators, key=lambda v: v.key)
    total = sum(v.weight for v in ordered)
    if total == 0:
        raise ValueError("an empty validator set has no proposer")
    x = int.from_bytes(sha256(proposer_seed_bytes(chain_id, height, round_))[:8], "big") % total
    running = 0
    for v in ordered:
        running += v.weight
        if running > x:
            return v.key
    raise AssertionError("unreachable: x < the total weight")


def subsidy(height: int) -> int:
    """subsidy(h) = floor(1e10 x (1 + ln h)) in IEEE doubles, with fdlibm's log as the node's
    StrictMath.log, so that it agrees at every height, not only where libm does."""
    if height < 1:
        raise ValueError("the subsidy starts at height 1")
    return int(1e10 * (1.0 + fdlibm_log(float(height))) // 1)


_LN2_HI, _LN2_LO, _TWO54 = 6.93147180369123816490e-01, 1.90821492927058770002e-10, 1.80143985094819840000e+16
_LG = (6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01, 2.222219843214978396e-01,
       1.818357216161805012e-01, 1.531383769920937332e-01, 1.479819860511658591e-01)


def fdlibm_log(x: float) -> float:
    """fdlibm 5.3's e_log.c (__ieee754_log), operation for operation, for x > 0 and finite."""
    if not x > 0 or x == float("inf"):
        raise ValueError("fdlibm_log takes a positive finite number")
    bits = struct.unpack(">q", struct.pack(">d", x))[0]
    hx, lx = bits >> 32, bits & 0xFFFFFFFF
    k = 0
    if hx < 0x00100000:  # subnormal: scale up
        k -= 54
        x *= _TWO54
        bits = struct.unpack(">q", struct.pack(">d", x))[0]
        hx, lx = bits >> 32, bits & 0xFFFFFFFF
    k += (hx >> 20) - 1023
    hx &= 0x000FFFFF
    i = (hx + 0x95F64) & 0x100000
    x = struct.unpack(">d", struct.pack(">Q", ((hx | (i ^ 0x3FF00000)) << 32) | lx))[0]  # normalize x or x/2
    k += i >> 20
    f = x - 1.0
    dk = float(k)
    if (0x000FFFFF & (2 + hx)) < 3:  # |f| < 2**-20
        if f == 0.0:
            return 0.0 if k == 0 else dk * _LN2_HI + dk * _LN2_LO
        r = f * f * (0.5 - 0.33333333333333333 * f)
        return f - r if k == 0 else dk * _LN2_HI - ((r - dk * _LN2_LO) - f)
    lg1, lg2, lg3, lg4, lg5, lg6, lg7 = _LG
    s = f / (2.0 + f)
    z = s * s
    i = hx - 0x6147A
    w = z * z
    j = 0x6B851 - hx
    t1 = w * (lg2 + w * (lg4 + w * lg6))
    t2 = z * (lg1 + w * (lg3 + w * (lg5 + w * lg7)))
    i |= j
    r = t2 + t1
    if i > 0:
        hfsq = 0.5 * f * f
        if k == 0:
            return f - (hfsq - s * (hfsq + r))
        return dk * _LN2_HI - ((hfsq - (s * (hfsq + r) + dk * _LN2_LO)) - f)
    if k == 0:
        return f - s * (f - r)
    return dk * _LN2_HI - ((s * (f - r) - dk * _LN2_LO) - f)


@dataclass(frozen=True)
class Fees:
    """The fee and dust parameters of ChainParams; the defaults are the node's (docs/protocol.md 3)."""

    min_tx_fee: int = 1_000
    min_fee_per_byte: int = 10
    min_output: int = 10_000
    registration_fee: int = UNITS_PER_TIME

    @classmethod
    def of(cls, params: transaction_pb2.ChainParams) -> Fees:
        return cls(params.min_tx_fee, params.min_fee_per_byte, params.min_output, params.registration_fee)


def tx_size(tx: transaction_pb2.Transaction) -> int:
    """size(tx) = the TX and TXW bytes together: what the per-byte fee prices."""
    return len(tx_bytes(tx)) + len(txw_bytes(tx))


def required_fee(tx: transaction_pb2.Transaction, fees: Fees = Fees()) -> int | None:
    """required(tx) = max(min_tx_fee, min_fee_per_byte x size), at least registration_fee for a
    registration; None when the product passes 2^64 (such a transaction is FEE_TOO_LOW)."""
    per_byte = fees.min_fee_per_byte * tx_size(tx)
    if per_byte >= U64:
        return None
    required = max(fees.min_tx_fee, per_byte)
    if tx.kind == transaction_pb2.TRANSACTION_KIND_REGISTER_MASTERNODE:
        required = max(required, fees.registration_fee)
    return required
