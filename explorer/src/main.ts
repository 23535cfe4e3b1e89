// The explorer: a status bar, a search box and a page chosen by the URL's hash (#/block/12,
// #/tx/TXID, #/address/ADDR, #/validators, #/evidence), all from the node over gRPC-Web.
import { chainReady, live, onChange, start, topHeight } from "./chain.js";
import { errorBox, h, loading } from "./dom.js";
import { age } from "./format.js";
import { describe } from "./node.js";
import { search } from "./search.js";
import { addressView } from "./views/address.js";
import { blockView } from "./views/block.js";
import { evidenceView } from "./views/evidence.js";
import { homeView } from "./views/home.js";
import { txView } from "./views/tx.js";
import { validatorsView } from "./views/validators.js";

type Cleanup = (f: () => void) => void;
type View = (args: string[], cleanup: Cleanup) => Promise<HTMLElement> | HTMLElement;

const routes: [RegExp, string, View][] = [
  [/^#?\/?$/, "Blocks", (_, c) => homeView(c)],
  [/^#\/block\/(\d+|[0-9a-f]{64})$/, "Block", ([w]) => blockView(w!)],
  [/^#\/tx\/([0-9a-f]{64})$/, "Transaction", ([id]) => txView(id!)],
  [/^#\/address\/([a-z0-9]+)$/, "Address", ([a]) => addressView(a!)],
  [/^#\/validators$/, "Validators", (_, c) => validatorsView(c)],
  [/^#\/evidence$/, "Evidence", () => evidenceView()],
];

const statusBar = h("div", { class: "status", role: "status", "aria-live": "off" });
const searchError = h("p", { class: "search-error", role: "alert" });
const input = h("input", {
  type: "search",
  name: "q",
  placeholder: "height, block hash, txid or address",
  "aria-label": "search",
  autocomplete: "off",
  spellcheck: "false",
});
const content = h("main", { id: "content" });

function layout(): void {
  const form = h(
    "form",
    {
      class: "search",
      role: "search",
      onsubmit: (e: Event) => {
        e.preventDefault();
        searchError.textContent = "Searching…";
        search(input.value).then(
          (found) => {
            if ("route" in found) {
              searchError.textContent = "";
              if (location.hash === found.route) void route();
              else location.hash = found.route;
            } else searchError.textContent = found.error;
          },
          (e: unknown) => (searchError.textContent = `Search failed: ${describe(e)}`),
        );
      },
    },
    input,
    h("button", { type: "submit" }, "Search"),
  );
  document.body.replaceChildren(
    h(
      "header",
      null,
      h("h1", null, h("a", { href: "#/" }, "TIME explorer")),
      h("nav", null, h("a", { href: "#/" }, "Blocks"), h("a", { href: "#/validators" }, "Validators"), h("a", { href: "#/evidence" }, "Evidence")),
      form,
    ),
    searchError,
    statusBar,
    content,
  );
}

function drawStatus(): void {
  const s = live.status;
  const newest = live.newest !== undefined ? live.blocks.get(live.newest) : undefined;
  const item = (label: string, value: string, cls = "") => h("span", { class: `item ${cls}` }, h("b", null, label), " ", value);
  const problem = live.statusError ?? live.streamError;
  statusBar.replaceChildren(
    item("chain", s?.chainId ?? "…"),
    item("height", String(topHeight() ?? "…"), "height"),
    item("last block", newest ? age(Date.now() - Number(newest.block!.header!.timestampMs)) : "…"),
    item("peers", s ? String(s.peers.length) : "…"),
    item("validators", live.set ? String(live.set.validators.length) : "…"),
    problem ? h("span", { class: "item bad" }, problem) : h("span", { class: "item ok" }, "● live"),
  );
}

let generation = 0;
let cleanups: (() => void)[] = [];

async function route(): Promise<void> {
  const mine = ++generation;
  for (const f of cleanups) f();
  cleanups = [];
  const hash = location.hash;
  const match = routes.map(([re, title, view]) => [re.exec(hash), title, view] as const).find(([m]) => m !== null);
  if (match === undefined) {
    content.replaceChildren(errorBox(`No page ${hash}. Try the search box.`));
    return;
  }
  const [m, title, view] = match;
  document.title = `${title} · TIME explorer`;
  content.replaceChildren(loading(title.toLowerCase()));
  // Until the node first answers, say why the page waits rather than spin without a word.
  const waiting = onChange(() => {
    if (live.status === undefined && live.statusError !== undefined && mine === generation) {
      content.replaceChildren(errorBox(`${live.statusError}; trying again.`));
    }
  });
  try {
    await chainReady();
    waiting();
    const page = await view(m!.slice(1), (f) => (mine === generation ? cleanups.push(f) : f()));
    if (mine === generation) content.replaceChildren(page);
  } catch (e) {
    waiting();
    if (mine === generation) content.replaceChildren(errorBox(`Could not load this page: ${describe(e)}`));
  }
}

layout();
drawStatus();
onChange(drawStatus);
window.addEventListener("hashchange", () => {
  searchError.textContent = "";
  void route();
});
start();
void route();
