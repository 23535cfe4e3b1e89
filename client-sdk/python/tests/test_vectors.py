"""Every entry of proto/testvectors/v2.json, rebuilt by the SDK (docs/protocol.md 2.2)."""
from __future__ import annotations

import copy
import struct

import pytest

from tests.vectors import DOC, message, raw
from timecoin import canonical, consensus, crypto
from timecoin.address import address_bytes, address_of, decode_address, encode_address
from timecoin.errors import TimeError
from timecoin.v1 import block_pb2, certificate_pb2, consensus_pb2, peer_pb2, transaction_pb2

CHAIN = DOC["chain_id"]
Tx = transaction_pb2.Transaction

ENCODERS = {
    "vote": lambda f: canonical.vote_bytes(message(consensus_pb2.Vote, f)),
    "header": lambda f: canonical.header_bytes(message(block_pb2.BlockHeader, f)),
    "proposal": lambda f: canonical.proposal_bytes(message(consensus_pb2.Proposal, f)),
    "tx": lambda f: canonical.tx_bytes(message(Tx, f)),
    "txw": lambda f: canonical.txw_bytes(message(Tx, f)),
    "params": lambda f: canonical.params_bytes(message(transaction_pb2.GenesisPayload, f)),
    "txsig": lambda f: canonical.txsig_bytes(f["chain_id"], raw(f["txid"])),
    "validator_set": lambda f: canonical.validator_set_bytes(message(certificate_pb2.ValidatorSet, f).validators),
    "certificate": lambda f: canonical.certificate_bytes(message(certificate_pb2.FinalityCertificate, f)),
    "hello": lambda f: canonical.hello_bytes(message(peer_pb2.Hello, f)),
    "proposer_seed": lambda f: canonical.proposer_seed_bytes(f["chain_id"], int(f["height"]), f["round"]),
}


def tag_of(b: bytes) -> str:
    (n,) = struct.unpack(">I", b[:4])
    return b[4:4 + n].decode()


def test_file_header() -> None:
    assert DOC["format"] == "timecoin-test-vectors/2"
    assert CHAIN == "timecoin-devnet"
    # every top-level section has tests here; a new one must get its own
    assert set(DOC) == {"format", "chain_id", "keys", "structures", "signed_vote", "certificates",
                        "signature_checks", "merkle_roots", "witness_roots", "genesis_block", "subsidy",
                        "proposers", "ed25519", "fees"}


@pytest.mark.parametrize("i", range(len(DOC["keys"])))
def test_keys(i: int) -> None:
    k = DOC["keys"][i]
    seed = crypto.sha256(f"timecoin test vector key {i}".encode())
    assert seed.hex() == k["seed"]
    pub = crypto.public_key(seed)
    assert pub.hex() == k["public_key"]
    assert address_bytes(pub).hex() == k["address"]
    assert address_of(pub, CHAIN) == k["address_testnet"]
    assert address_of(pub, "timecoin-mainnet") == k["address_mainnet"]
    assert decode_address(k["address_testnet"], CHAIN) == raw(k["address"])
    assert decode_address(k["address_testnet"].upper(), CHAIN) == raw(k["address"])  # one case is fine
    with pytest.raises(TimeError, match="prefix") as e:
        decode_address(k["address_mainnet"], CHAIN)
    assert e.value.reason == "INVALID_ARGUMENT"
    mixed = k["address_testnet"][:10].upper() + k["address_testnet"][10:]
    with pytest.raises(TimeError):
        decode_address(mixed, CHAIN)
    flipped = k["address_testnet"][:-1] + ("q" if k["address_testnet"][-1] != "q" else "p")
    with pytest.raises(TimeError):
        decode_address(flipped, CHAIN)


@pytest.mark.parametrize("s", DOC["structures"], ids=lambda s: s["name"])
def test_structures(s: dict) -> None:
    b = ENCODERS[s["name"].split("/")[0]](s["fields"])
    assert tag_of(b) == s["domain"]
    assert b.hex() == s["bytes"]
    assert crypto.sha256(b).hex() == s["sha256"]
    if s["name"].startswith("tx/"):
        tx = message(Tx, s["fields"])
        assert canonical.txid(tx).hex() == s["sha256"]
        signed = canonical.txsig_bytes(CHAIN, canonical.txid(tx))
        for w in [i.witness for i in tx.inputs] + list(tx.kind_witnesses):
            assert crypto.verify(w.public_key, signed, w.signature), "witness verifies over TXSIG"
    if s["name"].startswith("txw/"):
        assert canonical.wtxid(message(Tx, s["fields"])).hex() == s["sha256"]


