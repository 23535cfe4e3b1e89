// One block: its header, transactions, reward, and its certificate checked here, signature by
// signature, against the validator set of its height.
import {
  blockHash,
  hex,
  subsidy,
  TransactionKind,
  txid,
  type Block,
  type FinalityCertificate,
  type GetBlockRequest,
  type Masternode,
  type Validator,
} from "@timecoin/sdk";
import { chainId, live, refreshMasternodes } from "../chain.js";
import { checkBlockCertificate, checkSigners } from "../certificate.js";
import { errorBox, fields, h, table } from "../dom.js";
import { addressLink, hashLink, heightLink, keyText, percent, short, time, when } from "../format.js";
import { isNotFound, node } from "../node.js";

export async function blockView(which: string): Promise<HTMLElement> {
  const selector: GetBlockRequest["selector"] = /^\d+$/.test(which)
    ? { case: "height", value: BigInt(which) }
    : { case: "hash", value: Uint8Array.from(which.match(/../g) ?? [], (b) => parseInt(b, 16)) };
  let got;
  try {
    got = await node.getBlock({ selector });
  } catch (e) {
    if (isNotFound(e)) return errorBox(`No finalized block ${selector.case === "height" ? `at height ${which}` : `with hash ${which}`}.`);
    throw e;
  }
  const block = got.block!;
  const header = block.header!;
  const height = header.height;
  // The set that voted on this height, the next block (its last_certificate carries late
  // signers), and the registry, to name who the reward paid.
  const [setAnswer, next, masternodes] = await Promise.all([
    height > 0n ? node.getValidatorSet({ height }) : undefined,
    node.getBlock({ selector: { case: "height", value: height + 1n } }).catch((e) => {
      if (isNotFound(e)) return undefined;
      throw e;
    }),
    live.masternodes.length > 0 ? live.masternodes : refreshMasternodes(),
  ]);
  const validators = setAnswer?.validatorSet?.validators ?? [];
  const nextCert = next?.block?.body?.lastCertificate;

  return h(
    "section",
    null,
    h(
      "h2",
      null,
      `Block ${height}`,
      h("span", { class: "nav" }, height > 0n ? heightLink(height - 1n) : null, " ", next ? heightLink(height + 1n) : null),
    ),
    fields([
      ["Hash", h("span", { class: "hash full" }, hex(blockHash(header)))],
      ["Time", when(header.timestampMs)],
      ["Chain", header.chainId],
      ["Version", header.version],
      ["Proposer", height > 0n ? keyText(header.proposer) : "none (block 0)"],
      ["Previous", height > 0n ? hashLink("block", header.prevHash, 16) : "none"],
      ["Round", got.certificate ? got.certificate.round : "none"],
      ["Tx root", h("span", { class: "hash" }, short(header.txRoot, 16))],
      ["Witness root", h("span", { class: "hash" }, short(header.witnessRoot, 16))],
      ["Validator set", h("span", { class: "hash" }, short(header.validatorSetHash, 16))],
      ["Next validator set", h("span", { class: "hash" }, short(header.nextValidatorSetHash, 16))],
      ["Last certificate", h("span", { class: "hash" }, short(header.lastCertificateHash, 16))],
    ]),
    transactions(block),
    reward(block, masternodes),
    got.certificate ? certificate(block, got.certificate, validators, nextCert) : null,
  );
}

function transactions(block: Block): HTMLElement {
  const txs = block.body?.transactions ?? [];
  return h(
    "div",
    null,
    h("h3", null, `Transactions (${txs.length})`),
    table(
      ["#", "txid", "kind", "inputs", "outputs", "output sum"],
      txs.map((tx, i) => [
        i,
        hashLink("tx", txid(tx)),
        kindName(tx.kind),
        tx.inputs.length,
        tx.outputs.length,
        time(tx.outputs.reduce((s, o) => s + o.amount, 0n)),
      ]),
    ),
  );
}

export const kindName = (k: TransactionKind): string => (TransactionKind[k] ?? String(k)).toLowerCase().replace(/_/g, " ");

