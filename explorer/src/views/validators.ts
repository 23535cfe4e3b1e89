// The validator table: the registry (tier, reward address, uptime as the ledger counts it) with the
// set's weights, and a strip of the last 50 blocks from the live subscription.
import { hex, MasternodeTier, type FinalityCertificate } from "@timecoin/sdk";
import { chainId, live, onChange, refreshMasternodes } from "../chain.js";
import { h, table } from "../dom.js";
import { addressLink, heightLink, keyText, percent } from "../format.js";

const STRIP = 50;

export async function validatorsView(cleanup: (f: () => void) => void): Promise<HTMLElement> {
  await refreshMasternodes();
  const box = h("section", null);
  const draw = (): void => box.replaceChildren(...render());
  draw();
  cleanup(onChange(draw));
  const timer = setInterval(() => void refreshMasternodes().catch(() => {}), 5_000);
  cleanup(() => clearInterval(timer));
  return box;
}

/**
 * The signers of a height as the chain settles them: the certificate block h+1 carries, with the
 * late signers (docs/protocol.md 5.7). For the newest block only its own certificate is known, so
 * an absence there is not yet a miss.
 */
export function signersOf(height: bigint): { signers: Set<string>; settled: boolean } | undefined {
  const carried = live.blocks.get(height + 1n)?.block?.body?.lastCertificate;
  const cert: FinalityCertificate | undefined = carried ?? live.blocks.get(height)?.certificate;
  if (cert === undefined || cert.height !== height) return undefined;
  return { signers: new Set(cert.signatures.map((s) => hex(s.validator))), settled: carried !== undefined };
}

function render(): HTMLElement[] {
  const set = live.set?.validators ?? [];
  const weights = new Map(set.map((v) => [hex(v.key), v.weight]));
  const total = set.reduce((s, v) => s + v.weight, 0n);
  const newest = live.newest ?? 0n;
  const heights: bigint[] = [];
  for (let hgt = newest - BigInt(STRIP) + 1n; hgt <= newest; hgt++) if (hgt >= 1n) heights.push(hgt);
  const signers = heights.map((hgt) => [hgt, signersOf(hgt)] as const);
  const rows = live.masternodes.map((m) => {
    const key = hex(m.consensusKey);
    const weight = weights.get(key);
    const strip = h(
      "span",
      { class: "strip", "aria-label": `signed blocks of the last ${heights.length}` },
      signers.map(([hgt, s]) => {
        const [cls, what] =
          s === undefined
            ? ["u", "not loaded"]
            : s.signers.has(key)
              ? ["y", "signed"]
              : s.settled
                ? ["n", "not signed"]
                : ["u", "not in the first quorum; the next block may carry its signature"];
        return h("a", { href: `#/block/${hgt}`, class: cls, title: `${hgt}: ${what}` });
      }),
    );
    return [
      keyText(m.consensusKey),
      tierName(m.tier),
      weight === undefined ? "not in the set" : m.weight.toLocaleString("en-US"),
      weight === undefined ? "-" : percent(weight, total),
      addressLink(m.rewardAddress, chainId()),
      m.lastSignedHeight > 0n ? heightLink(m.lastSignedHeight) : "never",
      `${m.missedBlocks} of 64`,
      strip,
    ];
  });
  return [
    h("h2", null, `Validators (${set.length} in the set of the next height, ${live.masternodes.length} registered)`),
    table(["key", "tier", "weight", "share", "reward address", "last signed", "missed", `last ${STRIP} blocks`], rows, "validators"),
    h(
      "p",
      { class: "note" },
      "Missed: of the last 64 certificates the validator was expected to sign, those without its signature, as the ledger counts them. The strip: green where the certificate the next block carries holds its signature, red where it does not, grey where that is not known yet.",
    ),
  ];
}

const tierName = (t: MasternodeTier): string => (MasternodeTier[t] ?? String(t)).toLowerCase();
