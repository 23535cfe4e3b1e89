// 5. Refusals: every failure is a NodeError with a gRPC code and the reason of errors.proto.
import { awaitFinal, connectNode, Code, ErrorReason, NodeError, readGenesis, readKeyFile, TrustRoot, Wallet } from "@timecoin/sdk/node";

const home = process.env.TIMED_HOME ?? "devnet";
const genesis = await readGenesis(`${home}/genesis.json`);
const client = connectNode({ target: process.env.TIMED_TARGET ?? "127.0.0.1:24101", trustRoot: TrustRoot.genesis(genesis.hash) });
const faucet = await readKeyFile(`${home}/faucet.key`);
const bob = Wallet.generate().address(genesis.chainId);

const first = await faucet.prepareTransfer(client, bob, 100_000_000n); // built and signed, not sent
const second = await faucet.prepareTransfer(client, bob, 200_000_000n); // the same coins, another payment
await awaitFinal(client, await client.submit(first));
try {
  await client.submit(second); // its coins are spent now (sending `first` again would just answer its txid)
} catch (e) {
  if (!(e instanceof NodeError)) throw e;
  console.log(`refused: ${Code[e.code]} / ${e.reasonName}`); // FailedPrecondition / ALREADY_SPENT
  if (e.reason !== ErrorReason.ALREADY_SPENT) process.exitCode = 1;
}
client.close();
