import type { Job } from "./bindings/Job";
import type { JobEvent } from "./bindings/JobEvent";
import { inTab, TABS, type Tab } from "./status";

/** A row of the jobs list: a batch header or a job. */
export type Row =
  | {
      kind: "batch";
      batchId: string;
      count: number;
      ready: number;
      /** Jobs still running or waiting to be downloaded. */
      waiting: number;
      /** The batch just started (kept in the current view in every state). */
      focused: boolean;
    }
  | { kind: "job"; job: Job };

/** The jobs the UI knows, kept current by engine events. */
export class JobStore {
  private jobs = new Map<string, Job>();
  private downloads = new Map<string, number>();
  private listeners = new Set<() => void>();
  /** The batch the archivist started last (this session): the current view keeps it in every state. */
  private focusBatch: string | null = null;

  replaceAll(jobs: Job[]): void {
    this.jobs = new Map(jobs.map((j) => [j.id, j]));
    this.changed();
  }

  apply(event: JobEvent): void {
    switch (event.kind) {
      case "changed":
        this.jobs.set(event.job.id, event.job);
        if (event.job.state !== "downloading") this.downloads.delete(event.job.id);
        break;
      case "removed":
        this.jobs.delete(event.job_id);
        break;
      case "download":
        this.downloads.set(event.job_id, event.bytes);
        break;
      default:
        return;
    }
    this.changed();
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** Every job of a batch, in any view (for its cost total). */
  batchJobs(batchId: string): Job[] {
    return [...this.jobs.values()].filter((j) => j.batch_id === batchId);
  }

  downloadedBytes(id: string): number | undefined {
    return this.downloads.get(id);
  }

  /** Keeps `batchId` in the current view through every state, until another batch is started or it is dismissed. */
  focus(batchId: string | null): void {
    this.focusBatch = batchId;
    this.changed();
  }

  get focused(): string | null {
    return this.focusBatch;
  }

  /** Whether a job is in a view: by its state, or (current view) by being in the batch just started. */
  shows(tab: Tab, job: Job): boolean {
    return inTab(job.state, tab) || (tab === "current" && job.batch_id === this.focusBatch);
  }

  counts(): Record<Tab, number> {
    const c: Record<Tab, number> = { current: 0, history: 0, failed: 0 };
    for (const j of this.jobs.values()) for (const t of TABS) if (this.shows(t, j)) c[t] += 1;
    return c;
  }

  /** Rows of one view: newest batch first, a header per batch, jobs in submission order. */
  rows(tab: Tab): Row[] {
    const byBatch = new Map<string, Job[]>();
    for (const j of this.jobs.values()) {
      if (!this.shows(tab, j)) continue;
      const list = byBatch.get(j.batch_id);
      if (list) list.push(j);
      else byBatch.set(j.batch_id, [j]);
    }
    const batches = [...byBatch.entries()].sort(
      (a, b) => b[1][0].created_at - a[1][0].created_at || (a[0] < b[0] ? 1 : -1),
    );
    const rows: Row[] = [];
    for (const [batchId, jobs] of batches) {
      jobs.sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
      const ready = jobs.filter((j) => j.state === "ready").length;
      const waiting = jobs.filter((j) => inTab(j.state, "current")).length;
      rows.push({ kind: "batch", batchId, count: jobs.length, ready, waiting, focused: batchId === this.focusBatch });
      for (const job of jobs) rows.push({ kind: "job", job });
    }
    return rows;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
