#!/usr/bin/env python3
"""Independent check of the TIME Coin test vectors (v2.json), Python 3.11 standard library only.

Rebuilds every hash, encoding, address and signature from the `fields` of the file and the protocol
text (docs/protocol.md sections 1, 2, 3, 4.4; README.md beside this script), trusting none of the
values it checks. Ed25519 (RFC 8032) and bech32m (BIP-350) are implemented here from their
specifications. A section `ed25519` (or `fees`) is checked by the module ed25519_rule.py (fees_rule.py)
beside this script, when it is there.

Usage: python3 check_vectors.py [path-to-v2.json]   (default: v2.json beside this script)
Prints one line per group (failures listed under it), then "N passed, M failed"; exit code 0 only
when nothing failed, 1 otherwise.
"""
import hashlib
import importlib
import json
import math
import re
import struct
import sys
from pathlib import Path

sha256 = lambda b: hashlib.sha256(b).digest()
sha512 = lambda b: hashlib.sha512(b).digest()

# ---------------------------------------------------------------- Ed25519 (RFC 8032, pure)
# The curve and the one exact verification rule (docs/protocol.md 1.1) live in ed25519_rule.py,
# beside this script; signing is here, for the keys and signatures the vectors reproduce.
from ed25519_rule import (P, L, add as point_add, mul as point_mul, encode as point_encode,
                          decode as point_decode, verify)

def point_equal(p, q):
    return (p[0] * q[2] - q[0] * p[2]) % P == 0 and (p[1] * q[2] - q[1] * p[2]) % P == 0

B = point_decode((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))  # base point, y = 4/5, x even

def secret_expand(seed):
    h = sha512(seed)
    a = int.from_bytes(h[:32], "little")
    a = (a & ((1 << 254) - 8)) | (1 << 254)  # clamp: clear low 3 bits and bit 255, set bit 254
    return a, h[32:]

def public_key(seed):
    return point_encode(point_mul(secret_expand(seed)[0], B))

def sign(seed, msg):
    a, prefix = secret_expand(seed)
    A = point_encode(point_mul(a, B))
    r = int.from_bytes(sha512(prefix + msg), "little") % L
    R = point_encode(point_mul(r, B))
    k = int.from_bytes(sha512(R + A + msg), "little") % L
    return R + ((r + k * a) % L).to_bytes(32, "little")

# ---------------------------------------------------------------- bech32m (BIP-350)
CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
BECH32M_CONST = 0x2BC830A3

def bech32_polymod(values):
    gen = [0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk

def hrp_expand(hrp):
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]

def bech32m_encode(hrp, data5):
    pm = bech32_polymod(hrp_expand(hrp) + data5 + [0] * 6) ^ BECH32M_CONST
    return hrp + "1" + "".join(CHARSET[d] for d in data5 + [(pm >> 5 * (5 - i)) & 31 for i in range(6)])

def bech32m_decode(s):
    """(hrp, data5) or None, with BIP-173's rules on case, length and characters."""
    if any(ord(c) < 33 or ord(c) > 126 for c in s) or (s.lower() != s and s.upper() != s):
        return None
    s = s.lower()
    pos = s.rfind("1")
    if pos < 1 or pos + 7 > len(s) or len(s) > 90 or any(c not in CHARSET for c in s[pos + 1:]):
        return None
    hrp, data = s[:pos], [CHARSET.find(c) for c in s[pos + 1:]]
    if bech32_polymod(hrp_expand(hrp) + data) != BECH32M_CONST:
        return None
    return hrp, data[:-6]

def regroup_8_to_5(data):
    acc, bits, out = 0, 0, []
    for byte in data:
        acc, bits = acc << 8 | byte, bits + 8
        while bits >= 5:
            bits -= 5
            out.append(acc >> bits & 31)
    if bits:
        out.append(acc << (5 - bits) & 31)  # pad with zeros
    return out

def address_bytes(pub):
    return sha256(pub)[:20]

