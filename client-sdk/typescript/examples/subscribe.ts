// 2. Subscribe: finalized blocks, each verified from the trust root before it is yielded.
import { connectNode, hex, readGenesis, TrustRoot } from "@timecoin/sdk/node";

const home = process.env.TIMED_HOME ?? "devnet";
const genesis = await readGenesis(`${home}/genesis.json`);
const client = connectNode({ target: process.env.TIMED_TARGET ?? "127.0.0.1:24101", trustRoot: TrustRoot.genesis(genesis.hash) });

let seen = 0;
for await (const block of client.subscribeFinalized(1n)) { // from block 1; reconnects by itself
  const signers = block.block.certificate!.signatures.length;
  console.log(`block ${block.height} ${hex(block.hash).slice(0, 16)} txs ${block.txids.length} signers ${signers}`);
  if (++seen === 5) break; // leaving the loop ends the subscription
}
client.close();
