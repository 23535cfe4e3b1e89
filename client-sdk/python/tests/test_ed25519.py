"""The exact Ed25519 rule (docs/protocol.md 1.1) on libsodium: the 92 cases of v2.json, and what
libsodium's crypto_sign_verify_detached alone would say on them."""
from __future__ import annotations

import hashlib
import importlib.util
import random

import pytest

from tests.vectors import DOC, VECTORS, raw
from timecoin import crypto

CASES = DOC["ed25519"]
#: The cases bare libsodium accepts and the rule refuses: keys of mixed order (a prime-order point
#: plus a small-order one), for which the cofactorless equation can still hold. libsodium refuses
#: small-order keys but does not test [L]A = identity; crypto.verify adds that test.
LIBSODIUM_ACCEPTS_WRONGLY = {"mixed-order-A/order2", "mixed-order-A/order4/x-even", "mixed-order-A/order4/x-odd",
                             "mixed-order-A/order8/a-even", "mixed-order-A/order8/a-odd",
                             "mixed-order-A/order8/b-even", "mixed-order-A/order8/b-odd", "speccheck/3"}


def test_the_corpus_has_92_cases() -> None:
    assert len(CASES) == 92


@pytest.mark.parametrize("c", CASES, ids=lambda c: c["name"])
def test_verdict(c: dict) -> None:
    assert crypto.verify(raw(c["public_key"]), raw(c["message"]), raw(c["signature"])) == c["valid"]


def test_where_bare_libsodium_differs_from_the_rule() -> None:
    differs = {c["name"] for c in CASES
               if crypto.libsodium_verify(raw(c["public_key"]), raw(c["message"]), raw(c["signature"])) != c["valid"]}
    assert differs == LIBSODIUM_ACCEPTS_WRONGLY
    for c in CASES:
        if c["name"] in differs:  # every difference is a key the prime-order test refuses
            assert not crypto.is_valid_public_key(raw(c["public_key"]))
    # and libsodium never refuses what the rule accepts (docs/protocol.md 1.1, "Why exactly this")
    assert all(crypto.libsodium_verify(raw(c["public_key"]), raw(c["message"]), raw(c["signature"]))
               for c in CASES if c["valid"])


def _reference_rule():
    """proto/testvectors/ed25519_rule.py: the rule in plain Python, independent of libsodium."""
    spec = importlib.util.spec_from_file_location("ed25519_rule", VECTORS / "ed25519_rule.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_agrees_with_the_reference_rule_on_crafted_signatures() -> None:
    """Valid signatures, S + L, mixed-order keys whose equation holds, small-order R: each
    judged by crypto.verify and by the reference implementation."""
    rule = _reference_rule()
    rng = random.Random(7)
    order2 = (0, rule.P - 1, 1, 0)  # (0, -1), the point of order 2
    base = rule.decode(bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666"))
    small_r = [rule.encode(order2), (1).to_bytes(32, "little")]
    checked = 0
    for n in range(24):
        seed = rng.randbytes(32)
        msg = rng.randbytes(n)
        pk, sig = crypto.public_key(seed), crypto.sign(seed, msg)
        s = int.from_bytes(sig[32:], "little")
        a = int.from_bytes(hashlib.sha512(seed).digest()[:32], "little") & ((1 << 254) - 8) | (1 << 254)
        mixed = rule.encode(rule.add(rule.mul(a, base), order2))
        r = n + 1
        r_bytes = rule.encode(rule.mul(r, base))
        k = int.from_bytes(hashlib.sha512(r_bytes + mixed + msg).digest(), "little") % rule.L
        forged = r_bytes + ((r + k * a) % rule.L).to_bytes(32, "little")  # holds when k is even
        for key, m, signature in [(pk, msg, sig), (pk, msg + b"x", sig),
                                  (pk, msg, sig[:32] + (s + rule.L).to_bytes(32, "little")),
                                  (mixed, msg, forged), (pk, msg, small_r[n % 2] + sig[32:])]:
            assert crypto.verify(key, m, signature) == rule.verify(key, m, signature)
            checked += 1
    assert checked == 120
