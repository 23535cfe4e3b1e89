"""Pay from a key file and wait until the payment is final.

    python examples/send.py --key devnet/faucet.key --to timet1... --amount 2.5
"""
import argparse
from decimal import Decimal

from timecoin import Client, TrustRoot, Wallet, load_genesis

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--target", default="127.0.0.1:24101", help="host:port, or a port on 127.0.0.1")
parser.add_argument("--genesis", default="devnet/genesis.json", help="the chain's genesis.json: the trust root")
parser.add_argument("--key", default="devnet/faucet.key", help="the payer's key file (timed keygen)")
parser.add_argument("--to", required=True, help="the recipient's address, timet1...")
parser.add_argument("--amount", required=True, type=Decimal, help="in TIME, e.g. 2.5")
args = parser.parse_args()

genesis = load_genesis(args.genesis)  # the trust root and the chain's fee parameters
wallet = Wallet.from_key_file(args.key)
with Client(args.target, trust_root=TrustRoot.genesis(genesis.hash)) as client:
    units = int(args.amount * 100_000_000)
    txid = wallet.transfer(client, args.to, units, fees=genesis.fees)
    print(f"sent {args.amount} TIME from {wallet.address(genesis.chain_id)}: txid {txid.hex()}", flush=True)
    print(f"final in block {client.await_final(txid, timeout=60)}")
