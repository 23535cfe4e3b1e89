"""TIME client SDK (protocol v2): canonical bytes and hashes, the exact Ed25519 rule, addresses,
certificates, a blocking client (timecoin.Client) and an asyncio one (timecoin.aio.Client) with
the verified finalized-block subscription, and a wallet. See README.md and docs/sdk.md."""
from timecoin._common import Submitted, Timings
from timecoin.address import address_bytes, address_of, decode_address, encode_address
from timecoin.canonical import (block_hash, certificate_hash, merkle_root, txid, txsig_bytes, validator_set_hash,
                                wtxid)
from timecoin.client import Client, FinalizedBlocks
from timecoin.consensus import (CertificateVerdict, Fees, ValidatorSet, check_certificate, proposer, required_fee,
                                subsidy)
from timecoin.crypto import sign, verify
from timecoin.genesis import Genesis, load_genesis
from timecoin.errors import InsufficientFundsError, TimeError
from timecoin.trust import TrustRoot, VerifiedBlock
from timecoin.wallet import KeyFileError, Wallet

__all__ = ["CertificateVerdict", "Client", "Fees", "FinalizedBlocks", "Genesis", "load_genesis", "InsufficientFundsError", "KeyFileError",
           "Submitted", "TimeError", "Timings", "TrustRoot", "ValidatorSet", "VerifiedBlock", "Wallet", "address_bytes",
           "address_of", "block_hash", "certificate_hash", "check_certificate", "decode_address", "encode_address",
           "merkle_root", "proposer", "required_fee", "sign", "subsidy", "txid", "txsig_bytes", "validator_set_hash",
           "verify", "wtxid"]
