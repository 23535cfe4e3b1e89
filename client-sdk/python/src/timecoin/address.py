"""Addresses: the first 20 bytes of SHA-256(public key) as bech32m (docs/protocol.md 1, BIP-350)."""
from __future__ import annotations

from timecoin.crypto import sha256
from timecoin.errors import invalid_argument

MAINNET = "timecoin-mainnet"
_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32M = 0x2BC830A3
_GENERATOR = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def hrp(chain_id: str) -> str:
    """`time` on timecoin-mainnet, `timet` on every other chain."""
    return "time" if chain_id == MAINNET else "timet"


def address_bytes(public_key: bytes) -> bytes:
    return sha256(public_key)[:20]


def encode_address(address: bytes, chain_id: str) -> str:
    """The bech32m string of a 20-byte address (no witness version)."""
    if len(address) != 20:
        raise invalid_argument(f"an address is 20 bytes, not {len(address)}")
    return bech32m_encode(hrp(chain_id), _to_5_bits(address))


def address_of(public_key: bytes, chain_id: str) -> str:
    return encode_address(address_bytes(public_key), chain_id)


def decode_address(text: str, chain_id: str) -> bytes:
    """The 20 bytes of an address of this chain; refuses mixed case, another prefix, a bad checksum."""
    decoded = bech32m_decode(text)
    if decoded is None:
        raise invalid_argument(f"not a bech32m address: {text!r}")
    prefix, data = decoded
    if prefix != hrp(chain_id):
        raise invalid_argument(f"address {text!r} has prefix {prefix!r}, not {hrp(chain_id)!r} of chain {chain_id!r}")
    payload = _to_bytes(data)
    if payload is None or len(payload) != 20:
        raise invalid_argument(f"address {text!r} does not hold 20 bytes")
    return payload


def _polymod(values: list[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i, g in enumerate(_GENERATOR):
            if (top >> i) & 1:
                chk ^= g
    return chk


def _expand(prefix: str) -> list[int]:
    return [ord(c) >> 5 for c in prefix] + [0] + [ord(c) & 31 for c in prefix]


def bech32m_encode(prefix: str, data: list[int]) -> str:
    pm = _polymod(_expand(prefix) + data + [0] * 6) ^ _BECH32M
    return prefix + "1" + "".join(_CHARSET[d] for d in data + [(pm >> 5 * (5 - i)) & 31 for i in range(6)])


def bech32m_decode(text: str) -> tuple[str, list[int]] | None:
    """(hrp, 5-bit data without the checksum), or None; BIP-173's rules on case, length, characters."""
    if any(not 33 <= ord(c) <= 126 for c in text) or (text.lower() != text and text.upper() != text):
        return None
    text = text.lower()
    pos = text.rfind("1")
    if pos < 1 or pos + 7 > len(text) or len(text) > 90 or any(c not in _CHARSET for c in text[pos + 1:]):
        return None
    prefix, data = text[:pos], [_CHARSET.index(c) for c in text[pos + 1:]]
    if _polymod(_expand(prefix) + data) != _BECH32M:
        return None
    return prefix, data[:-6]


def _to_5_bits(data: bytes) -> list[int]:
    """8-bit to 5-bit groups, the last padded with zero bits."""
    acc = bits = 0
    out: list[int] = []
    for byte in data:
        acc, bits = acc << 8 | byte, bits + 8
        while bits >= 5:
            bits -= 5
            out.append(acc >> bits & 31)
    if bits:
        out.append(acc << (5 - bits) & 31)
    return out


def _to_bytes(data: list[int]) -> bytes | None:
    """5-bit groups back to bytes; None when the padding is longer than 4 bits or not zero."""
    acc = bits = 0
    out = bytearray()
    for value in data:
        acc, bits = acc << 5 | value, bits + 5
        if bits >= 8:
            bits -= 8
            out.append(acc >> bits & 0xFF)
    if bits >= 5 or acc & (1 << bits) - 1:
        return None
    return bytes(out)
