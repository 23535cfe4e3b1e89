// 3. A wallet: a new key in a key file (the node's format, mode 0600), its address and balance.
import { connectNode, readGenesis, readKeyFile, TrustRoot, Wallet, writeKeyFile } from "@timecoin/sdk/node";
import { existsSync } from "node:fs";

const home = process.env.TIMED_HOME ?? "devnet";
const genesis = await readGenesis(`${home}/genesis.json`);
const client = connectNode({ target: process.env.TIMED_TARGET ?? "127.0.0.1:24101", trustRoot: TrustRoot.genesis(genesis.hash) });

const path = `${home}/alice.key`;
if (!existsSync(path)) await writeKeyFile(path, Wallet.generate()); // never overwrites a key
const alice = await readKeyFile(path);
const address = alice.address(genesis.chainId);
const { balance, unspentCount } = await client.balance(address);
console.log(`${address} holds ${balance} units in ${unspentCount} outputs`);
client.close();
