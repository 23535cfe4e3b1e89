#!/usr/bin/env python3
"""Independent check of the "ed25519" test vectors against the one exact Ed25519 rule
(docs/protocol.md 1.1), standard library only.

Valid iff: 64-byte signature; S < L; A a canonical encoding (y < p, no sign bit on x = 0) of a
point in the prime-order subgroup; R a canonical encoding of a point not of small order; and
encode([S]B - [k]A) == R's bytes, k = SHA-512(R || A || M) mod L (cofactorless).

    python3 proto/testvectors/ed25519_rule.py [file]   (default: v2.json beside this script)
"""
import hashlib
import json
import os
import sys

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
IDENTITY = (0, 1, 1, 0)


def add(p, q):
    """Extended coordinates (X, Y, Z, T), a = -1 (Hisil et al. 2008)."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * D * t1 * t2 % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def mul(s, p):
    q = IDENTITY
    for bit in bin(s)[2:] if s else "":
        q = add(q, q)
        if bit == "1":
            q = add(q, p)
    return q


def neg(p):
    x, y, z, t = p
    return (-x % P, y, z, -t % P)


def is_identity(p):
    x, y, z, _ = p
    return x % P == 0 and (y - z) % P == 0


def encode(p):
    x, y, z, _ = p
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def decode(s):
    """Strict: y < p, on the curve, and no sign bit on x = 0. None otherwise."""
    if len(s) != 32:
        return None
    v = int.from_bytes(s, "little")
    sign, y = v >> 255, v & ((1 << 255) - 1)
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


def small_order(p):
    return is_identity(mul(8, p))


def verify(public_key, message, signature):
    if len(signature) != 64:
        return False
    r_bytes, s = signature[:32], int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    a = decode(public_key)
    if a is None or small_order(a) or not is_identity(mul(L, a)):
        return False
    r = decode(r_bytes)
    if r is None or small_order(r):
        return False
    k = int.from_bytes(hashlib.sha512(r_bytes + public_key + message).digest(), "little") % L
    base = decode(bytes.fromhex("5866666666666666666666666666666666666666666666666666666666666666"))
    return encode(add(mul(s, base), neg(mul(k, a)))) == r_bytes


def check(cases):
    """Asserts the rule's verdict on every case ({name, public_key, message, signature, valid})."""
    wrong = []
    for c in cases:
        got = verify(bytes.fromhex(c["public_key"]), bytes.fromhex(c["message"]), bytes.fromhex(c["signature"]))
        if got != c["valid"]:
            wrong.append("%s: expected %s, the rule says %s" % (c["name"], c["valid"], got))
    assert not wrong, "\n".join(wrong)
    return len(cases)


if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "v2.json")
    with open(path, encoding="utf-8") as f:
        cases = json.load(f)["ed25519"]
    print("ed25519: %d cases, every verdict reproduced" % check(cases))
