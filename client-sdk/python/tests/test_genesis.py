"""Block 0 and the genesis hash from a genesis.json (docs/protocol.md 3), checked on v2.json's block 0."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.vectors import DOC
from timecoin import TimeError, TrustRoot, encode_address, load_genesis
from timecoin.genesis import genesis_of

GB = DOC["genesis_block"]
CHAIN = DOC["chain_id"]


def genesis_json() -> dict:
    """The genesis.json that makes v2.json's block 0."""
    tx = GB["block"]["body"]["transactions"][0]
    p = tx["genesis"]["params"]
    masternodes = p["masternodes"]
    allocations = tx["outputs"][:len(tx["outputs"]) - len(masternodes)]
    addr = lambda h: encode_address(bytes.fromhex(h), CHAIN)
    return {"chain_id": CHAIN, "genesis_time_ms": int(p["genesis_time_ms"]),
            "block_interval_ms": int(p["block_interval_ms"]),
            "timeouts": {k: int(p[k]) for k in ("propose_ms", "propose_delta_ms", "prepare_ms", "prepare_delta_ms",
                                                "precommit_ms", "precommit_delta_ms", "cap_ms")},
            **{k: p[k] for k in ("max_block_txs", "max_block_bytes", "max_tx_bytes", "max_validators")},
            **{k: p[k] for k in ("min_tx_fee", "min_fee_per_byte", "min_output", "registration_fee")},
            "masternodes": [{"consensus_key": m["consensus_key"], "owner": addr(m["owner_address"]),
                             "reward_address": addr(m["reward_address"]), "collateral": m["collateral"]}
                            for m in masternodes],
            "allocations": [{"address": addr(o["address"]), "amount": o["amount"]} for o in allocations]}


def test_the_vectors_block_0_from_its_genesis_file(tmp_path: Path) -> None:
    path = tmp_path / "genesis.json"
    path.write_text(json.dumps(genesis_json()))
    g = load_genesis(path)
    assert g.hash.hex() == GB["hash"]
    assert [(v.key.hex(), str(v.weight)) for v in g.validator_set] == \
        [(v["key"], v["weight"]) for v in GB["validator_set"]["validators"]]
    assert TrustRoot.from_genesis_file(path) == TrustRoot.genesis(GB["hash"])
    assert g.fees.min_fee_per_byte == int(GB["block"]["body"]["transactions"][0]["genesis"]["params"]["min_fee_per_byte"])


@pytest.mark.parametrize("change", [
    lambda d: d.update(surprise=1),
    lambda d: d.update(genesis_time_ms="1"),
    lambda d: d.update(min_tx_fee=1000),
    lambda d: d["masternodes"][0].update(owner="time1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"),
    lambda d: d["timeouts"].update(nap_ms=1),
])
def test_a_genesis_file_out_of_form_is_refused(change) -> None:
    doc = genesis_json()
    change(doc)
    with pytest.raises(TimeError):
        genesis_of(doc)


def test_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "genesis.json"
    path.write_text(json.dumps(genesis_json())[:-1] + ', "chain_id": "x"}')
    with pytest.raises(TimeError, match="twice"):
        load_genesis(path)
