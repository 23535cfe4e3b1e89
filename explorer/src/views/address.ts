// One address: its finalized balance, unspent outputs and history (ListAddressTransactions).
import { decodeAddress, type AddressTransaction } from "@timecoin/sdk";
import { chainId } from "../chain.js";
import { errorBox, fields, h, table } from "../dom.js";
import { hashLink, heightLink, time, when } from "../format.js";
import { describe, node } from "../node.js";

export async function addressView(address: string): Promise<HTMLElement> {
  try {
    decodeAddress(address, chainId());
  } catch (e) {
    return errorBox(`Not an address of ${chainId()}: ${(e as Error).message}`);
  }
  const [balance, unspent] = await Promise.all([
    node.getBalance({ address }),
    node.listUnspent({ address, pageSize: 100 }),
  ]);
  return h(
    "section",
    null,
    h("h2", null, "Address"),
    fields([
      ["Address", h("span", { class: "hash full" }, address)],
      ["Balance", h("span", { class: "balance" }, time(balance.balance))],
      ["Unspent outputs", balance.unspentCount],
      ["At height", heightLink(balance.height)],
    ]),
    h("h3", null, "History"),
    history(address),
    h("h3", null, `Unspent (${balance.unspentCount})`),
    table(
      ["output", "height", "amount"],
      unspent.outputs.map((u) => [
        [hashLink("tx", u.outpoint!.txid), `:${u.outpoint!.index}`],
        heightLink(u.height),
        time(u.output!.amount),
      ]),
    ),
    unspent.nextPageToken ? h("p", { class: "note" }, `The first ${unspent.outputs.length} are shown.`) : null,
  );
}

/** Newest first, a page at a time, with a button for the older ones. */
function history(address: string): HTMLElement {
  const box = h("div", { class: "history" });
  const rows: AddressTransaction[] = [];
  const load = async (pageToken: string): Promise<void> => {
    box.replaceChildren(h("p", { class: "loading" }, "Loading history…"));
    try {
      const page = await node.listAddressTransactions({ address, pageSize: 25, pageToken });
      rows.push(...page.transactions);
      box.replaceChildren(
        rows.length === 0
          ? h("p", null, "No finalized transaction touches this address.")
          : table(
              ["txid", "block", "time", "received", "sent"],
              rows.map((t) => [
                hashLink("tx", t.txid),
                heightLink(t.height),
                when(t.timestamp),
                t.received > 0n ? h("span", { class: "ok" }, `+${time(t.received)}`) : "",
                t.sent > 0n ? h("span", { class: "bad" }, `−${time(t.sent)}`) : "",
              ]),
              "history",
            ),
        page.nextPageToken ? h("button", { onclick: () => void load(page.nextPageToken) }, "Older") : "",
      );
    } catch (e) {
      box.replaceChildren(errorBox(`History: ${describe(e)}`));
    }
  };
  void load("");
  return box;
}
