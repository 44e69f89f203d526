// Job state changes, announced to screen readers through one `aria-live` region — batched: the
// changes of a burst are counted and said once ("3 jobs ready, 1 failed"), so 1,000 jobs finishing
// make a handful of announcements, not 1,000.
import type { JobState } from "./bindings/JobState";
import { statusInfo } from "./status";

/** States worth saying out loud (a job's progress within a state is not). */
const ANNOUNCED: readonly JobState[] = ["running", "ready", "downloaded", "failed", "canceled", "expired"];

/** Timers, injectable so tests run on a fake clock. */
export interface Clock {
  setTimeout(f: () => void, ms: number): number;
  clearTimeout(id: number): void;
}

export interface AnnouncerOptions {
  /** Changes arriving within this long of the first one unheard are said together. */
  quietMs?: number;
  /** At most one announcement per this long, however long a burst lasts. */
  minGapMs?: number;
  clock?: Clock;
}

/** "3 jobs ready, 1 failed": counts in the order of `ANNOUNCED`. */
export function announcementText(counts: ReadonlyMap<JobState, number>): string {
  const parts: string[] = [];
  for (const state of ANNOUNCED) {
    const n = counts.get(state) ?? 0;
    if (n === 0) continue;
    const label = statusInfo(state).label.toLowerCase();
    parts.push(
      parts.length === 0
        ? `${n.toLocaleString("en")} job${n === 1 ? "" : "s"} ${label}`
        : `${n.toLocaleString("en")} ${label}`,
    );
  }
  return parts.join(", ");
}

export class Announcer {
  private counts = new Map<JobState, number>();
  private timer: number | null = null;
  private lastSpoken = -Infinity;
  private readonly quietMs: number;
  private readonly minGapMs: number;
  private readonly clock: Clock;
  private now = 0;

  constructor(
    private readonly speak: (text: string) => void,
    options: AnnouncerOptions = {},
  ) {
    this.quietMs = options.quietMs ?? 1500;
    this.minGapMs = options.minGapMs ?? 5000;
    this.clock = options.clock ?? {
      setTimeout: (f, ms) => window.setTimeout(f, ms),
      clearTimeout: (id) => window.clearTimeout(id),
    };
  }

  /** A job went from `before` (unknown: `undefined`) to `after`; only real changes of an announced state count. */
  jobChanged(before: JobState | undefined, after: JobState, nowMs: number = Date.now()): void {
    if (before === after || !ANNOUNCED.includes(after)) return;
    this.now = nowMs;
    this.counts.set(after, (this.counts.get(after) ?? 0) + 1);
    if (this.timer !== null) return;
    // Wait for the burst to gather, and never speak sooner than `minGapMs` after the last time.
    const wait = Math.max(this.quietMs, this.lastSpoken + this.minGapMs - nowMs);
    this.timer = this.clock.setTimeout(() => this.flush(), wait);
  }

  /** Says what gathered now (called by the timer). */
  flush(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    const text = announcementText(this.counts);
    this.counts.clear();
    if (!text) return;
    this.lastSpoken = this.now;
    this.speak(text);
  }
}

/** The live region the announcer speaks through (visually hidden, read by screen readers). */
export function liveRegion(): { element: HTMLElement; say(text: string): void } {
  const element = document.createElement("p");
  element.className = "visually-hidden";
  element.setAttribute("role", "status");
  element.setAttribute("aria-live", "polite");
  element.dataset.testid = "announcer";
  return {
    element,
    say(text) {
      // Cleared first, so the same words twice are said twice.
      element.textContent = "";
      window.setTimeout(() => (element.textContent = text), 50);
    },
  };
}
