"""Connect to a node and show where its chain is.

    python examples/status.py --target 127.0.0.1:24101
"""
import argparse

from timecoin import Client

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--target", default="127.0.0.1:24101", help="host:port, or a port on 127.0.0.1")
args = parser.parse_args()

with Client(args.target) as client:
    status = client.status()
    print(f"chain {status.chain_id}  genesis {status.genesis_hash.hex()}  "
          f"finalized {status.finalized_height}  peers {len(status.peers)}")
