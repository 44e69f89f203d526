// A fixed-row-height list that draws only the rows in view (plus overscan), for lists of any length.
// Rows are built once per key and rebuilt only when invalidated, so focus and clicks survive updates.
import { h } from "../dom";
import { textPx } from "../text-scale";
import { visibleRange } from "../virtual";

export interface VirtualListOptions<T> {
  rowHeight: number;
  className: string;
  label: string;
  key: (item: T) => string;
  render: (item: T) => HTMLElement;
  /** Told which items are drawn now (plus `lookahead` rows each side), e.g. to look their titles up. */
  onShown?: (items: T[]) => void;
  lookahead?: number;
}

export interface VirtualList<T> {
  element: HTMLElement;
  setItems(items: readonly T[]): void;
  /** Rebuilds these rows (all when omitted) the next time they are drawn. */
  invalidate(keys?: Iterable<string>): void;
  paint(): void;
  scrollToTop(): void;
  /** Updates every row built so far in place (keeps focus, unlike `invalidate`). */
  forEachRow(update: (row: HTMLElement, key: string) => void): void;
}

export function virtualList<T>(o: VirtualListOptions<T>): VirtualList<T> {
  let items: readonly T[] = [];
  const viewport = h("div", { class: `viewport ${o.className}`, role: "list", tabindex: 0, "aria-label": o.label });
  const spacer = h("div", { class: "spacer" });
  const layer = h("div", { class: "items" });
  viewport.append(spacer, layer);
  const built = new Map<string, HTMLElement>();
  let lastShown = "";
  let frame = 0;

  function paint(): void {
    // Rows grow with the text size (200 % text: twice as tall).
    const rowPx = textPx(o.rowHeight);
    const { start, end } = visibleRange(viewport.scrollTop, viewport.clientHeight || 480, rowPx, items.length);
    // CSSOM writes (allowed by the strict CSP, unlike style attributes).
    spacer.style.height = `${items.length * rowPx}px`;
    layer.style.transform = `translateY(${start * rowPx}px)`;
    const wanted = items.slice(start, end).map((item) => {
      const k = o.key(item);
      let el = built.get(k);
      if (!el) {
        el = o.render(item);
        built.set(k, el);
      }
      return el;
    });
    if (wanted.length !== layer.children.length || wanted.some((el, i) => layer.children[i] !== el)) {
      layer.replaceChildren(...wanted);
    }
    if (built.size > 2000) built.clear();
    if (o.onShown) {
      const ahead = o.lookahead ?? 0;
      const from = Math.max(0, start - ahead);
      const to = Math.min(items.length, end + ahead);
      const signature = `${from}:${to}:${items.length}`;
      if (signature !== lastShown) {
        lastShown = signature;
        o.onShown(items.slice(from, to));
      }
    }
  }

  const schedule = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      paint();
    });
  };
  viewport.addEventListener("scroll", schedule);
  window.addEventListener("resize", schedule);

  return {
    element: viewport,
    setItems(next) {
      items = next;
      lastShown = "";
      paint();
    },
    invalidate(keys) {
      if (keys === undefined) built.clear();
      else for (const k of keys) built.delete(k);
      schedule();
    },
    paint,
    scrollToTop() {
      viewport.scrollTop = 0;
    },
    forEachRow(update) {
      for (const [key, row] of built) update(row, key);
    },
  };
}