def test_structures_form_one_block() -> None:
    by = {s["name"]: s for s in DOC["structures"]}
    header = message(block_pb2.BlockHeader, by["header"]["fields"])
    txs = [message(Tx, s["fields"]) for s in DOC["structures"] if s["name"].startswith("tx/")]
    assert canonical.merkle_root([canonical.txid(t) for t in txs]) == header.tx_root
    assert canonical.merkle_root([canonical.wtxid(t) for t in txs]) == header.witness_root
    assert canonical.validator_set_hash(message(certificate_pb2.ValidatorSet, by["validator_set"]["fields"]).validators) \
        == header.validator_set_hash
    assert canonical.validator_set_hash(
        message(certificate_pb2.ValidatorSet, by["validator_set/next"]["fields"]).validators) == header.next_validator_set_hash
    cert = message(certificate_pb2.FinalityCertificate, by["certificate"]["fields"])
    assert canonical.certificate_hash(cert) == header.last_certificate_hash
    assert (cert.block_hash, cert.height + 1) == (header.prev_hash, header.height)
    proposal = message(consensus_pb2.Proposal, by["proposal/valid_round=-1"]["fields"])
    assert canonical.block_hash(proposal.block.header) == raw(by["header"]["sha256"])


def test_malformed_structures_are_refused() -> None:
    vote = message(consensus_pb2.Vote, DOC["structures"][0]["fields"])
    vote.block_hash = vote.block_hash[1:]
    with pytest.raises(TimeError) as e:
        canonical.vote_bytes(vote)
    assert e.value.reason == "MALFORMED"
    vset = message(certificate_pb2.ValidatorSet, next(s for s in DOC["structures"] if s["name"] == "validator_set")["fields"])
    with pytest.raises(TimeError, match="ascending"):
        canonical.validator_set_bytes(list(reversed(vset.validators)))
    tx = message(Tx, next(s for s in DOC["structures"] if s["name"] == "tx/transfer")["fields"])
    tx.kind = transaction_pb2.TRANSACTION_KIND_REWARD  # a payload that does not match the kind
    with pytest.raises(TimeError, match="does not match"):
        canonical.tx_bytes(tx)


def test_signed_vote() -> None:
    sv = DOC["signed_vote"]
    vote = message(consensus_pb2.Vote, sv["vote"])
    seed = raw(sv["signer_seed"])
    b = canonical.vote_bytes(vote)
    assert b.hex() == sv["bytes"]
    assert crypto.public_key(seed) == vote.validator
    assert crypto.sign(seed, b).hex() == sv["signature"] == vote.signature.hex()
    assert crypto.verify(vote.validator, b, vote.signature)


@pytest.mark.parametrize("i", range(len(DOC["certificates"])))
def test_certificates(i: int) -> None:
    c = DOC["certificates"][i]
    cert = message(certificate_pb2.FinalityCertificate, c["certificate"])
    vset = message(certificate_pb2.ValidatorSet, c["validator_set"])
    assert canonical.certificate_bytes(cert).hex() == c["bytes"]
    assert canonical.certificate_hash(cert).hex() == c["hash"]
    verdict = consensus.check_certificate(c["chain_id"], cert, vset.validators)
    assert str(verdict.signed_weight) == c["signed_weight"]
    assert str(verdict.total_weight) == c["total_weight"]
    assert (verdict.reason is None) == c["quorum"]


def test_certificate_reasons() -> None:
    c = next(c for c in DOC["certificates"] if c["quorum"])
    vset = message(certificate_pb2.ValidatorSet, c["validator_set"])
    forged = message(certificate_pb2.FinalityCertificate, c["certificate"])
    sig = bytearray(forged.signatures[0].signature)
    sig[0] ^= 1
    forged.signatures[0].signature = bytes(sig)
    assert consensus.check_certificate(CHAIN, forged, vset.validators).reason == "BAD_SIGNATURE"
    cert = message(certificate_pb2.FinalityCertificate, c["certificate"])
    assert consensus.check_certificate(CHAIN, cert, vset.validators[1:]).reason == "UNKNOWN_VALIDATOR"
    assert consensus.check_certificate("timecoin-other", cert, vset.validators).reason == "BAD_SIGNATURE"
    few = copy.deepcopy(cert)
    del few.signatures[1:]
    assert consensus.check_certificate(CHAIN, few, vset.validators).reason == "NO_QUORUM"
    nil = copy.deepcopy(cert)
    nil.block_hash = bytes(32)
    assert consensus.check_certificate(CHAIN, nil, vset.validators).reason == "MALFORMED"


@pytest.mark.parametrize("c", DOC["signature_checks"], ids=lambda c: c["name"])
def test_signature_checks(c: dict) -> None:
    pub, msg, sig = raw(c["public_key"]), raw(c["message"]), raw(c["signature"])
    assert crypto.verify(pub, msg, sig) == c["valid"]
    s = int.from_bytes(sig[32:], "little")
    if s >= crypto.L:  # S >= L alone makes it invalid: reduced mod L it verifies
        assert crypto.verify(pub, msg, sig[:32] + (s % crypto.L).to_bytes(32, "little"))


@pytest.mark.parametrize("c", DOC["merkle_roots"], ids=lambda c: f"{len(c['leaves'])} leaves")
def test_merkle_roots(c: dict) -> None:
    assert canonical.merkle_root([raw(x) for x in c["leaves"]]).hex() == c["root"]


