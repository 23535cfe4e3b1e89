// One transaction: pending or final, its inputs (with the outputs they spend), outputs and fee.
import { addressOf, fromHex, TransactionKind, TransactionStatus, type TxOutput } from "@timecoin/sdk";
import { chainId } from "../chain.js";
import { errorBox, fields, h, table } from "../dom.js";
import { addressLink, hashLink, heightLink, keyText, time } from "../format.js";
import { isNotFound, node } from "../node.js";
import { kindName } from "./block.js";

export async function txView(id: string): Promise<HTMLElement> {
  let got;
  try {
    got = await node.getTransaction({ txid: fromHex(id) });
  } catch (e) {
    if (isNotFound(e)) return errorBox(`No transaction ${id} in a finalized block or in the mempool.`);
    throw e;
  }
  const tx = got.transaction!;
  const final = got.status === TransactionStatus.FINALIZED;
  // The outputs the inputs spend, for their amounts and the fee.
  const spent: (TxOutput | undefined)[] = await Promise.all(
    tx.inputs.map((i) =>
      node
        .getTransaction({ txid: i.outpoint!.txid })
        .then((p) => p.transaction?.outputs[i.outpoint!.index])
        .catch(() => undefined),
    ),
  );
  const inSum = spent.reduce((s, o) => s + (o?.amount ?? 0n), 0n);
  const outSum = tx.outputs.reduce((s, o) => s + o.amount, 0n);
  const paysFee = tx.kind !== TransactionKind.REWARD && tx.kind !== TransactionKind.GENESIS;
  const payload = tx.payload;

  return h(
    "section",
    null,
    h("h2", null, "Transaction"),
    fields([
      ["txid", h("span", { class: "hash full" }, id)],
      [
        "Status",
        final
          ? h("span", { class: "ok tx-status" }, "final")
          : h("span", { class: "pending tx-status" }, "pending (in the mempool, not yet in a finalized block)"),
      ],
      ["Block", final ? [heightLink(got.blockHeight), `, position ${got.index}`] : "none yet"],
      ["Kind", kindName(tx.kind)],
      ["Fee", paysFee ? (spent.every((o) => o !== undefined) ? time(inSum - outSum) : "unknown (an input's output was not found)") : "none"],
      payload.case === "registerMasternode" ? ["Registers", keyText(payload.value.consensusKey)] : null,
      payload.case === "deregisterMasternode" ? ["Deregisters", keyText(payload.value.consensusKey)] : null,
      payload.case === "reward" ? ["Reward of", heightLink(payload.value.height)] : null,
    ].filter((r): r is [string, HTMLElement | string] => r !== null)),
    h("h3", null, `Inputs (${tx.inputs.length})`),
    tx.inputs.length === 0
      ? h("p", null, "None: this transaction makes new units.")
      : table(
          ["spends", "from", "amount"],
          tx.inputs.map((i, n) => [
            [hashLink("tx", i.outpoint!.txid), `:${i.outpoint!.index}`],
            i.witness ? addressLink(addressOf(i.witness.publicKey), chainId()) : "?",
            spent[n] ? time(spent[n]!.amount) : "?",
          ]),
        ),
    h("h3", null, `Outputs (${tx.outputs.length})`),
    table(
      ["#", "to", "amount"],
      tx.outputs.map((o, n) => [n, addressLink(o.address, chainId()), time(o.amount)]),
    ),
  );
}
