// Browse: the archive's collections beside the paste box. Opens at the origin or at a pasted
// collection ID or known title; collections open in place, breadcrumbs go back up; a checkbox puts
// a record on the export list (the paste box). Children are a virtualized list whose titles are
// looked up only for the rows on screen (and those just beyond), filling in as they arrive.
import type { BrowseStore } from "../browse-store";
import { h } from "../dom";
import { childrenLabel, dateLabel, kindLabel, type RecordInfo, titleNote, titleOf } from "../records";
import { virtualList } from "./virtual-list";

const ROW_HEIGHT = 48;

export interface BrowseDeps {
  store: BrowseStore;
  isListed(pi: string): boolean;
  setListed(pi: string, listed: boolean): void;
  /** The export's "include everything below" option (one for the whole batch). */
  recursive: { get(): boolean; set(on: boolean): void };
  onPreview(pi: string): void;
  onClose(): void;
}

export interface BrowsePanel {
  element: HTMLElement;
  /** Shows the panel at the origin (first time) or where it was; `at` opens that collection. */
  show(at?: string | null): void;
  /** The export list changed: redraw the checkboxes. */
  listChanged(): void;
  /** Goes where a pasted ID or title leads; false when it leads nowhere known. */
  goTo(text: string): boolean;
}

export function browsePanel(d: BrowseDeps): BrowsePanel {
  const { store } = d;
  const cache = store.cache;

  function row(pi: string): HTMLElement {
    const info = cache.get(pi);
    const title = titleOf(info);
    const isCollection = info?.kind === "collection";
    const label = title ?? pi;
    const note = h("span", { class: `note ${info?.status ?? "pending"}` }, titleNote(info));
    const check = h("input", {
      type: "checkbox",
      "data-testid": "browse-check",
      "aria-label": `Export ${label}`,
      checked: d.isListed(pi),
      onchange: (e: Event) => d.setListed(pi, (e.target as HTMLInputElement).checked),
    });
    const name = isCollection
      ? h(
          "button",
          { type: "button", class: "link open", "aria-label": `Open ${label}`, onclick: () => void store.open(pi) },
          title ?? note,
        )
      : h("span", {}, title ?? note);
    return h(
      "div",
      {
        class: `browse-row ${info?.status ?? "pending"}`,
        role: "listitem",
        tabindex: -1,
        "data-testid": "browse-row",
        "data-pi": pi,
        "data-title": title ?? "",
        "data-kind": info?.kind ?? "",
        "data-record": info?.status ?? "pending",
        onkeydown: (e: Event) => {
          if ((e as KeyboardEvent).key === "Enter" && isCollection && e.target === e.currentTarget) void store.open(pi);
        },
      },
      check,
      h("div", { class: "name" }, h("div", { class: "title" }, name), h("div", { class: "sub mono" }, pi)),
      h("span", { class: "kind" }, kindLabel(info)),
      h("span", { class: "count" }, childrenLabel(info)),
      h("span", { class: "date" }, dateLabel(info)),
      h(
        "button",
        {
          type: "button",
          class: "small",
          "data-testid": "preview-button",
          "aria-label": `Preview the record of ${label}`,
          disabled: info?.status === "missing",
          onclick: () => d.onPreview(pi),
        },
        "Preview",
      ),
    );
  }

  const list = virtualList<string>({
    rowHeight: ROW_HEIGHT,
    className: "browse-list",
    label: "Records in this collection",
    key: (pi) => pi,
    render: row,
    lookahead: 100,
    onShown: (pis) => cache.want(pis),
  });
  cache.subscribe((changed) => list.invalidate(changed));

  // Go to: a collection ID, or the title of a collection already seen.
  const goInput = h("input", {
    id: "browse-goto",
    "data-testid": "browse-goto",
    placeholder: "Collection ID or title",
    spellcheck: false,
    autocomplete: "off",
  });
  const matches = h("ul", { class: "matches", "aria-label": "Matching collections" });
  const goForm = h(
    "form",
    { class: "row goto" },
    h("label", { for: "browse-goto", class: "visually-hidden" }, "Go to a collection"),
    goInput,
    h("button", { type: "submit" }, "Go"),
  );
  goForm.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!goTo(goInput.value)) status.textContent = "No collection seen so far has that title; paste its ID instead.";
  });

  const crumbs = h("nav", { class: "crumbs", "aria-label": "Where you are", "data-testid": "browse-crumbs" });
  const filter = h("input", {
    type: "search",
    id: "browse-filter",
    "data-testid": "browse-filter",
    placeholder: "Filter by title",
    autocomplete: "off",
  });
  let filterTimer: number | undefined;
  filter.addEventListener("input", () => {
    window.clearTimeout(filterTimer);
    filterTimer = window.setTimeout(() => store.setFilter(filter.value), 150);
  });
  const count = h("span", { class: "hint", "aria-live": "polite" });
  const recursive = h("input", { type: "checkbox", id: "browse-recursive", "data-testid": "browse-recursive" });
  recursive.addEventListener("change", () => d.recursive.set(recursive.checked));
  const status = h("p", { class: "status", "aria-live": "polite", "data-testid": "browse-status" });

  const element = h(
    "section",
    { class: "card browse", "aria-labelledby": "browse-title", "data-testid": "browse", hidden: true },
    h(
      "div",
      { class: "browse-head" },
      h("h2", { id: "browse-title" }, "Browse the archive"),
      h("button", { type: "button", class: "small", onclick: () => d.onClose() }, "Close"),
    ),
    goForm,
    matches,
    crumbs,
    h(
      "div",
      { class: "row" },
      h("label", { for: "browse-filter", class: "visually-hidden" }, "Filter by title"),
      filter,
      count,
    ),
    h("label", { class: "recursive" }, recursive, " Include everything below ticked collections"),
    h(
      "div",
      { class: "browse-columns", "aria-hidden": "true" },
      h("span", {}, ""),
      h("span", {}, "Title"),
      h("span", {}, "Type"),
      h("span", {}, "Children"),
      h("span", {}, "Date"),
      h("span", {}, ""),
    ),
    status,
    list.element,
  );

  function crumb(info: RecordInfo, current: boolean): HTMLElement {
    const label = titleOf(info) ?? info.pi;
    return current
      ? h("span", { "aria-current": "location" }, label)
      : h(
          "button",
          { type: "button", class: "link", "data-pi": info.pi, onclick: () => void store.open(info.pi) },
          label,
        );
  }

  let shownChildren: readonly string[] | null = null;
  let shownPlace = "";
  function render(): void {
    const trail = store.crumbs();
    const parts: (Node | string)[] = [];
    trail.forEach((info, i) => {
      if (i > 0) parts.push(h("span", { class: "sep", "aria-hidden": "true" }, " › "));
      parts.push(crumb(info, i === trail.length - 1));
    });
    crumbs.replaceChildren(...parts);
    const children = store.children();
    if (children !== shownChildren) {
      // Another collection or another filter starts at the top; titles arriving keep the place.
      const place = `${store.node?.record.pi ?? ""}\n${store.filter}`;
      if (place !== shownPlace) list.scrollToTop();
      shownPlace = place;
      shownChildren = children;
      list.setItems(children);
    }
    if (filter.value.trim().toLowerCase() !== store.filter) filter.value = store.filter;
    const all = store.node?.children.length ?? 0;
    const pending = store.titlesPending();
    count.textContent = store.filter
      ? `${children.length.toLocaleString("en")} of ${all.toLocaleString("en")}${pending > 0 ? ` (${pending.toLocaleString("en")} titles still loading)` : ""}`
      : `${all.toLocaleString("en")} ${all === 1 ? "record" : "records"}`;
    status.textContent = store.loading ? "Opening…" : (store.error ?? "");
    status.classList.toggle("error", !store.loading && store.error !== null);
  }
  let frame = 0;
  store.subscribe(() => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      render();
    });
  });

  function goTo(text: string): boolean {
    const where = store.goTo(text);
    matches.replaceChildren();
    if (where.kind === "open") {
      void store.open(where.pi);
      return true;
    }
    if (where.kind === "choose") {
      matches.replaceChildren(
        ...where.matches.map((m) =>
          h(
            "li",
            {},
            h(
              "button",
              {
                type: "button",
                class: "link",
                onclick: () => {
                  matches.replaceChildren();
                  void store.open(m.pi);
                },
              },
              m.title ?? m.pi,
            ),
            h("span", { class: "mono hint" }, ` ${m.pi}`),
          ),
        ),
      );
      return true;
    }
    return false;
  }

  return {
    element,
    show(at) {
      element.hidden = false;
      recursive.checked = d.recursive.get();
      if (at !== undefined) void store.open(at);
      else if (!store.node && !store.loading) void store.open(null);
      render();
      list.paint();
      goInput.focus();
    },
    listChanged() {
      list.forEachRow((el, pi) => {
        const box = el.querySelector<HTMLInputElement>('[data-testid="browse-check"]');
        if (box) box.checked = d.isListed(pi);
      });
    },
    goTo,
  };
}
