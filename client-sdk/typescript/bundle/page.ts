// The browser example that `npm run bundle` builds: follow a node's finalized blocks over gRPC-Web,
// each verified from the genesis hash the page is given, and show each certificate's weight.
// Open index.html?node=http://127.0.0.1:24103&genesis=<64 hex digits>.
import { checkCertificate, connectWeb, hex, NodeError, TrustRoot } from "@timecoin/sdk/web";

const params = new URLSearchParams(location.search);
const genesis = params.get("genesis");
const out = document.getElementById("blocks")!;
const say = (text: string) => out.prepend(Object.assign(document.createElement("li"), { textContent: text }));

if (genesis === null) {
  say("give ?genesis=<the genesis hash of your chain> (and ?node=<the node's web port URL>)");
} else {
  const client = connectWeb({ baseUrl: params.get("node") ?? location.origin, trustRoot: TrustRoot.genesis(genesis) });
  try {
    const chainId = await client.chainId();
    for await (const b of client.subscribeFinalized()) {
      const verdict = checkCertificate(chainId, b.block.certificate!, b.set.validators);
      say(`block ${b.height} ${hex(b.hash).slice(0, 16)}: signed ${verdict.signedWeight}/${verdict.totalWeight}, verified`);
    }
  } catch (e) {
    say(e instanceof NodeError ? `refused: ${e.reasonName} (${e.message})` : String(e));
  }
}
