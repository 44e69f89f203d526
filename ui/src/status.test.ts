import { describe, expect, it } from "vitest";
import type { JobState } from "./bindings/JobState";
import { job } from "./fixtures";
import {
  elapsed,
  formatBytes,
  formatElapsed,
  inTab,
  progressFraction,
  progressText,
  recordsLabel,
  statusInfo,
  TABS,
} from "./status";

const ALL: JobState[] = [
  "queued",
  "spawning",
  "running",
  "ready",
  "downloading",
  "downloaded",
  "failed",
  "canceled",
  "expired",
];

describe("status rendering", () => {
  it("gives every state a label, an icon and a tone", () => {
    for (const s of ALL) {
      const info = statusInfo(s);
      expect(info.label.length).toBeGreaterThan(0);
      expect(info.icon.length).toBeGreaterThan(0);
    }
    expect(statusInfo("failed").tone).toBe("bad");
    expect(statusInfo("ready").tone).toBe("good");
  });
  it("keeps everything not yet downloaded in the current view; failures in history and failed", () => {
    const tabsOf = (s: JobState) => TABS.filter((t) => inTab(s, t)).join("+");
    expect(ALL.map(tabsOf)).toEqual([
      "current",
      "current",
      "current",
      "current",
      "current",
      "history",
      "history+failed",
      "history",
      "history+failed",
    ]);
  });
  it("computes progress from the worker, then from download bytes", () => {
    expect(progressFraction(job({ state: "running", progress: { done: 3, failed: 1, total: 8 } }))).toBe(0.5);
    expect(progressFraction(job({ state: "running", progress: { done: 3, failed: 0, total: null } }))).toBeNull();
    const downloading = job({
      state: "downloading",
      output: { format: "mods", key: "k", file_name: "f.xml", size: 200, sha256: null },
    });
    expect(progressFraction(downloading, 50)).toBe(0.25);
    expect(progressFraction(job({ state: "ready" }))).toBe(1);
    expect(progressText(job({ progress: { done: 2, failed: 1, total: 5 } }))).toBe("2/5 records (1 failed)");
  });
  it("formats sizes, durations and record labels", () => {
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(45_400_000)).toBe("45.4 MB");
    expect(formatElapsed(42_000)).toBe("42 s");
    expect(formatElapsed(185_000)).toBe("3 min 5 s");
    expect(formatElapsed(7_440_000)).toBe("2 h 4 min");
    expect(recordsLabel(job({ pis: ["A", "B", "C"] }))).toBe("A +2");
    expect(elapsed(job({ state: "running", started_at: 1000 }), 6000)).toBe(5000);
    expect(elapsed(job({ state: "ready", started_at: 1000, finished_at: 3000 }), 9999)).toBe(2000);
  });
});
