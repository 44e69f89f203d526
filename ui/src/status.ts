import type { Job } from "./bindings/Job";
import type { JobState } from "./bindings/JobState";

export type Tone = "neutral" | "busy" | "good" | "bad" | "muted";

interface StatusInfo {
  label: string;
  icon: string;
  tone: Tone;
}

const STATUS: Record<JobState, StatusInfo> = {
  queued: { label: "Queued", icon: "◷", tone: "neutral" },
  spawning: { label: "Starting", icon: "◔", tone: "busy" },
  running: { label: "Exporting", icon: "◑", tone: "busy" },
  ready: { label: "Ready", icon: "●", tone: "good" },
  downloading: { label: "Saving", icon: "◕", tone: "busy" },
  downloaded: { label: "Saved", icon: "✓", tone: "good" },
  failed: { label: "Failed", icon: "✕", tone: "bad" },
  canceled: { label: "Canceled", icon: "⊘", tone: "muted" },
  expired: { label: "Expired", icon: "⌛", tone: "muted" },
};

export function statusInfo(state: JobState): StatusInfo {
  return STATUS[state];
}

/**
 * The job list's views. `current`: everything the archivist still waits for or has to act on
 * (queued → running, ready to download, saving) — plus, in the store, the batch just started, in
 * every state. `history`: everything finished. `failed`: what went wrong (also in history).
 */
export type Tab = "current" | "history" | "failed";

export const TABS: readonly Tab[] = ["current", "history", "failed"];

export const TAB_LABELS: Record<Tab, string> = { current: "Current", history: "History", failed: "Failed" };

/** Whether a job still needs something: the machine's work, or the archivist's download. */
export function isCurrent(state: JobState): boolean {
  switch (state) {
    case "queued":
    case "spawning":
    case "running":
    case "ready":
    case "downloading":
      return true;
    default:
      return false;
  }
}

/** Whether a job went wrong (failed, or its file expired before it was saved). */
export function isFailed(state: JobState): boolean {
  return state === "failed" || state === "expired";
}

/** Whether a job's state (alone) puts it in `tab`. */
export function inTab(state: JobState, tab: Tab): boolean {
  switch (tab) {
    case "current":
      return isCurrent(state);
    case "history":
      return !isCurrent(state);
    case "failed":
      return isFailed(state);
  }
}

/** Whether a machine is (or may soon be) working on it: its elapsed time still runs. */
function isRunning(state: JobState): boolean {
  return state === "queued" || state === "spawning" || state === "running";
}

/** Fraction done (0–1) for the progress bar, or null when unknown. */
export function progressFraction(job: Job, downloadBytes?: number): number | null {
  if (job.state === "downloading" && job.output && job.output.size > 0 && downloadBytes !== undefined) {
    return Math.min(1, downloadBytes / job.output.size);
  }
  if (job.state === "ready" || job.state === "downloaded") return 1;
  const p = job.progress;
  if (!p || p.total === null || p.total === 0) return null;
  return Math.min(1, (p.done + p.failed) / p.total);
}

export function progressText(job: Job): string {
  const p = job.progress;
  if (!p) return job.state === "queued" ? "waiting" : "";
  if (p.total === 0) return "";
  const total = p.total === null ? "" : `/${p.total}`;
  const failed = p.failed > 0 ? ` (${p.failed} failed)` : "";
  return `${p.done}${total} records${failed}`;
}

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  if (n < 1_000_000_000) return `${(n / 1_000_000).toFixed(1)} MB`;
  return `${(n / 1_000_000_000).toFixed(2)} GB`;
}

/** "42 s", "3 min 5 s", "2 h 4 min" from milliseconds. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Elapsed time of a job: from creation to its end (or now). */
export function elapsed(job: Job, now: number): number {
  const start = job.started_at ?? job.created_at;
  const end = job.finished_at ?? (isRunning(job.state) ? now : job.updated_at);
  return end - start;
}

/** The first record and how many more: "01HZ… +4". */
export function recordsLabel(job: Job): string {
  const [first, ...rest] = job.pis;
  return rest.length > 0 ? `${first} +${rest.length}` : (first ?? "");
}
