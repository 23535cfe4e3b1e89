// 4. Send: the faucet pays Alice 12.5 TIME with the exact required fee; wait until it is proven final.
import { awaitFinal, connectNode, hex, readGenesis, readKeyFile, TrustRoot, Wallet } from "@timecoin/sdk/node";

const home = process.env.TIMED_HOME ?? "devnet";
const genesis = await readGenesis(`${home}/genesis.json`);
const client = connectNode({ target: process.env.TIMED_TARGET ?? "127.0.0.1:24101", trustRoot: TrustRoot.genesis(genesis.hash) });

const faucet = await readKeyFile(`${home}/faucet.key`);
const alice = Wallet.generate();
const to = alice.address(genesis.chainId);
const txid = await faucet.transfer(client, to, 1_250_000_000n); // 12.5 TIME in units of 10^-8
console.log(`sent ${hex(txid)}`);
const height = await awaitFinal(client, txid); // a block verified from the trust root holds it
console.log(`final in block ${height}; ${to} holds ${(await client.balance(to)).balance} units`);
client.close();
