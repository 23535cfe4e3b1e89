#!/usr/bin/env python3
"""Independent check of the "fees" test vectors (docs/protocol.md 4.3), Python standard library only.

For each entry it encodes the transaction's TX bytes and TXW bytes again from its proto JSON fields
(docs/protocol.md 2), compares their lengths with tx_bytes_len and txw_bytes_len, and recomputes
required_fee = max(min_tx_fee, min_fee_per_byte x (TX + TXW lengths)), and for a
REGISTER_MASTERNODE at least registration_fee. An entry with its own "params" is priced by those.

Usage: python3 fees_rule.py [path-to-fees.json]   (default: fees.json beside this script, which holds
{"params": {...}, "fees": [...]}). Exit code 0 only when every entry agrees.
"""
import hashlib
import json
import struct
import sys
from pathlib import Path

U64 = 2**64
TX_TAG = "TIMECOIN/v2/TX"
TXW_TAG = "TIMECOIN/v2/TXW"
KINDS = {"TRANSACTION_KIND_GENESIS": 1, "TRANSACTION_KIND_TRANSFER": 2, "TRANSACTION_KIND_REGISTER_MASTERNODE": 3,
         "TRANSACTION_KIND_DEREGISTER_MASTERNODE": 4, "TRANSACTION_KIND_REWARD": 5}


def string(s):
    b = s.encode("utf-8")
    return struct.pack(">I", len(b)) + b


def fixed(hex_value, size, what):
    b = bytes.fromhex(hex_value)
    if len(b) != size:
        raise ValueError(f"{what} is {len(b)} bytes, not {size}")
    return b


def tx_bytes(tx):
    """TX: tag, version u32, kind u8, inputs (txid, index u32), outputs (amount u64, addr), the kind's payload."""
    out = string(TX_TAG) + struct.pack(">IB", tx["version"], KINDS[tx["kind"]])
    out += struct.pack(">I", len(tx["inputs"]))
    for i in tx["inputs"]:
        out += fixed(i["outpoint"]["txid"], 32, "txid") + struct.pack(">I", i["outpoint"]["index"])
    out += struct.pack(">I", len(tx["outputs"]))
    for o in tx["outputs"]:
        out += struct.pack(">Q", int(o["amount"])) + fixed(o["address"], 20, "address")
    kind = tx["kind"]
    if kind == "TRANSACTION_KIND_REGISTER_MASTERNODE":
        p = tx["register_masternode"]
        out += fixed(p["collateral"]["txid"], 32, "collateral txid") + struct.pack(">I", p["collateral"]["index"])
        out += fixed(p["consensus_key"], 32, "consensus key") + fixed(p["reward_address"], 20, "reward address")
    elif kind == "TRANSACTION_KIND_DEREGISTER_MASTERNODE":
        out += fixed(tx["deregister_masternode"]["consensus_key"], 32, "consensus key")
    elif kind == "TRANSACTION_KIND_REWARD":
        out += struct.pack(">Q", int(tx["reward"]["height"]))
    elif kind != "TRANSACTION_KIND_TRANSFER":
        raise ValueError(f"{kind}: not a kind that pays a fee")
    return out


def witness(w):
    return fixed(w["public_key"], 32, "witness key") + fixed(w["signature"], 64, "signature")


def txw_bytes(tx, tx_encoded):
    """TXW: tag, txid, input witnesses in input order, kind witnesses in their order."""
    out = string(TXW_TAG) + hashlib.sha256(tx_encoded).digest()
    out += struct.pack(">I", len(tx["inputs"])) + b"".join(witness(i["witness"]) for i in tx["inputs"])
    kind_witnesses = tx.get("kind_witnesses", [])
    out += struct.pack(">I", len(kind_witnesses)) + b"".join(witness(w) for w in kind_witnesses)
    return out


def required_fee(tx, size, params):
    """max(min_tx_fee, min_fee_per_byte x size), and registration_fee for a registration; None when the product passes 2^64."""
    product = int(params["min_fee_per_byte"]) * size
    if product >= U64:
        return None
    required = max(int(params["min_tx_fee"]), product)
    if tx["kind"] == "TRANSACTION_KIND_REGISTER_MASTERNODE":
        required = max(required, int(params["registration_fee"]))
    return required


def check_fees(section, params):
    """Checks every entry of a "fees" section against params (or the entry's own); returns the failures, [] when none."""
    failures = []
    for entry in section:
        p = entry.get("params", params)
        tx = entry["tx"]
        name = entry.get("name", tx["kind"])
        encoded = tx_bytes(tx)
        witnessed = txw_bytes(tx, encoded)
        if len(encoded) != entry["tx_bytes_len"]:
            failures.append(f"{name}: TX is {len(encoded)} bytes, the vector says {entry['tx_bytes_len']}")
        if len(witnessed) != entry["txw_bytes_len"]:
            failures.append(f"{name}: TXW is {len(witnessed)} bytes, the vector says {entry['txw_bytes_len']}")
        required = required_fee(tx, len(encoded) + len(witnessed), p)
        if str(required) != entry["required_fee"]:
            failures.append(f"{name}: the required fee is {required}, the vector says {entry['required_fee']}")
    return failures


def check(section):
    """The hook of check_vectors.py: every entry carries its own params."""
    return check_fees(section, None)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("v2.json")
    failed = check_fees(json.loads(path.read_text(encoding="utf-8"))["fees"], None)
    for f in failed:
        print("FAIL", f)
    print(f"fees: {len(failed)} failures")
    sys.exit(1 if failed else 0)
