import { describe, expect, it, vi } from "vitest";
import { job } from "./fixtures";
import { JobStore } from "./store";

describe("JobStore", () => {
  it("applies engine events and tells its subscribers", () => {
    const store = new JobStore();
    const listener = vi.fn();
    store.subscribe(listener);
    store.replaceAll([job({ id: "a" }), job({ id: "b", state: "ready" })]);
    store.apply({ kind: "changed", job: job({ id: "a", state: "running" }) });
    expect(store.get("a")?.state).toBe("running");
    expect(store.counts()).toEqual({ current: 2, history: 0, failed: 0 });
    store.apply({ kind: "download", job_id: "b", bytes: 10, total: 20 });
    expect(store.downloadedBytes("b")).toBe(10);
    store.apply({ kind: "removed", job_id: "b" });
    expect(store.get("b")).toBeUndefined();
    expect(listener).toHaveBeenCalledTimes(4);
  });

  it("groups rows by batch, newest batch first, jobs in order", () => {
    const store = new JobStore();
    store.replaceAll([
      job({ id: "old1", batch_id: "old", created_at: 1 }),
      job({ id: "new2", batch_id: "new", created_at: 6 }),
      job({ id: "new1", batch_id: "new", created_at: 5 }),
      job({ id: "done", batch_id: "new", created_at: 5, state: "ready" }),
    ]);
    const current = store.rows("current").map((r) => (r.kind === "batch" ? `#${r.batchId}` : r.job.id));
    expect(current).toEqual(["#new", "done", "new1", "new2", "#old", "old1"]);
    expect(store.rows("current")[0]).toEqual({
      kind: "batch",
      batchId: "new",
      count: 3,
      ready: 1,
      waiting: 3,
      focused: false,
    });
  });

  it("keeps a ready export in the current view until it is downloaded", () => {
    const store = new JobStore();
    store.replaceAll([job({ id: "a", state: "running" })]);
    const ids = () => store.rows("current").flatMap((r) => (r.kind === "job" ? [`${r.job.id}:${r.job.state}`] : []));
    store.apply({ kind: "changed", job: job({ id: "a", state: "ready" }) });
    expect(ids()).toEqual(["a:ready"]);
    store.apply({ kind: "changed", job: job({ id: "a", state: "downloading" }) });
    expect(ids()).toEqual(["a:downloading"]);
    store.apply({ kind: "changed", job: job({ id: "a", state: "downloaded" }) });
    expect(ids()).toEqual([]);
    expect(store.counts()).toEqual({ current: 0, history: 1, failed: 0 });
  });

  it("shows the batch just started in every state, until the archivist moves on", () => {
    const store = new JobStore();
    store.replaceAll([
      job({ id: "old", batch_id: "b0", state: "downloaded", created_at: 1 }),
      job({ id: "a", batch_id: "b1", state: "downloaded", created_at: 5 }),
      job({ id: "b", batch_id: "b1", state: "failed", created_at: 6 }),
      job({ id: "c", batch_id: "b1", state: "ready", created_at: 7 }),
    ]);
    const ids = () => store.rows("current").flatMap((r) => (r.kind === "job" ? [r.job.id] : []));
    expect(ids()).toEqual(["c"]);
    store.focus("b1");
    expect(ids()).toEqual(["a", "b", "c"]);
    expect(store.rows("current")[0]).toMatchObject({ kind: "batch", focused: true, waiting: 1 });
    expect(store.counts()).toEqual({ current: 3, history: 3, failed: 1 });
    store.focus(null);
    expect(ids()).toEqual(["c"]);
  });

  it("keeps 10,000 jobs and builds a tab's rows quickly", () => {
    const store = new JobStore();
    store.replaceAll(
      Array.from({ length: 10_000 }, (_, i) => job({ id: `j${i}`, batch_id: `b${i % 50}`, created_at: i })),
    );
    expect(store.rows("current").length).toBe(10_050);
  });
});
