// Titles of records, looked up as rows need them: in batches (at most `batchSize` IDs per
// `lookup_records` call), a few calls in flight, the most recently wanted first. Results stream
// in per call; listeners hear which IDs changed. A failed call marks its IDs "unavailable" (the
// row then says so and never blocks anything); they are asked again after `retryMs`.
import { type RecordInfo, unknownRecord } from "./records";

export type Lookup = (pis: string[]) => Promise<RecordInfo[]>;

export interface TitleCacheOptions {
  /** IDs per lookup call (the engine accepts at most 200). */
  batchSize: number;
  /** Lookup calls in flight at once. */
  inFlight: number;
  /** How long an "unavailable" answer stands before the ID may be asked again. */
  retryMs: number;
  now: () => number;
}

const DEFAULTS: TitleCacheOptions = { batchSize: 200, inFlight: 3, retryMs: 30_000, now: () => Date.now() };

/** The most IDs one lookup call may carry (the engine refuses more). */
export const MAX_LOOKUP = 200;

export class TitleCache {
  private known = new Map<string, { info: RecordInfo; at: number }>();
  /** Wanted IDs not asked yet, in asking order (a Map keeps insertion order; front = next). */
  private urgent = new Map<string, true>();
  private background = new Map<string, true>();
  private asking = new Set<string>();
  private running = 0;
  private scheduled = false;
  private listeners = new Set<(changed: string[]) => void>();
  private readonly options: TitleCacheOptions;

  constructor(
    private readonly lookup: Lookup,
    options: Partial<TitleCacheOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.options.batchSize = Math.max(1, Math.min(MAX_LOOKUP, this.options.batchSize));
    this.options.inFlight = Math.max(1, this.options.inFlight);
  }

  /** What is known about `pi` (undefined: not looked up yet). */
  get(pi: string): RecordInfo | undefined {
    return this.known.get(pi)?.info;
  }

  /** Whether `pi` is waiting for, or in, a lookup. */
  pending(pi: string): boolean {
    return this.asking.has(pi) || this.urgent.has(pi) || this.background.has(pi);
  }

  /** How many lookup calls are in flight now. */
  get callsInFlight(): number {
    return this.running;
  }

  /**
   * Asks for these IDs' titles. `urgent` (rows on screen) go before everything else, the latest
   * wanted first; background ones (a whole pasted list) after, in order.
   */
  want(pis: Iterable<string>, urgent = true): void {
    const now = this.options.now();
    const fresh: string[] = [];
    for (const pi of pis) {
      if (this.asking.has(pi)) continue;
      const hit = this.known.get(pi);
      if (hit && (hit.info.status !== "unavailable" || now - hit.at < this.options.retryMs)) continue;
      fresh.push(pi);
    }
    if (fresh.length === 0) return;
    if (urgent) {
      // The newest screen goes first: rebuild the queue with these in front.
      const next = new Map<string, true>();
      for (const pi of fresh) {
        next.set(pi, true);
        this.background.delete(pi);
      }
      for (const pi of this.urgent.keys()) if (!next.has(pi)) next.set(pi, true);
      this.urgent = next;
    } else {
      for (const pi of fresh) if (!this.urgent.has(pi)) this.background.set(pi, true);
    }
    this.schedule();
  }

  /** Drops queued background IDs (e.g. the list they came from was replaced). */
  forgetBackground(): void {
    this.background.clear();
  }

  /** Records learned elsewhere (a browsed collection and its ancestors). */
  put(infos: RecordInfo[]): void {
    const at = this.options.now();
    for (const info of infos) this.known.set(info.pi, { info, at });
    if (infos.length > 0) this.emit(infos.map((i) => i.pi));
  }

  /** Known records whose title matches `text`: exact (case-insensitive) matches first, then those containing it. */
  findByTitle(text: string, limit = 20): RecordInfo[] {
    const needle = text.trim().toLowerCase();
    if (needle === "") return [];
    const exact: RecordInfo[] = [];
    const partial: RecordInfo[] = [];
    for (const { info } of this.known.values()) {
      const title = info.title?.toLowerCase();
      if (!title) continue;
      if (title === needle) exact.push(info);
      else if (partial.length < limit && title.includes(needle)) partial.push(info);
    }
    return [...exact, ...partial].slice(0, limit);
  }

  subscribe(listener: (changed: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Coalesces the `want` calls of one tick into full batches. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.inFlight) {
      const batch = this.take(this.urgent, []);
      this.take(this.background, batch);
      if (batch.length === 0) return;
      void this.ask(batch);
    }
  }

  private take(queue: Map<string, true>, into: string[]): string[] {
    for (const pi of queue.keys()) {
      if (into.length >= this.options.batchSize) break;
      queue.delete(pi);
      into.push(pi);
    }
    return into;
  }

  private async ask(batch: string[]): Promise<void> {
    this.running += 1;
    for (const pi of batch) this.asking.add(pi);
    let answers: RecordInfo[] = [];
    try {
      answers = await this.lookup(batch);
    } catch {
      // Offline or the app refused: the rows say "title unavailable"; asked again later.
    }
    const at = this.options.now();
    const asked = new Set(batch);
    for (const info of answers) {
      if (!asked.has(info.pi)) continue; // only what was asked: a reply cannot add records
      this.known.set(info.pi, { info, at });
      asked.delete(info.pi);
    }
    for (const pi of asked) this.known.set(pi, { info: unknownRecord(pi), at });
    for (const pi of batch) this.asking.delete(pi);
    this.running -= 1;
    this.emit(batch);
    this.pump();
  }

  private emit(changed: string[]): void {
    for (const l of this.listeners) l(changed);
  }
}
