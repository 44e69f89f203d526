// Keyboard use without a mouse: a roving tabindex for lists of rows (one row in the Tab order, the
// arrow keys move between rows, the active row's own buttons follow it in the Tab order), and
// modal dialogs that give focus back to where it was when they close.

/** Where a key moves the active row in a list of `count` rows (`page` rows per screen); `null`: not a move. */
export function nextIndex(key: string, current: number, count: number, page = 10): number | null {
  if (count === 0) return null;
  const at = Math.min(Math.max(current, 0), count - 1);
  switch (key) {
    case "ArrowDown":
      return Math.min(at + 1, count - 1);
    case "ArrowUp":
      return Math.max(at - 1, 0);
    case "Home":
      return 0;
    case "End":
      return count - 1;
    case "PageDown":
      return Math.min(at + Math.max(page, 1), count - 1);
    case "PageUp":
      return Math.max(at - Math.max(page, 1), 0);
    default:
      return null;
  }
}

/** Which of `ids` is in the Tab order: the active one while it is listed, else the first. */
export function tabStop(ids: readonly string[], active: string | null): string | null {
  return active !== null && ids.includes(active) ? active : (ids[0] ?? null);
}

const CONTROLS = "button, input, select, textarea, a[href]";

/**
 * A roving tabindex over the rows (`[data-key]` elements matched by `rowSelector`) inside `container`.
 * Call `update(draw)` around every redraw: focus on a row that is rebuilt moves to its new element.
 */
export class RovingRows {
  private active: string | null = null;

  constructor(
    private readonly container: HTMLElement,
    private readonly rowSelector: string,
    private readonly keyOf: (row: HTMLElement) => string,
    /** Draws the row `delta` rows from `key` (a virtualized list); answers its key, `null` at an end. */
    private readonly reveal: (key: string, delta: number) => string | null = () => null,
  ) {
    container.addEventListener("keydown", (e) => this.onKey(e));
    container.addEventListener("focusin", (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>(this.rowSelector);
      if (row && this.container.contains(row)) this.active = this.keyOf(row);
    });
  }

  get activeKey(): string | null {
    return this.active;
  }

  private rows(): HTMLElement[] {
    return Array.from(this.container.querySelectorAll<HTMLElement>(this.rowSelector));
  }

  /** Runs `draw`, then puts the right row in the Tab order and keeps focus on the active row. */
  update(draw: () => void): void {
    const focused = document.activeElement;
    const hadFocus = focused instanceof HTMLElement && this.container.contains(focused);
    draw();
    const rows = this.rows();
    const stop = tabStop(rows.map(this.keyOf), this.active);
    for (const row of rows) {
      const mine = this.keyOf(row) === stop;
      row.tabIndex = mine ? 0 : -1;
      for (const c of row.querySelectorAll<HTMLElement>(CONTROLS)) c.tabIndex = mine ? 0 : -1;
    }
    // Focus was lost in the redraw: the focused element was rebuilt (its job changed; focus goes to
    // its row's new element), or moved (the rows around it changed; WebKit drops focus to the body
    // even when the same element is put back): focus goes back.
    if (hadFocus && document.activeElement !== focused) {
      const restore = () => {
        if (focused.isConnected) focused.focus({ preventScroll: true });
        else this.refocus();
      };
      restore();
      // WebKit may settle focus after the redraw (its focus fixup runs with the rendering): check again then.
      requestAnimationFrame(() => {
        if (document.activeElement === null || document.activeElement === document.body) restore();
      });
    }
  }

  private refocus(): void {
    this.rows()
      .find((r) => this.keyOf(r) === this.active)
      ?.focus({ preventScroll: true });
  }

  /** Focuses the row with this key (when drawn). */
  focus(key: string): boolean {
    const row = this.rows().find((r) => this.keyOf(r) === key);
    if (!row) return false;
    this.active = key;
    this.update(() => undefined);
    row.focus();
    row.scrollIntoView({ block: "nearest" });
    return true;
  }

  private onKey(e: KeyboardEvent): void {
    const row = (e.target as HTMLElement).closest<HTMLElement>(this.rowSelector);
    // Arrow keys move between rows only from a row itself (a control inside keeps its own keys).
    if (!row || row !== e.target || e.altKey || e.ctrlKey || e.metaKey) return;
    const rows = this.rows();
    const keys = rows.map(this.keyOf);
    const at = keys.indexOf(this.keyOf(row));
    const page = Math.max(1, Math.floor(this.container.clientHeight / Math.max(row.offsetHeight, 1)));
    const to = nextIndex(e.key, at, rows.length, page);
    if (to === null) return;
    e.preventDefault();
    const key = keys[to];
    // At the edge of what is drawn (a long, virtualized list): ask for the rows beyond.
    if (to === at && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
      const beyond = this.reveal(keys[at] ?? "", e.key === "ArrowDown" ? 1 : -1);
      if (beyond) this.focus(beyond);
      return;
    }
    if (key !== undefined) this.focus(key);
  }
}

/**
 * The element to show for a redrawn row: `fresh`, or — when focus is in `old` — `old` with `fresh`'s
 * attributes and content moved in, so the focused row never leaves the document (WebKit drops focus
 * to the body when a focused element is removed, and a screen reader loses its place).
 */
export function keepFocusedRow(old: HTMLElement | undefined, fresh: HTMLElement): HTMLElement {
  const focused = document.activeElement;
  if (!old?.isConnected || !(focused instanceof Node) || !old.contains(focused)) return fresh;
  for (const name of old.getAttributeNames()) if (!fresh.hasAttribute(name)) old.removeAttribute(name);
  for (const name of fresh.getAttributeNames()) old.setAttribute(name, fresh.getAttribute(name) ?? "");
  old.replaceChildren(...fresh.childNodes);
  return old;
}

/** Opens `dialog` as a modal; when it closes (Escape, Close, Save), focus goes back where it was. */
export function openModal(dialog: HTMLDialogElement): void {
  if (dialog.open) return;
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  dialog.addEventListener(
    "close",
    () => {
      if (opener?.isConnected) opener.focus();
    },
    { once: true },
  );
  dialog.showModal();
}
