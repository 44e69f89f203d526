import { describe, expect, it } from "vitest";
import { Announcer, announcementText, type Clock } from "./announce";
import type { JobState } from "./bindings/JobState";

/** A fake clock: timers run when `advance` passes their time. */
function fakeClock() {
  let now = 0;
  let next = 1;
  const timers = new Map<number, { at: number; f: () => void }>();
  const clock: Clock = {
    setTimeout(f, ms) {
      const id = next++;
      timers.set(id, { at: now + ms, f });
      return id;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
  };
  function advance(ms: number) {
    const until = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].f();
    }
    now = until;
  }
  return { clock, advance, now: () => now };
}

describe("Announcer", () => {
  it("says 1,000 jobs finishing in a burst once, not 1,000 times", () => {
    const { clock, advance, now } = fakeClock();
    const said: string[] = [];
    const announcer = new Announcer((t) => said.push(t), { clock });
    for (let i = 0; i < 1000; i += 1) {
      announcer.jobChanged("running", i % 10 === 0 ? "failed" : "ready", now());
      advance(1);
    }
    advance(10_000);
    expect(said).toEqual(["900 jobs ready, 100 failed"]);
  });

  it("says a long stream of changes a few times, at most once per gap", () => {
    const { clock, advance, now } = fakeClock();
    const said: string[] = [];
    const announcer = new Announcer((t) => said.push(t), { clock, quietMs: 1500, minGapMs: 5000 });
    // 1,000 jobs, one every 20 ms: 20 seconds of changes.
    for (let i = 0; i < 1000; i += 1) {
      announcer.jobChanged("running", "ready", now());
      advance(20);
    }
    advance(10_000);
    expect(said.length).toBeGreaterThan(1);
    expect(said.length).toBeLessThanOrEqual(6);
    const total = said.reduce((n, t) => n + Number(t.split(" ")[0]?.replace(",", "")), 0);
    expect(total).toBe(1000);
  });

  it("ignores progress within a state and states not worth saying", () => {
    const { clock, advance, now } = fakeClock();
    const said: string[] = [];
    const announcer = new Announcer((t) => said.push(t), { clock });
    announcer.jobChanged("running", "running", now());
    announcer.jobChanged("ready", "downloading", now());
    announcer.jobChanged(undefined, "queued", now());
    advance(10_000);
    expect(said).toEqual([]);
    announcer.jobChanged("downloading", "downloaded", now());
    advance(10_000);
    expect(said).toEqual(["1 job saved"]);
  });
});

describe("announcementText", () => {
  it("names counts in a fixed order", () => {
    const counts = new Map<JobState, number>([
      ["failed", 2],
      ["running", 1200],
    ]);
    expect(announcementText(counts)).toBe("1,200 jobs exporting, 2 failed");
  });
});
