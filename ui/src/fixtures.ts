import type { Job } from "./bindings/Job";

/** A job as the engine sends it, with `over` applied. */
export function job(over: Partial<Job> = {}): Job {
  return {
    id: "job_1",
    batch_id: "batch_1",
    task_id: "job_1",
    pis: ["01HZX3K9Q4M8V2T6R5N7P0W1YB"],
    options: { recursive: false, maxDepth: 5, parallelBatchSize: 10, includeOcr: true, cheimarrosMode: "full" },
    formats: ["mods"],
    state: "queued",
    actions: ["cancel", "remove"],
    reason: null,
    reason_code: null,
    machine_id: null,
    instance_id: null,
    region: null,
    exit_code: null,
    progress: null,
    output: null,
    outputs: [],
    failures: [],
    saved_to: null,
    saved_formats: [],
    attempt: 1,
    created_at: 1000,
    updated_at: 1000,
    started_at: null,
    finished_at: null,
    expires_at: null,
    ...over,
  };
}
