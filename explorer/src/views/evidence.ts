// Equivocation evidence the node holds: two conflicting signed messages of one validator.
import type { EquivocationEvidence } from "@timecoin/sdk";
import { h, table } from "../dom.js";
import { hashLink, heightLink, keyText } from "../format.js";
import { node } from "../node.js";

export async function evidenceView(): Promise<HTMLElement> {
  const all: EquivocationEvidence[] = [];
  let pageToken = "";
  do {
    const page = await node.listEvidence({ fromHeight: 0n, pageToken });
    all.push(...page.evidence);
    pageToken = page.nextPageToken;
  } while (pageToken !== "" && all.length < 1000);
  return h(
    "section",
    null,
    h("h2", null, `Evidence (${all.length})`),
    all.length === 0
      ? h("p", null, "No validator has been seen signing two conflicting messages.")
      : table(
          ["validator", "height", "round", "kind", "first", "second"],
          all.map((e) => {
            const c = e.conflict;
            const first = c.case === "votes" ? c.value.first?.blockHash : undefined;
            const second = c.case === "votes" ? c.value.second?.blockHash : undefined;
            return [
              keyText(e.validator),
              heightLink(e.height),
              e.round,
              c.case === "votes" ? "two votes" : c.case === "proposals" ? "two proposals" : "?",
              first ? hashLink("block", first) : "",
              second ? hashLink("block", second) : "",
            ];
          }),
        ),
  );
}
