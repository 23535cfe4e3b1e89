// The front page: finalized blocks as the subscription delivers them, newest first.
import { blockHash } from "@timecoin/sdk";
import { live, onChange } from "../chain.js";
import { h, loading, table } from "../dom.js";
import { age, hashLink, heightLink, keyText } from "../format.js";

const SHOWN = 20;

export function homeView(cleanup: (f: () => void) => void): HTMLElement {
  const box = h("section", null);
  const draw = (): void => box.replaceChildren(...render());
  draw();
  cleanup(onChange(draw));
  return box;
}

function render(): HTMLElement[] {
  const blocks = [...live.blocks.values()].reverse().slice(0, SHOWN);
  const total = live.set?.validators.length ?? 0;
  return [
    h("h2", null, "Latest finalized blocks", h("span", { class: "live-dot", title: "live from the subscription" })),
    blocks.length === 0
      ? loading("blocks")
      : table(
          ["height", "age", "txs", "signers", "proposer", "hash"],
          blocks.map((fb) => {
            const header = fb.block!.header!;
            return [
              heightLink(header.height),
              age(Date.now() - Number(header.timestampMs)),
              fb.block!.body!.transactions.length,
              `${fb.certificate?.signatures.length ?? 0}/${total}`,
              keyText(header.proposer),
              hashLink("block", blockHash(header)),
            ];
          }),
          "blocks",
        ),
    h(
      "p",
      { class: "note" },
      `Blocks come from the node's subscription over gRPC-Web as they become final. ${total - 1} of ${total} signers is the usual count, not a fault: more than 2/3 of the weight makes a block final, and the next block's certificate carries the late signers (docs/protocol.md 5.7).`,
    ),
  ];
}
