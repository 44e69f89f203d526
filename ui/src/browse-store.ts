// Browse: the collection open now, its breadcrumbs, and its children narrowed by a filter. Opening is
// lazy (one `browse_open` per collection opened, never the tree); titles come from the title cache,
// which the view asks only for the rows on screen (and, while a filter is typed, for the rest).
import { type BrowseNode, isRecordId, type RecordInfo } from "./records";
import type { TitleCache } from "./title-cache";

export type Open = (pi: string | null) => Promise<BrowseNode>;

/** Where a "go to" text leads: a record ID to open, known collections whose title matches, or nothing. */
export type GoTo = { kind: "open"; pi: string } | { kind: "choose"; matches: RecordInfo[] } | { kind: "none" };

export class BrowseStore {
  node: BrowseNode | null = null;
  loading = false;
  error: string | null = null;
  private filterText = "";
  private filtered: string[] | null = null;
  private generation = 0;
  private listeners = new Set<() => void>();

  constructor(
    private readonly openNode: Open,
    readonly cache: TitleCache,
    private readonly describeError: (e: unknown) => string = String,
  ) {
    cache.subscribe(() => {
      if (this.filterText !== "") {
        this.filtered = null;
        this.changed();
      }
    });
  }

  /** Opens a collection (null: the archive's origin). A later open wins over an earlier one still loading. */
  async open(pi: string | null): Promise<void> {
    const mine = ++this.generation;
    this.loading = true;
    this.error = null;
    this.changed();
    try {
      const node = await this.openNode(pi);
      if (mine !== this.generation) return;
      this.node = node;
      this.filterText = "";
      this.filtered = null;
      this.cache.put([...node.ancestors, node.record]);
    } catch (e) {
      if (mine !== this.generation) return;
      this.error = this.describeError(e);
    } finally {
      if (mine === this.generation) {
        this.loading = false;
        this.changed();
      }
    }
  }

  /** Where the archivist's text leads: an ID opens; a title opens the one known record that has it. */
  goTo(text: string): GoTo {
    const t = text.trim();
    if (t === "") return { kind: "none" };
    if (isRecordId(t)) return { kind: "open", pi: t.toUpperCase() };
    const matches = this.cache.findByTitle(t).filter((r) => r.kind !== "item");
    const exact = matches.filter((r) => r.title?.toLowerCase() === t.toLowerCase());
    if (exact.length === 1) return { kind: "open", pi: exact[0].pi };
    return matches.length > 0 ? { kind: "choose", matches } : { kind: "none" };
  }

  /** Breadcrumbs: the ancestors (root first), then the collection open now. */
  crumbs(): RecordInfo[] {
    return this.node ? [...this.node.ancestors, this.cache.get(this.node.record.pi) ?? this.node.record] : [];
  }

  get filter(): string {
    return this.filterText;
  }

  /** Narrows the children to those whose title (or ID) contains `text`; asks for the titles not known yet. */
  setFilter(text: string): void {
    this.filterText = text.trim().toLowerCase();
    this.filtered = null;
    if (this.filterText !== "" && this.node) {
      this.cache.want(
        this.node.children.filter((pi) => !this.cache.get(pi)),
        false,
      );
    }
    this.changed();
  }

  /** The children shown: all of them, or those the filter lets through (titles not known yet are left out). */
  children(): string[] {
    if (!this.node) return [];
    if (this.filterText === "") return this.node.children;
    if (this.filtered === null) {
      const needle = this.filterText;
      this.filtered = this.node.children.filter((pi) => {
        if (pi.toLowerCase().includes(needle)) return true;
        return this.cache.get(pi)?.title?.toLowerCase().includes(needle) ?? false;
      });
    }
    return this.filtered;
  }

  /** Children whose titles are still being looked up (a filter may not have seen them yet). */
  titlesPending(): number {
    if (!this.node || this.filterText === "") return 0;
    return this.node.children.filter((pi) => !this.cache.get(pi)).length;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
