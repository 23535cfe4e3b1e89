"""Follow finalized blocks, each verified from the genesis hash of genesis.json.

    python examples/subscribe.py --genesis devnet/genesis.json --from-height 1 --count 20
"""
import argparse
import itertools

from timecoin import Client, TrustRoot

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--target", default="127.0.0.1:24101", help="host:port, or a port on 127.0.0.1")
parser.add_argument("--genesis", default="devnet/genesis.json", help="the chain's genesis.json: the trust root")
parser.add_argument("--from-height", type=int, default=1)
parser.add_argument("--count", type=int, default=None, help="stop after this many blocks (default: never)")
args = parser.parse_args()

root = TrustRoot.from_genesis_file(args.genesis)  # the genesis hash, computed from the file
with Client(args.target, trust_root=root) as client, client.subscribe_finalized(args.from_height) as blocks:
    for block in itertools.islice(blocks, args.count):  # each block is checked before it comes
        print(f"height {block.height}  hash {block.hash.hex()}  txs {len(block.block.body.transactions)}  "
              f"signers {len(block.finalized.certificate.signatures)}/{len(block.validator_set.validators)}",
              flush=True)