def address_string(pub, hrp):
    return bech32m_encode(hrp, regroup_8_to_5(address_bytes(pub)))  # no witness version

# ---------------------------------------------------------------- canonical bytes (docs/protocol.md 2)
TAG = "TIMECOIN/v2/"  # every domain tag: TAG + the structure's name
VOTE_TYPES = {"VOTE_TYPE_PREPARE": 1, "VOTE_TYPE_PRECOMMIT": 2}
TX_KINDS = {"TRANSACTION_KIND_GENESIS": 1, "TRANSACTION_KIND_TRANSFER": 2,
            "TRANSACTION_KIND_REGISTER_MASTERNODE": 3, "TRANSACTION_KIND_DEREGISTER_MASTERNODE": 4,
            "TRANSACTION_KIND_REWARD": 5}
PAYLOADS = {1: "genesis", 2: None, 3: "register_masternode", 4: "deregister_masternode", 5: "reward"}

def u8(v):
    return struct.pack(">B", v)

def json_int(fmt, lo, hi):  # u32, i32: JSON numbers
    def encode(v):
        if type(v) is not int or not lo <= v < hi:
            raise ValueError(f"{fmt} must be a JSON number in range: {v!r}")
        return struct.pack(fmt, v)
    return encode

u32, i32 = json_int(">I", 0, 2**32), json_int(">i", -(2**31), 2**31)

def u64_value(v):  # a decimal string, so that JavaScript keeps its precision
    if not isinstance(v, str) or not re.fullmatch(r"0|[1-9][0-9]*", v) or int(v) >= 2**64:
        raise ValueError(f"u64 must be a decimal string: {v!r}")
    return int(v)

def u64(v):
    return struct.pack(">Q", u64_value(v))

def raw(v, n=None):  # lowercase hex; fixed width for hash (32), key (32), sig (64), addr (20)
    if not isinstance(v, str) or v != v.lower():
        raise ValueError(f"not lowercase hex: {v!r}")
    b = bytes.fromhex(v)
    if n is not None and len(b) != n:
        raise ValueError(f"expected {n} bytes, got {len(b)}: {v!r}")
    return b

def string(s):
    b = s.encode("utf-8")
    return u32(len(b)) + b

def var_bytes(v):
    b = raw(v)
    return u32(len(b)) + b

def listing(items, encode_item):
    return u32(len(items)) + b"".join(encode_item(i) for i in items)

def tagged(domain, *parts):
    return string(domain) + b"".join(parts)

def sorted_strictly(keys):
    return all(a < b for a, b in zip(keys, keys[1:]))

def vote_bytes(f):
    return tagged(TAG + "VOTE", string(f["chain_id"]), u8(VOTE_TYPES[f["type"]]),
                  u64(f["height"]), u32(f["round"]), raw(f["block_hash"], 32))

def header_bytes(f):
    return tagged(TAG + "HEADER", u32(f["version"]), string(f["chain_id"]), u64(f["height"]),
                  u64(f["timestamp_ms"]), raw(f["prev_hash"], 32), raw(f["tx_root"], 32),
                  raw(f["witness_root"], 32), raw(f["last_certificate_hash"], 32),
                  raw(f["validator_set_hash"], 32), raw(f["next_validator_set_hash"], 32),
                  raw(f["proposer"], 32))

def proposal_bytes(f):
    block_hash = sha256(header_bytes(f["block"]["header"]))
    return tagged(TAG + "PROPOSAL", string(f["chain_id"]), u64(f["height"]), u32(f["round"]),
                  i32(f["valid_round"]), block_hash)

def outpoint(o):
    return raw(o["txid"], 32) + u32(o["index"])

