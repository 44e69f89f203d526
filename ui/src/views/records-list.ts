// The parsed list, one row per record: its title, type and child count as they arrive (the IDs on
// screen first, then the rest in the background), "not in the archive" for a 404, "title
// unavailable" when the archive could not say. Nothing here ever blocks typing or exporting.
import { h } from "../dom";
import { childrenLabel, kindLabel, titleNote, titleOf } from "../records";
import { textPx } from "../text-scale";
import type { TitleCache } from "../title-cache";
import { virtualList } from "./virtual-list";

const ROW_HEIGHT = 44;

export interface RecordsList {
  element: HTMLElement;
  setIds(ids: readonly string[]): void;
}

export function recordsList(cache: TitleCache, onPreview: (pi: string) => void): RecordsList {
  let ids: readonly string[] = [];

  function row(pi: string): HTMLElement {
    const info = cache.get(pi);
    const title = titleOf(info);
    const note = titleNote(info);
    const status = info?.status ?? "pending";
    const meta = [kindLabel(info), childrenLabel(info)].filter((s) => s !== "").join(" · ");
    return h(
      "div",
      {
        class: `record ${status}`,
        role: "listitem",
        "data-testid": "id-row",
        "data-pi": pi,
        "data-title": title ?? "",
        "data-record": status,
      },
      h(
        "div",
        { class: "main" },
        h("div", { class: "title" }, title ?? h("span", { class: `note ${status}` }, note)),
        h("div", { class: "sub mono" }, pi, meta ? h("span", { class: "meta" }, ` · ${meta}`) : null),
      ),
      h(
        "button",
        {
          type: "button",
          class: "small",
          "data-testid": "preview-button",
          "aria-label": `Preview the record of ${title ?? pi}`,
          disabled: status === "missing",
          onclick: () => onPreview(pi),
        },
        "Preview",
      ),
    );
  }

  const list = virtualList<string>({
    rowHeight: ROW_HEIGHT,
    className: "records-list",
    label: "Records to export",
    key: (pi) => pi,
    render: row,
    lookahead: 60,
    onShown: (pis) => cache.want(pis),
  });
  cache.subscribe((changed) => list.invalidate(changed));

  const element = h("div", { class: "records-box", hidden: true }, list.element);
  return {
    element,
    setIds(next) {
      ids = next;
      element.hidden = ids.length === 0;
      // As tall as its rows, up to six (CSSOM: the CSP allows no style attributes).
      list.element.style.height = `${Math.min(ids.length, 6) * textPx(ROW_HEIGHT) + 2}px`;
      list.setItems(ids);
    },
  };
}
