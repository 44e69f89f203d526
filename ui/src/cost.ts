// What an export cost, and what one will cost, in words — as the CLI writes them
// (crates/engine/src/cost/text.rs): "≈ $0.0004 · 41 s on shared-cpu-1x 256 MB · 23 R2 requests".
// Every cost is an estimate: "≈", and the prices' date where there is room for it.
import type { ExportEstimate } from "./bindings/ExportEstimate";
import type { Job } from "./bindings/Job";
import type { MachineSize } from "./bindings/MachineSize";

/** What every cost's tooltip says. */
export const COST_HINT =
  "An estimate: Fly machine time from its events, R2 requests counted from the job's files, priced by the table in Settings.";

/** USD: two significant digits below a dollar (at least cents), cents above. */
export function formatUsd(usd: number): string {
  const v = Number.isFinite(usd) ? Math.max(0, usd) : 0;
  if (v === 0) return "$0";
  if (v < 0.000001) return "< $0.000001";
  if (v >= 1) return `$${roundTo(v, 2).toFixed(2)}`;
  const decimals = Math.max(2, Math.ceil(-Math.log10(v)) + 1);
  const [whole, fraction = ""] = roundTo(v, decimals).toFixed(decimals).split(".");
  const kept = fraction.replace(/0+$/, "");
  return `$${whole}.${kept.length < 2 ? fraction.slice(0, 2) : kept}`;
}

/** `value` rounded to `decimals` places, halves up (as the engine's `round_to`: the same text for the same number). */
function roundTo(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/** Machine time: "4.2 s", "41 s", "12 min", "2.5 h". */
export function formatSeconds(seconds: number): string {
  const s = Number.isFinite(seconds) ? Math.max(0, seconds) : 0;
  if (s < 10) return `${roundTo(s, 1).toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${roundTo(s / 3600, 1).toFixed(1)} h`;
}

/** Fly's name for a machine size: "shared-cpu-1x 256 MB". */
export function machineLabel(size: MachineSize): string {
  const cpu = size.cpu_kind === "shared" ? "shared-cpu" : size.cpu_kind;
  return `${cpu}-${size.cpus}x ${size.memory_mb} MB`;
}

/** "≈ $0.0004 · 41 s on shared-cpu-1x 256 MB · 23 R2 requests", once the job's cost is known. */
export function jobCostText(job: Job): string | null {
  if (job.cost_usd === null || job.cost_usd === undefined) return null;
  const parts = [`≈ ${formatUsd(job.cost_usd)}`];
  if (job.machine_seconds !== null && job.machine_seconds !== undefined) {
    parts.push(`${formatSeconds(job.machine_seconds)}${job.guest ? ` on ${machineLabel(job.guest)}` : ""}`);
  }
  if (job.r2_requests) {
    const n = job.r2_requests.class_a + job.r2_requests.class_b;
    parts.push(`${n} R2 request${n === 1 ? "" : "s"}`);
  }
  return parts.join(" · ");
}

/** What the `data-cost-usd` attribute of a job row carries: the number, or "" while unknown. */
export function costAttribute(job: Job): string {
  return job.cost_usd === null || job.cost_usd === undefined ? "" : String(job.cost_usd);
}

export interface BatchCost {
  /** The sum of the known costs (null: none known yet). */
  usd: number | null;
  seconds: number;
  /** Jobs that had a machine whose cost is not known yet. */
  unknown: number;
}

/** A batch's total, as the engine's batch summary sums it. */
export function batchCost(jobs: readonly Job[]): BatchCost {
  let usd: number | null = null;
  let seconds = 0;
  let unknown = 0;
  for (const j of jobs) {
    if (j.cost_usd !== null && j.cost_usd !== undefined) {
      usd = (usd ?? 0) + j.cost_usd;
      seconds += j.machine_seconds ?? 0;
    } else if (j.machine_id) {
      unknown += 1;
    }
  }
  return { usd, seconds, unknown };
}

/** "≈ $0.0012 · 2.5 min of machine time" (+ "so far" while some are unknown), or null. */
export function batchCostText(jobs: readonly Job[]): string | null {
  const c = batchCost(jobs);
  if (c.usd === null) return null;
  const soFar = c.unknown > 0 ? " so far" : "";
  return `≈ ${formatUsd(c.usd)}${soFar} · ${formatSeconds(c.seconds)} of machine time`;
}

/** Next to Export: "≈ $0.0040 for 10 machines (~60 s) · estimate from 12 earlier jobs, prices as of 2025-01". */
export function estimateText(e: ExportEstimate): string {
  const machines = `${e.machines} machine${e.machines === 1 ? "" : "s"}`;
  const basis =
    e.measured_jobs > 0
      ? `estimate from ${e.measured_jobs} earlier job${e.measured_jobs === 1 ? "" : "s"}`
      : "estimate (no earlier jobs yet)";
  return `≈ ${formatUsd(e.cost_usd)} for ${machines} (~${formatSeconds(e.machine_seconds)}) · ${basis}, prices as of ${e.prices_as_of}`;
}

/** Children in all of the listed records, as the catalog reported their counts; null when none is known. */
export function childTotal(
  pis: readonly string[],
  childrenOf: (pi: string) => number | null | undefined,
): number | null {
  let total: number | null = null;
  for (const pi of pis) {
    const n = childrenOf(pi);
    if (n !== null && n !== undefined) total = (total ?? 0) + n;
  }
  return total;
}

/** The price table's settings, in the order Settings shows them. */
export const PRICE_FIELDS: readonly [key: string, label: string][] = [
  ["PRICE_FLY_SHARED_CPU_S", "Shared vCPU (USD per second)"],
  ["PRICE_FLY_PERFORMANCE_CPU_S", "Performance vCPU (USD per second)"],
  ["PRICE_FLY_MEMORY_GB_S", "Memory (USD per GB-second)"],
  ["PRICE_R2_CLASS_A_PER_MILLION", "R2 class A: writes, lists (USD per million)"],
  ["PRICE_R2_CLASS_B_PER_MILLION", "R2 class B: reads (USD per million)"],
  ["PRICE_R2_STORAGE_GB_MONTH", "R2 storage (USD per GB-month)"],
];

/** The settings key of the prices' date. */
export const PRICES_AS_OF = "PRICES_AS_OF";

/** Whether a price field's text is a price: a finite number, 0 or more (the engine checks it again). */
export function isPrice(text: string): boolean {
  const t = text.trim();
  return t !== "" && Number.isFinite(Number(t)) && Number(t) >= 0;
}
