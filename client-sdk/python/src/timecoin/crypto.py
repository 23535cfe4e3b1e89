"""SHA-256 and Ed25519 under the exact rule of docs/protocol.md 1.1, on libsodium (PyNaCl).

libsodium's crypto_sign_verify_detached already refuses S >= L, a small-order or non-canonical
key, a small-order R (every encoding) and any R other than the canonical encoding of [S]B - [k]A
(cofactorless). It does not check that the key is in the prime-order subgroup: a mixed-order key
passes it whenever the equation holds. So verify() adds rule 3 in full
(crypto_core_ed25519_is_valid_point: canonical, on the curve, not small order, [L]A = identity) and
checks the sizes and S < L itself; tests/test_ed25519.py shows on the 92 cases of v2.json that this
is the rule, and which cases bare libsodium gets wrong.
"""
from __future__ import annotations

import hashlib
import os

import nacl.bindings
import nacl.exceptions

#: The order of the prime-order subgroup.
L = 2**252 + 27742317777372353535851937790883648493
NIL_HASH = bytes(32)


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def new_seed() -> bytes:
    return os.urandom(32)


def public_key(seed: bytes) -> bytes:
    """The RFC 8032 public key of a 32-byte seed."""
    if len(seed) != 32:
        raise ValueError("an Ed25519 seed is 32 bytes")
    pk, _ = nacl.bindings.crypto_sign_seed_keypair(seed)
    return pk


def sign(seed: bytes, message: bytes) -> bytes:
    """Pure Ed25519 (no prehash, no context); deterministic."""
    _, sk = nacl.bindings.crypto_sign_seed_keypair(seed)
    return nacl.bindings.crypto_sign(message, sk)[:64]


def is_valid_public_key(key: bytes) -> bool:
    """Rule 3: a canonical encoding of a curve point of prime order (no small or mixed order)."""
    return len(key) == 32 and bool(nacl.bindings.crypto_core_ed25519_is_valid_point(key))


def libsodium_verify(key: bytes, message: bytes, signature: bytes) -> bool:
    """Bare crypto_sign_verify_detached, without this module's checks (for the corpus test)."""
    if len(key) != 32 or len(signature) != 64:
        return False
    try:
        nacl.bindings.crypto_sign_open(signature + message, key)
        return True
    except nacl.exceptions.BadSignatureError:
        return False


def verify(key: bytes, message: bytes, signature: bytes) -> bool:
    """The exact Ed25519 rule of docs/protocol.md 1.1."""
    if len(key) != 32 or len(signature) != 64:  # rule 1
        return False
    if int.from_bytes(signature[32:], "little") >= L:  # rule 2
        return False
    if not is_valid_public_key(key):  # rule 3: libsodium alone accepts mixed-order keys
        return False
    # Rules 4 and 5: libsodium refuses every small-order R, and its byte comparison with the
    # canonical encoding of [S]B - [k]A refuses a non-canonical or off-curve R.
    return libsodium_verify(key, message, signature)
