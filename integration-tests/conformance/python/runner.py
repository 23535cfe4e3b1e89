"""The Python runner of the conformance scenario (integration-tests/conformance/README.md).

    python runner.py SCENARIO.json SETUP.json

Prints what the timecoin package sees, one fact a line, in the format every runner prints.
"""
from __future__ import annotations

import json
import sys

from timecoin import Client, TimeError, TrustRoot, Wallet, check_certificate, required_fee, txid
from timecoin.v1 import certificate_pb2, transaction_pb2

TRANSACTION_VERSION = 2  # docs/protocol.md 2


def tampered(cert: certificate_pb2.FinalityCertificate, how: dict) -> certificate_pb2.FinalityCertificate:
    out = certificate_pb2.FinalityCertificate()
    out.CopyFrom(cert)
    if "flip_signature_byte" in how:
        signer, byte = how["flip_signature_byte"]["signer"], how["flip_signature_byte"]["byte"]
        sig = bytearray(out.signatures[signer].signature)
        sig[byte] ^= 1
        out.signatures[signer].signature = bytes(sig)
    if "replace_last_signer_key" in how:
        out.signatures[-1].validator = bytes.fromhex(how["replace_last_signer_key"])
    if "keep_signers" in how:
        del out.signatures[how["keep_signers"]:]
    if "repeat_signer" in how:
        i = how["repeat_signer"]
        copy = certificate_pb2.CertificateSignature()
        copy.CopyFrom(out.signatures[i])
        signatures = list(out.signatures)
        signatures.insert(i + 1, copy)
        del out.signatures[:]
        out.signatures.extend(signatures)
    if how.get("nil_block_hash"):
        out.block_hash = bytes(32)
    if how.get("height_plus_one"):
        out.height += 1
    return out


def transfer(spec: dict, setup: dict, alice: Wallet, recipients: dict[str, Wallet], chain_id: str) -> tuple[transaction_pb2.Transaction, int]:
    coin = setup["inputs"][spec["input"]]
    available, amount = int(coin["amount"]), int(spec["amount"])
    tx = transaction_pb2.Transaction(version=TRANSACTION_VERSION, kind=transaction_pb2.TRANSACTION_KIND_TRANSFER)
    tx.inputs.add().outpoint.CopyFrom(transaction_pb2.OutPoint(txid=bytes.fromhex(coin["txid"]), index=coin["index"]))
    tx.outputs.add(amount=amount, address=recipients[spec["to"]].address_bytes)
    tx.outputs.add(amount=0, address=alice.address_bytes)  # the change; amounts do not change the size
    fee = required_fee(alice.sign(tx, chain_id))  # priced signed: the witnesses count
    assert fee is not None
    if spec["fee"] == "required-minus-one":
        fee -= 1
    tx.outputs[1].amount = available - amount - fee
    signed = alice.sign(tx, chain_id)
    if "flip_signature_byte" in spec:
        sig = bytearray(signed.inputs[0].witness.signature)
        sig[spec["flip_signature_byte"]] ^= 1
        signed.inputs[0].witness.signature = bytes(sig)
    return signed, fee


def main(scenario_path: str, setup_path: str) -> None:
    with open(scenario_path) as f:
        scenario = json.load(f)
    with open(setup_path) as f:
        setup = json.load(f)
    with Client(setup["target"], trust_root=TrustRoot.genesis(setup["genesis_hash"]), deadline=30) as client:
        chain_id = client.chain_id()
        change = setup["set_change_height"]

        last = change + scenario["blocks_after_set_change"]
        blocks = client.subscribe_finalized(1)
        for block in blocks:
            print(f"block {block.height} {block.hash.hex()}")
            if block.height >= last:
                break
        blocks.close()

        for h in (change - 1, change):
            s = client.verified_validator_set(h)
            print(f"set {h} {s.hash.hex()} {len(s.validators)}")

        for how in scenario["certificates"]:
            height = how["height"]
            verdict = check_certificate(chain_id, tampered(client.certificate(height), how),
                                        client.verified_validator_set(height).validators)
            print(f"certificate {how['name']} {verdict.reason or 'valid'}")

        keys = {name: Wallet.from_seed(bytes.fromhex(seed)) for name, seed in scenario["keys"].items()}
        for spec in scenario["transactions"]:
            name = spec["name"]
            tx, fee = transfer(spec, setup, keys["alice"], keys, chain_id)
            print(f"tx {name} {txid(tx).hex()} fee {fee}")
            try:
                client.submit(tx)
            except TimeError as e:
                print(f"tx {name} refused {e.reason}")
                continue
            print(f"tx {name} accepted")
            if spec.get("expect_final"):
                print(f"tx {name} final at {client.await_final(txid(tx), timeout=60)}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