def tx_bytes(f):
    kind = TX_KINDS[f["kind"]]
    present = {k for k in PAYLOADS.values() if k and k in f}
    if present != ({PAYLOADS[kind]} if PAYLOADS[kind] else set()):  # the oneof must match the kind
        raise ValueError(f"payload fields {sorted(present)} do not match kind {f['kind']}")
    p = f.get(PAYLOADS[kind] or "", {})
    payload = {1: lambda: string(p["chain_id"]) + var_bytes(params_bytes(p).hex()),
               2: lambda: b"",
               3: lambda: (outpoint(p["collateral"]) + raw(p["consensus_key"], 32)
                           + raw(p["reward_address"], 20)),
               4: lambda: raw(p["consensus_key"], 32),
               5: lambda: u64(p["height"])}[kind]()
    return tagged(TAG + "TX", u32(f["version"]), u8(kind),
                  listing(f["inputs"], lambda i: outpoint(i["outpoint"])),
                  listing(f["outputs"], lambda o: u64(o["amount"]) + raw(o["address"], 20)), payload)

def txw_bytes(f):
    """TXW: txid, then (key, sig) of every input in input order, then of every kind witness."""
    pair = lambda w: raw(w["public_key"], 32) + raw(w["signature"], 64)
    return tagged(TAG + "TXW", sha256(tx_bytes(f)), listing(f["inputs"], lambda i: pair(i["witness"])),
                  listing(f["kind_witnesses"], pair))

PARAMS_U64_FIELDS_1 = ["genesis_time_ms", "block_interval_ms", "propose_ms", "propose_delta_ms",
                       "prepare_ms", "prepare_delta_ms", "precommit_ms", "precommit_delta_ms", "cap_ms"]

def params_bytes(f):
    """PARAMS of a GenesisPayload-shaped {chain_id, params}; the params must be present."""
    if "params" not in f:
        raise ValueError("a GENESIS payload carries its chain parameters")
    p = f["params"]
    return tagged(TAG + "PARAMS", string(f["chain_id"]),
                  b"".join(u64(p[k]) for k in PARAMS_U64_FIELDS_1),
                  u32(p["max_block_txs"]), u32(p["max_block_bytes"]), u32(p["max_tx_bytes"]),
                  u64(p["min_tx_fee"]), u32(p["max_validators"]), u64(p["min_fee_per_byte"]),
                  u64(p["min_output"]), u64(p["registration_fee"]),
                  listing(p["masternodes"], lambda m: raw(m["consensus_key"], 32) + raw(m["owner_address"], 20)
                          + raw(m["reward_address"], 20) + u64(m["collateral"])))

def txsig_bytes(chain_id, txid):
    return tagged(TAG + "TXSIG", string(chain_id), txid)

def validator_set_bytes(f):
    if not sorted_strictly([v["key"] for v in f["validators"]]):
        raise ValueError("validators not strictly ascending by key")
    return tagged(TAG + "VALSET",
                  listing(f["validators"], lambda v: raw(v["key"], 32) + u64(v["weight"])))

def certificate_bytes(f):
    if not sorted_strictly([s["validator"] for s in f["signatures"]]):
        raise ValueError("signatures not strictly ascending by validator key")
    return tagged(TAG + "CERT", u64(f["height"]), u32(f["round"]), raw(f["block_hash"], 32),
                  listing(f["signatures"], lambda s: raw(s["validator"], 32) + raw(s["signature"], 64)))

def hello_bytes(f):
    return tagged(TAG + "HELLO", string(f["chain_id"]), raw(f["genesis_hash"], 32),
                  u32(f["protocol_version"]), raw(f["node_key"], 32), u64(f["height"]),
                  var_bytes(f["nonce"]), var_bytes(f.get("peer_nonce", "")))

def proposer_seed_bytes(f):
    return tagged(TAG + "PROPOSER", string(f["chain_id"]), u64(f["height"]), u32(f["round"]))

# structure name (exact, or prefix before "/") -> (domain, encoder)
STRUCTURES = {"vote": (TAG + "VOTE", vote_bytes), "header": (TAG + "HEADER", header_bytes),
              "proposal": (TAG + "PROPOSAL", proposal_bytes), "tx": (TAG + "TX", tx_bytes),
              "txw": (TAG + "TXW", txw_bytes), "params": (TAG + "PARAMS", params_bytes),
              "txsig": (TAG + "TXSIG",
                        lambda f: txsig_bytes(f["chain_id"], raw(f["txid"], 32))),
              "validator_set": (TAG + "VALSET", validator_set_bytes),
              "certificate": (TAG + "CERT", certificate_bytes),
              "hello": (TAG + "HELLO", hello_bytes),
              "proposer_seed": (TAG + "PROPOSER", proposer_seed_bytes)}