/** docs/protocol.md 4.4: subsidy + fees, 10% and the remainders to the proposer, 90% to the signers of h-1. */
function reward(block: Block, masternodes: Masternode[]): HTMLElement | null {
  const header = block.header!;
  const tx = block.body?.transactions.find((t) => t.kind === TransactionKind.REWARD);
  if (tx === undefined || header.height < 1n) return null;
  const total = tx.outputs.reduce((s, o) => s + o.amount, 0n);
  const sub = subsidy(header.height);
  const byReward = new Map(masternodes.map((m) => [hex(m.rewardAddress), m]));
  const signers = new Set((block.body?.lastCertificate?.signatures ?? []).map((s) => hex(s.validator)));
  const rows = tx.outputs.map((o) => {
    const m = byReward.get(hex(o.address));
    const roles: string[] = [];
    if (m && hex(m.consensusKey) === hex(header.proposer)) roles.push("proposer");
    if (m && (signers.has(hex(m.consensusKey)) || header.height === 1n)) roles.push("signer");
    return [m ? keyText(m.consensusKey) : "?", roles.join(" + ") || "?", addressLink(o.address, chainId()), time(o.amount)];
  });
  return h(
    "div",
    null,
    h("h3", null, "Reward"),
    fields([
      ["Subsidy", time(sub)],
      ["Fees", time(total - sub)],
      ["Paid", `${time(total)}: 10% and the remainders to the proposer, 90% to the signers of block ${header.height - 1n}'s certificate by weight`],
    ]),
    table(["masternode", "role", "reward address", "amount"], rows),
  );
}

function certificate(
  block: Block,
  cert: FinalityCertificate,
  validators: readonly Validator[],
  nextCert: FinalityCertificate | undefined,
): HTMLElement {
  const header = block.header!;
  const check = checkBlockCertificate(header, cert, validators);
  const signed = new Set(check.signers.map((s) => hex(s.key)));
  // Late signers: in the certificate block h+1 carries (checked the same way) but not in this one.
  const late = new Map(
    nextCert && nextCert.height === header.height
      ? checkSigners(header.chainId, nextCert, validators).map((s) => [hex(s.key), s.verified])
      : [],
  );
  const rows = validators.map((v) => {
    const k = hex(v.key);
    const mine = check.signers.find((s) => hex(s.key) === k);
    let mark: HTMLElement;
    if (mine) mark = mine.verified ? h("span", { class: "ok sig" }, "✓ signature verified") : h("span", { class: "bad sig" }, "✗ bad signature");
    else if (late.get(k)) mark = h("span", { class: "late" }, `absent; signed late, carried by block ${header.height + 1n}'s certificate`);
    else mark = h("span", { class: "absent" }, nextCert ? "absent; not in the next block's certificate either" : "absent");
    return [keyText(v.key), v.weight.toLocaleString("en-US"), percent(v.weight, check.totalWeight), mark];
  });
  for (const s of check.signers.filter((s) => s.weight === undefined)) {
    rows.push([keyText(s.key), "-", "-", h("span", { class: "bad" }, "not a member of the set")]);
  }
  const absent = validators.filter((v) => !signed.has(hex(v.key))).length;
  const verdict = check.failure
    ? h("p", { class: "bad" }, `✗ This certificate is not valid for the set: ${check.failure}.`)
    : h(
        "p",
        { class: "ok" },
        `✓ ${check.signers.filter((s) => s.verified).length} signatures verified in this browser: ${percent(check.signedWeight, check.totalWeight)} of the weight, more than the 2/3 finality needs.`,
      );
  return h(
    "div",
    null,
    h("h3", null, `Certificate (round ${cert.round}, ${check.signers.length} of ${validators.length} validators)`),
    verdict,
    check.matchesHeader ? null : h("p", { class: "bad" }, "✗ The certificate is not for this header's hash and height."),
    check.matchesSet ? null : h("p", { class: "bad" }, "✗ The header's validator set hash is not that of the set the node gave."),
    absent > 0
      ? h(
          "p",
          { class: "note" },
          `${absent === 1 ? "One validator is" : `${absent} validators are`} absent from this certificate, which is normal: a block is final once more than 2/3 of the weight has precommitted, so the first quorum suffices. Block ${header.height + 1n}'s proposer puts every precommit that arrived by then into its certificate (docs/protocol.md 5.7), so late signers are still paid.`,
        )
      : null,
    table(["validator", "weight", "share", "signature"], rows, "signers"),
  );
}
