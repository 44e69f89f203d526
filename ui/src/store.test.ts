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
    expect(store.counts()).toEqual({ active: 1, finished: 1, failed: 0 });
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
    const active = store.rows("active").map((r) => (r.kind === "batch" ? `#${r.batchId}` : r.job.id));
    expect(active).toEqual(["#new", "new1", "new2", "#old", "old1"]);
    const finished = store.rows("finished");
    expect(finished[0]).toEqual({ kind: "batch", batchId: "new", count: 1, ready: 1 });
  });

  it("keeps 10,000 jobs and builds a tab's rows quickly", () => {
    const store = new JobStore();
    store.replaceAll(
      Array.from({ length: 10_000 }, (_, i) => job({ id: `j${i}`, batch_id: `b${i % 50}`, created_at: i })),
    );
    expect(store.rows("active").length).toBe(10_050);
  });
});