def merkle_root(leaves):
    """RFC 6962: split at the largest power of two below n; no leaves -> 32 zero bytes."""
    if not leaves:
        return bytes(32)
    if len(leaves) == 1:
        return sha256(b"\x00" + leaves[0])
    k = 1 << (len(leaves) - 1).bit_length() - 1
    return sha256(b"\x01" + merkle_root(leaves[:k]) + merkle_root(leaves[k:]))

def subsidy(h):
    # Java uses StrictMath.log (fdlibm); math.log is the C library's. Both are within 1 ulp of ln h
    # and agree on the published heights; a disagreement here would show up as a failed check.
    return math.floor(1e10 * (1.0 + math.log(h)))  # 100 TIME x (1 + ln h), in IEEE doubles

# ---------------------------------------------------------------- the checks
class Group:
    def __init__(self, name):
        self.name, self.passed, self.failures = name, 0, []

    def eq(self, label, got, want):  # got: derived here; want: what the file (or a reference) says
        if got == want:
            self.passed += 1
        else:
            show = lambda v: v.hex() if isinstance(v, bytes) else repr(v)
            self.failures.append(f"{label}: computed {show(got)}, expected {show(want)}")

    def true(self, label, cond):
        self.eq(label, bool(cond), True)

def check_rfc8032(g):
    # RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte 0x72).
    for name, sk, pk, msg, sig in [
        ("TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        ("TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]:
        sk, pk, msg, sig = (bytes.fromhex(x) for x in (sk, pk, msg, sig))
        g.eq(f"{name} public key", public_key(sk), pk)
        g.eq(f"{name} signature", sign(sk, msg), sig)
        g.true(f"{name} verifies", verify(pk, msg, sig))
    # Strictness, with inputs a lax verifier would accept: the identity (small order) as key and R
    # with S = 0 satisfies the cofactorless equation; y = p + 1 is a non-canonical identity.
    ident = (1).to_bytes(32, "little")
    g.true("small-order key rejected", not verify(ident, b"m", ident + bytes(32)))
    g.true("non-canonical y >= p rejected", point_decode((P + 1).to_bytes(32, "little")) is None)
    g.true("x = 0 with sign bit rejected", point_decode((1 | 1 << 255).to_bytes(32, "little")) is None)
    # A mixed-order key A + T (T = (0, -1), order 2): for an even k, [k]T vanishes and the
    # cofactorless equation holds, so only the subgroup check ([L]A == I) can reject it.
    a, _ = secret_expand(bytes(32))
    mixed = point_encode(point_add(point_mul(a, B), (0, P - 1, 1, 0)))
    for n in range(64):
        msg, r = b"mixed %d" % n, n + 1
        R = point_encode(point_mul(r, B))
        k = int.from_bytes(sha512(R + mixed + msg), "little") % L
        if k % 2 == 0:
            S = (r + k * a) % L
            sig = R + S.to_bytes(32, "little")
            g.true("cofactorless equation holds for the mixed-order forgery", point_equal(
                point_mul(S, B), point_add(point_decode(R), point_mul(k, point_decode(mixed)))))
            g.true("mixed-order key rejected", not verify(mixed, msg, sig))
            break

def check_bip350(g):
    for s in ["A1LQFN3A", "a1lqfn3a", "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
              "split1checkupstagehandshakeupstreamerranterredcaperredlc445v"]:
        dec = bech32m_decode(s)
        g.true(f"{s} decodes", dec is not None)
        if dec:
            g.eq(f"{s} re-encodes", bech32m_encode(*dec), s.lower())
    g.true("bech32 (BIP-173) checksum a12uel5l rejected", bech32m_decode("a12uel5l") is None)

def check_keys(g, keys):
    for i, k in enumerate(keys):
        seed, pub = raw(k["seed"], 32), raw(k["public_key"], 32)
        g.eq(f"keys[{i}] seed", sha256(f"timecoin test vector key {i}".encode()), seed)
        g.eq(f"keys[{i}] public_key", public_key(seed), pub)
        g.eq(f"keys[{i}] address", address_bytes(pub), raw(k["address"], 20))
        g.eq(f"keys[{i}] address_testnet", address_string(pub, "timet"), k["address_testnet"])
        g.eq(f"keys[{i}] address_mainnet", address_string(pub, "time"), k["address_mainnet"])

def check_structure(g, s, chain_id):
    domain, encode = STRUCTURES[s["name"].split("/")[0]]
    g.eq("domain", domain, s["domain"])
    f = s["fields"]
    for part in (f, f.get("block", {}).get("header", {}), f.get("genesis", {})):
        if "chain_id" in part:  # "chain_id: the chain of every structure below"
            g.eq("chain_id", part["chain_id"], chain_id)
    b = encode(f)
    g.eq("bytes", b, raw(s["bytes"]))
    g.eq("sha256", sha256(b), raw(s["sha256"], 32))
    if s["name"].startswith("tx/"):  # every witness signs TXSIG(chain_id, txid)
        msg = txsig_bytes(chain_id, sha256(b))
        for j, w in enumerate([i["witness"] for i in f["inputs"]] + f["kind_witnesses"]):
            g.true(f"witness {j} verifies",
                   verify(raw(w["public_key"], 32), msg, raw(w["signature"], 64)))
        if "register_masternode" in f:  # proof of possession by the new consensus key
            g.true("consensus key witnesses", f["register_masternode"]["consensus_key"]
                   in [w["public_key"] for w in f["kind_witnesses"]])

def check_block(g, structures):
    """The header commits to the file's transactions, validator set and certificate."""
    by_name = {s["name"]: s for s in structures}
    header = by_name["header"]["fields"]
    txids = [raw(s["sha256"], 32) for s in structures if s["name"].startswith("tx/")]
    g.eq("header tx_root = Merkle root of tx/* ids", merkle_root(txids), raw(header["tx_root"]))
    txws = [s for s in structures if s["name"].startswith("txw/")]
    g.eq("txw/* are the tx/* in the same order", [(s["name"][4:], s["fields"]) for s in txws],
         [(s["name"][3:], s["fields"]) for s in structures if s["name"].startswith("tx/")])
    g.eq("each txw/* begins with its txid", [raw(s["bytes"])[4 + len(TAG + "TXW"):][:32] for s in txws], txids)
    g.eq("header witness_root = Merkle root of txw/* wtxids",
         merkle_root([raw(s["sha256"], 32) for s in txws]), raw(header["witness_root"]))
    g.eq("header next_validator_set_hash", sha256(validator_set_bytes(by_name["validator_set/next"]["fields"])),
         raw(header["next_validator_set_hash"]))
    g.eq("tx/genesis carries the params structure", by_name["tx/genesis"]["fields"]["genesis"],
         by_name["params"]["fields"])
    g.eq("header validator_set_hash", sha256(validator_set_bytes(by_name["validator_set"]["fields"])),
         raw(header["validator_set_hash"]))
    cert = by_name["certificate"]["fields"]
    g.eq("header last_certificate_hash", sha256(certificate_bytes(cert)),
         raw(header["last_certificate_hash"]))
    g.eq("certificate is for the previous block", (raw(cert["block_hash"]), int(cert["height"]) + 1),
         (raw(header["prev_hash"]), int(header["height"])))
    for s in structures:
        if s["name"].startswith("proposal/"):
            g.eq(f"{s['name']} carries the header", s["fields"]["block"]["header"], header)
    g.eq("txsig/transfer names tx/transfer", by_name["txsig/transfer"]["fields"]["txid"],
         by_name["tx/transfer"]["sha256"])
    g.eq("structure kinds present", {s["name"].split("/")[0] for s in structures}, set(STRUCTURES))

def check_witness_roots(g, cases):
    for c in cases:
        txs = c["transactions"]
        txids, wtxids = [sha256(tx_bytes(t)) for t in txs], [sha256(txw_bytes(t)) for t in txs]
        g.eq(f"{len(txs)} txids", txids, [raw(x, 32) for x in c["txids"]])
        g.eq(f"{len(txs)} wtxids", wtxids, [raw(x, 32) for x in c["wtxids"]])
        g.eq(f"{len(txs)} tx_root", merkle_root(txids), raw(c["tx_root"], 32))
        g.eq(f"{len(txs)} witness_root", merkle_root(wtxids), raw(c["witness_root"], 32))
    g.true("an empty witness_root is zeros", any(not c["transactions"] and raw(c["witness_root"]) == bytes(32)
                                                 for c in cases))

UNITS_PER_TIME = 100_000_000

def genesis_set(params):
    """set(1) of docs/protocol.md 4.1: weight = collateral in whole TIME; the max_validators
    heaviest with weight > 0 (the lower key among equals), in key order."""
    members = [(raw(m["consensus_key"], 32), u64_value(m["collateral"]) // UNITS_PER_TIME)
               for m in params["masternodes"]]
    chosen = sorted([m for m in members if m[1] > 0], key=lambda m: (-m[1], m[0]))[:params["max_validators"]]
    return sorted(chosen)

def check_genesis_block(g, gb, chain_id):
    """Block 0 of docs/protocol.md 3, rebuilt from its GENESIS transaction's parameters."""
    header, txs = gb["block"]["header"], gb["block"]["body"]["transactions"]
    hb = header_bytes(header)
    g.eq("header_bytes", hb, raw(gb["header_bytes"]))
    g.eq("hash = SHA-256(header_bytes)", sha256(hb), raw(gb["hash"], 32))
    g.eq("one GENESIS transaction", [t["kind"] for t in txs], ["TRANSACTION_KIND_GENESIS"])
    tx = txs[0]
    payload, params = tx["genesis"], tx["genesis"]["params"]
    g.eq("no inputs, no witnesses", (tx["inputs"], tx["kind_witnesses"]), ([], []))
    g.eq("chain ids", (header["chain_id"], payload["chain_id"]), (chain_id, chain_id))
    g.eq("version, height", (header["version"], header["height"]), (2, "0"))
    g.eq("timestamp = genesis_time_ms", header["timestamp_ms"], params["genesis_time_ms"])
    for zero in ("prev_hash", "last_certificate_hash", "proposer"):
        g.eq(f"{zero} is zeros", raw(header[zero], 32), bytes(32))
    g.eq("tx_root", merkle_root([sha256(tx_bytes(tx))]), raw(header["tx_root"], 32))
    g.eq("witness_root", merkle_root([sha256(txw_bytes(tx))]), raw(header["witness_root"], 32))
    collaterals = [{"amount": m["collateral"], "address": m["owner_address"]} for m in params["masternodes"]]
    g.eq("the last outputs are the collaterals, owner's address, genesis order",
         tx["outputs"][len(tx["outputs"]) - len(collaterals):], collaterals)
    members = genesis_set(params)
    g.eq("validator_set = set(1) of the params", [(raw(v["key"], 32), u64_value(v["weight"]))
                                                  for v in gb["validator_set"]["validators"]], members)
    set_hash = sha256(tagged(TAG + "VALSET", listing(members, lambda m: m[0] + struct.pack(">Q", m[1]))))
    g.eq("validator_set_hash = VALSET(set(1))", raw(header["validator_set_hash"], 32), set_hash)
    g.eq("next_validator_set_hash = VALSET(set(1))", raw(header["next_validator_set_hash"], 32), set_hash)
    # the hash commits to every parameter: change each one and the hash changes
    for key, value in params.items():
        changed = json.loads(json.dumps(tx))
        if key == "masternodes":
            changed["genesis"]["params"][key] = value[:-1]
        elif isinstance(value, str):
            changed["genesis"]["params"][key] = str(u64_value(value) + 1)
        else:
            changed["genesis"]["params"][key] = value + 1
        altered = dict(header, tx_root=merkle_root([sha256(tx_bytes(changed))]).hex())
        g.true(f"changing {key} changes the genesis hash", sha256(header_bytes(altered)) != sha256(hb))

def check_signed_vote(g, sv):
    seed, vote = raw(sv["signer_seed"], 32), sv["vote"]
    b = vote_bytes(vote)
    g.eq("bytes", b, raw(sv["bytes"]))
    g.eq("validator = key of signer_seed", public_key(seed), raw(vote["validator"], 32))
    g.eq("signature reproduced", sign(seed, b), raw(sv["signature"], 64))
    g.eq("vote.signature", vote["signature"], sv["signature"])
    g.true("signature verifies", verify(public_key(seed), b, raw(sv["signature"], 64)))

def check_certificate(g, c, chain_id):
    cert, vals = c["certificate"], c["validator_set"]["validators"]
    weights = {raw(v["key"], 32): u64_value(v["weight"]) for v in vals}
    b = certificate_bytes(cert)
    g.eq("bytes", b, raw(c["bytes"]))
    g.eq("hash", sha256(b), raw(c["hash"], 32))
    g.eq("chain_id", c["chain_id"], chain_id)
    precommit = vote_bytes({"chain_id": c["chain_id"], "type": "VOTE_TYPE_PRECOMMIT",
                            "height": cert["height"], "round": cert["round"],
                            "block_hash": cert["block_hash"]})
    # signed_weight counts each member once, and only for a signature that verifies.
    signers, all_good = set(), True
    for s in cert["signatures"]:
        key = raw(s["validator"], 32)
        ok = verify(key, precommit, raw(s["signature"], 64)) and key in weights and key not in signers
        all_good &= ok
        if ok:
            signers.add(key)
    signed, total = sum(weights[k] for k in signers), sum(weights.values())
    g.eq("signed_weight", str(signed), c["signed_weight"])
    g.eq("total_weight", str(total), c["total_weight"])
    g.eq("quorum", all_good and 3 * signed > 2 * total, c["quorum"])

def check_signature_checks(g, checks):
    for c in checks:
        pub, msg, sig = raw(c["public_key"]), raw(c["message"]), raw(c["signature"])
        g.eq(c["name"], verify(pub, msg, sig), c["valid"])
        if int.from_bytes(sig[32:], "little") >= L:  # show it is S >= L alone that makes it invalid
            lax = sig[:32] + (int.from_bytes(sig[32:], "little") % L).to_bytes(32, "little")
            g.true(f"{c['name']}: valid once S is reduced mod L", verify(pub, msg, lax))

def check_merkle_roots(g, cases):
    for c in cases:
        leaves = [raw(x, 32) for x in c["leaves"]]
        g.eq(f"{len(leaves)} leaves", merkle_root(leaves), raw(c["root"], 32))

def check_subsidy(g, cases):
    g.eq("heights (section 4.4)", [1, 2, 100, 10**6, 2**40], [u64_value(c["height"]) for c in cases])
    for c in cases:
        g.eq(f"h={c['height']}", str(subsidy(u64_value(c["height"]))), c["units"])

def check_proposers(g, doc):
    """docs/protocol.md 5.1: x = first 8 bytes of SHA-256(PROPOSER bytes) as an unsigned integer mod W;
    walk the set in key order summing weights; the first whose running sum exceeds x proposes."""
    members = [(raw(v["key"], 32), u64_value(v["weight"])) for v in doc["validator_set"]["validators"]]
    g.true("set sorted by key", sorted_strictly([k for k, _ in members]))
    total = sum(w for _, w in members)
    for pick in doc["picks"]:
        seed = proposer_seed_bytes({"chain_id": doc["chain_id"], "height": pick["height"], "round": pick["round"]})
        x = int.from_bytes(sha256(seed)[:8], "big") % total
        running, chosen = 0, None
        for key, weight in members:
            running += weight
            if running > x:
                chosen = key
                break
        g.eq(f"h={pick['height']} r={pick['round']}", chosen, raw(pick["proposer"], 32))

# top-level section -> the module (beside this script) whose check(section) verifies it
SECTION_RULES = {"ed25519": "ed25519_rule", "fees": "fees_rule"}

def section_rule(module):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name != module:
            raise
        return None
    finally:
        sys.path.pop(0)

def run_section_rule(g, rule, section):
    """rule.check(section) returns (passed, failures), a list of failures, or None; it may raise."""
    result = rule.check(section)
    if isinstance(result, tuple):
        passed, failures = result
        g.passed += passed
        g.failures += list(failures)
    elif isinstance(result, int):
        g.passed += result  # the number of entries checked; a wrong one raised
    elif isinstance(result, list):
        g.failures += result
        g.passed += 0 if result else 1
    else:
        g.passed += 1

def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("v2.json")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        print(f"FAIL cannot read {path}: {e}\n0 passed, 1 failed")
        return 1
    chain_id = doc.get("chain_id")
    top = ["format", "chain_id", "keys", "structures", "signed_vote", "certificates",
           "signature_checks", "merkle_roots", "witness_roots", "genesis_block", "subsidy", "proposers"]
    groups = [("file header", lambda g: (g.eq("top-level fields", [k for k in doc if k not in SECTION_RULES], top),
                                         g.eq("format", doc["format"], "timecoin-test-vectors/2"),
                                         g.eq("chain_id", chain_id, "timecoin-devnet"))),
              ("RFC 8032 known answers and strictness", check_rfc8032),
              ("BIP-350 known answers", check_bip350),
              (f"keys ({len(doc.get('keys', []))})", lambda g: check_keys(g, doc["keys"]))]
    groups += [(f"structure {s['name']}", lambda g, s=s: check_structure(g, s, chain_id))
               for s in doc.get("structures", [])]
    groups += [("block consistency", lambda g: check_block(g, doc["structures"])),
               ("signed_vote", lambda g: check_signed_vote(g, doc["signed_vote"]))]
    groups += [(f"certificates[{i}]", lambda g, c=c: check_certificate(g, c, chain_id))
               for i, c in enumerate(doc.get("certificates", []))]
    groups += [(f"{key} ({len(doc.get(key, []))})", lambda g, key=key, run=run: run(g, doc[key]))
               for key, run in [("signature_checks", check_signature_checks),
                                ("merkle_roots", check_merkle_roots), ("witness_roots", check_witness_roots),
                               ("subsidy", check_subsidy)]]
    groups += [("genesis_block", lambda g: check_genesis_block(g, doc["genesis_block"], chain_id)),
               ("proposers", lambda g: check_proposers(g, doc["proposers"]))]
    for key, module in SECTION_RULES.items():  # sections whose checker lives in a module of its own
        if key in doc:
            rule = section_rule(module)
            if rule is None:  # a section nobody checks is a failure, not a pass
                groups.append((key, lambda g, module=module: g.failures.append(f"{module}.py is not beside this script")))
            else:
                groups.append((key, lambda g, rule=rule, section=doc[key]: run_section_rule(g, rule, section)))
    passed = failed = 0
    for name, run in groups:
        g = Group(name)
        try:
            run(g)
        except Exception as e:  # a malformed or missing field fails its group, not the whole run
            g.failures.append(f"{type(e).__name__}: {e}")
        status = "FAIL" if g.failures else "ok  "
        print(f"{status} {name}: {g.passed} passed, {len(g.failures)} failed")
        for f in g.failures:
            print(f"       - {f}")
        passed, failed = passed + g.passed, failed + len(g.failures)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1

if __name__ == "__main__":
    sys.exit(main())
