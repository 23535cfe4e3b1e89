// 1. Connect: trust the genesis.json you hold, ask the node where the chain stands.
import { connectNode, hex, readGenesis, TrustRoot } from "@timecoin/sdk/node";

const home = process.env.TIMED_HOME ?? "devnet";
const genesis = await readGenesis(`${home}/genesis.json`);
const client = connectNode({
  target: process.env.TIMED_TARGET ?? "127.0.0.1:24101",
  trustRoot: TrustRoot.genesis(genesis.hash), // the node must show this genesis, or every call that checks fails
});
const status = await client.status(); // the node's word (unverified)
console.log(`chain ${await client.chainId()}, genesis ${hex(genesis.hash)}`);
console.log(`finalized height ${status.finalizedHeight}, ${status.peers.length} peers`);
client.close();