@pytest.mark.parametrize("c", DOC["witness_roots"], ids=lambda c: f"{len(c['transactions'])} transactions")
def test_witness_roots(c: dict) -> None:
    txs = [message(Tx, t) for t in c["transactions"]]
    assert [canonical.txid(t).hex() for t in txs] == c["txids"]
    assert [canonical.wtxid(t).hex() for t in txs] == c["wtxids"]
    assert canonical.merkle_root([canonical.txid(t) for t in txs]).hex() == c["tx_root"]
    assert canonical.merkle_root([canonical.wtxid(t) for t in txs]).hex() == c["witness_root"]


def test_merkle_worked_example() -> None:  # docs/protocol.md 2.1
    ids = [bytes([i]) * 32 for i in (1, 2, 3)]
    assert canonical.merkle_root(ids).hex() == "df896896c799531f1fd1e556cea26a6989ab06853bcbfdd3e4f5097a611f658f"


class TestGenesisBlock:
    gb = DOC["genesis_block"]
    header = message(block_pb2.BlockHeader, gb["block"]["header"])
    tx = message(Tx, gb["block"]["body"]["transactions"][0])

    def test_header_bytes_and_hash(self) -> None:
        assert canonical.header_bytes(self.header).hex() == self.gb["header_bytes"]
        assert canonical.block_hash(self.header).hex() == self.gb["hash"]
        assert len(self.gb["block"]["body"]["transactions"]) == 1
        assert self.tx.kind == transaction_pb2.TRANSACTION_KIND_GENESIS
        assert self.header.tx_root == canonical.merkle_root([canonical.txid(self.tx)])
        assert self.header.witness_root == canonical.merkle_root([canonical.wtxid(self.tx)])
        assert self.header.prev_hash == self.header.last_certificate_hash == self.header.proposer == bytes(32)

    def test_set_1_is_the_heaviest_in_key_order(self) -> None:
        params = self.tx.genesis.params
        weighed = sorted(((m.consensus_key, m.collateral // consensus.UNITS_PER_TIME) for m in params.masternodes
                          if m.collateral // consensus.UNITS_PER_TIME > 0), key=lambda m: (-m[1], m[0]))
        chosen = sorted(weighed[:params.max_validators])
        vset = message(certificate_pb2.ValidatorSet, self.gb["validator_set"])
        assert [(v.key, v.weight) for v in vset.validators] == chosen
        assert self.header.validator_set_hash == self.header.next_validator_set_hash \
            == canonical.validator_set_hash(vset.validators)

    def test_hash_commits_to_every_parameter(self) -> None:
        params = self.gb["block"]["body"]["transactions"][0]["genesis"]["params"]
        for key, value in params.items():
            changed = copy.deepcopy(self.gb["block"]["body"]["transactions"][0])
            changed["genesis"]["params"][key] = (value[:-1] if isinstance(value, list) else
                                                 str(int(value) + 1) if isinstance(value, str) else value + 1)
            altered = block_pb2.BlockHeader()
            altered.CopyFrom(self.header)
            altered.tx_root = canonical.merkle_root([canonical.txid(message(Tx, changed))])
            assert canonical.block_hash(altered) != canonical.block_hash(self.header), key


@pytest.mark.parametrize("c", DOC["subsidy"], ids=lambda c: f"h={c['height']}")
def test_subsidy(c: dict) -> None:
    assert str(consensus.subsidy(int(c["height"]))) == c["units"]


@pytest.mark.parametrize("p", DOC["proposers"]["picks"], ids=lambda p: f"h={p['height']} r={p['round']}")
def test_proposers(p: dict) -> None:
    vset = message(certificate_pb2.ValidatorSet, DOC["proposers"]["validator_set"])
    got = consensus.proposer(DOC["proposers"]["chain_id"], vset.validators, int(p["height"]), p["round"])
    assert got.hex() == p["proposer"]


@pytest.mark.parametrize("f", DOC["fees"], ids=lambda f: f["name"])
def test_fees(f: dict) -> None:
    tx = message(Tx, f["tx"])
    assert len(canonical.tx_bytes(tx)) == f["tx_bytes_len"]
    assert len(canonical.txw_bytes(tx)) == f["txw_bytes_len"]
    p = f["params"]
    fees = consensus.Fees(int(p["min_tx_fee"]), int(p["min_fee_per_byte"]), int(p["min_output"]), int(p["registration_fee"]))
    assert str(consensus.required_fee(tx, fees)) == f["required_fee"]


def test_required_fee_that_passes_2_64_cannot_be_paid() -> None:
    tx = message(Tx, DOC["fees"][0]["tx"])
    assert consensus.required_fee(tx, consensus.Fees(min_fee_per_byte=2**64 // 100)) is None


def test_address_round_trip_and_refusals() -> None:
    addr = bytes(range(20))
    text = encode_address(addr, CHAIN)
    assert text.startswith("timet1") and decode_address(text, CHAIN) == addr
    for bad in ("", "timet1", "timet1qqqqqq", text + "q", "b" + text[1:]):
        with pytest.raises(TimeError):
            decode_address(bad, CHAIN)
    with pytest.raises(TimeError):
        encode_address(addr[:19], CHAIN)
