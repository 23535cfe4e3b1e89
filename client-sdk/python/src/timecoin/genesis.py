"""Block 0 from a genesis.json (docs/protocol.md 3), so that the genesis hash a client pins can be
computed from the file every node of the chain holds, rather than copied from a node's answer."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from timecoin import canonical
from timecoin.address import decode_address
from timecoin.consensus import UNITS_PER_TIME, Fees
from timecoin.crypto import NIL_HASH
from timecoin.errors import invalid_argument
from timecoin.v1 import block_pb2, certificate_pb2, transaction_pb2

_TIMEOUTS = {"propose_ms": 1000, "propose_delta_ms": 500, "prepare_ms": 500, "prepare_delta_ms": 250,
             "precommit_ms": 500, "precommit_delta_ms": 250, "cap_ms": 30000}
_NUMBERS = {"block_interval_ms": 1000, "max_block_txs": 10000, "max_block_bytes": 4194304, "max_tx_bytes": 65536,
            "max_validators": 100}
_AMOUNTS = {"min_tx_fee": 1000, "min_fee_per_byte": 10, "min_output": 10000, "registration_fee": UNITS_PER_TIME}
_FIELDS = {"chain_id", "genesis_time_ms", "timeouts", "masternodes", "allocations", *_NUMBERS, *_AMOUNTS}


@dataclass(frozen=True)
class Genesis:
    block: block_pb2.Block
    validator_set: tuple[certificate_pb2.Validator, ...]

    @property
    def hash(self) -> bytes:
        return canonical.block_hash(self.block.header)

    @property
    def chain_id(self) -> str:
        return self.block.header.chain_id

    @property
    def params(self) -> transaction_pb2.ChainParams:
        return self.block.body.transactions[0].genesis.params

    @property
    def fees(self) -> Fees:
        return Fees.of(self.params)


def load_genesis(path: str | os.PathLike[str]) -> Genesis:
    """Reads genesis.json strictly (an unknown field, a wrong type, a duplicate key is an error)."""
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise invalid_argument(f"{path}: a key given twice")
        return dict(pairs)

    doc = json.loads(Path(path).read_text(encoding="utf-8"), object_pairs_hook=no_duplicates)
    return genesis_of(doc)


def _field(obj: dict[str, Any], name: str, kind: type, default: Any = None) -> Any:
    if name not in obj:
        if default is None:
            raise invalid_argument(f"genesis: {name} is required")
        return default
    value = obj[name]
    if kind is int:
        if type(value) is not int or value < 0:
            raise invalid_argument(f"genesis: {name} must be a non-negative integer")
    elif not isinstance(value, kind):
        raise invalid_argument(f"genesis: {name} must be a {kind.__name__}")
    return value


def _amount(obj: dict[str, Any], name: str, default: int | None = None) -> int:
    if name not in obj and default is not None:
        return default
    value = _field(obj, name, str)
    if not value.isdigit() or (value != "0" and value.startswith("0")) or int(value) >= 2**64:
        raise invalid_argument(f"genesis: {name} must be a decimal string of a u64 amount")
    return int(value)


def genesis_of(doc: dict[str, Any]) -> Genesis:
    unknown = set(doc) - _FIELDS
    if unknown:
        raise invalid_argument(f"genesis: unknown field {sorted(unknown)[0]}")
    chain_id = _field(doc, "chain_id", str)
    timeouts = _field(doc, "timeouts", dict, {})
    if set(timeouts) - set(_TIMEOUTS):
        raise invalid_argument(f"genesis: unknown timeout {sorted(set(timeouts) - set(_TIMEOUTS))[0]}")
    masternodes = []
    for m in _field(doc, "masternodes", list):
        if set(m) != {"consensus_key", "owner", "reward_address", "collateral"}:
            raise invalid_argument("genesis: a masternode has consensus_key, owner, reward_address and collateral")
        key = bytes.fromhex(_field(m, "consensus_key", str))
        if len(key) != 32:
            raise invalid_argument("genesis: a consensus key is 64 hex digits")
        masternodes.append(transaction_pb2.GenesisMasternode(
            consensus_key=key, owner_address=decode_address(m["owner"], chain_id),
            reward_address=decode_address(m["reward_address"], chain_id), collateral=_amount(m, "collateral")))
    params = transaction_pb2.ChainParams(
        genesis_time_ms=_field(doc, "genesis_time_ms", int),
        **{k: _field(timeouts, k, int, v) for k, v in _TIMEOUTS.items()},
        **{k: _field(doc, k, int, v) for k, v in _NUMBERS.items()},
        **{k: _amount(doc, k, v) for k, v in _AMOUNTS.items()},
        masternodes=masternodes)
    allocations = [transaction_pb2.TxOutput(address=decode_address(_field(a, "address", str), chain_id),
                                            amount=_amount(a, "amount")) for a in _field(doc, "allocations", list)]
    tx = transaction_pb2.Transaction(  # allocations, then each masternode's collateral, in file order
        version=2, kind=transaction_pb2.TRANSACTION_KIND_GENESIS,
        outputs=allocations + [transaction_pb2.TxOutput(amount=m.collateral, address=m.owner_address)
                               for m in masternodes],
        genesis=transaction_pb2.GenesisPayload(chain_id=chain_id, params=params))
    members = validator_set_1(params)
    set_hash = canonical.validator_set_hash(members)
    header = block_pb2.BlockHeader(
        version=2, chain_id=chain_id, height=0, timestamp_ms=params.genesis_time_ms, prev_hash=NIL_HASH,
        tx_root=canonical.merkle_root([canonical.txid(tx)]), witness_root=canonical.merkle_root([canonical.wtxid(tx)]),
        last_certificate_hash=NIL_HASH, validator_set_hash=set_hash, next_validator_set_hash=set_hash,
        proposer=bytes(32))
    return Genesis(block_pb2.Block(header=header, body=block_pb2.BlockBody(transactions=[tx])), tuple(members))


def validator_set_1(params: transaction_pb2.ChainParams) -> list[certificate_pb2.Validator]:
    """set(1) (docs/protocol.md 4.1): weight = whole TIME of collateral; the max_validators heaviest
    with weight > 0, the lower key first among equal weights; listed in key order."""
    weighed = [(m.consensus_key, m.collateral // UNITS_PER_TIME) for m in params.masternodes]
    chosen = sorted((m for m in weighed if m[1] > 0), key=lambda m: (-m[1], m[0]))[:params.max_validators]
    return [certificate_pb2.Validator(key=k, weight=w) for k, w in sorted(chosen)]
