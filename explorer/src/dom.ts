// A few lines of DOM building instead of a framework: the pages are tables and lists redrawn on
// navigation or on a new block, which plain elements do well without a dependency in the bundle.

type Child = Node | string | number | bigint | false | null | undefined | Child[];
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

/** h("a", {href: "#/"}, "home"): an element with attributes (on* are listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** A table inside a box that scrolls sideways, so a phone-width window still reads it. */
export function table(head: string[], rows: Child[][], cls?: string): HTMLElement {
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      { class: cls },
      h("thead", null, h("tr", null, head.map((t) => h("th", null, t)))),
      h("tbody", null, rows.map((r) => h("tr", null, r.map((c) => h("td", null, c))))),
    ),
  );
}

/** Label / value rows, for the fields of one header or transaction. */
export function fields(rows: [string, Child][]): HTMLElement {
  return h("dl", { class: "fields" }, rows.map(([k, v]) => [h("dt", null, k), h("dd", null, v)]));
}

export const loading = (what: string): HTMLElement => h("p", { class: "loading", role: "status" }, `Loading ${what}…`);

export const errorBox = (message: string): HTMLElement => h("p", { class: "error", role: "alert" }, message);
