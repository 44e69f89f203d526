import { describe, expect, it } from "vitest";
import type { ExportEstimate } from "./bindings/ExportEstimate";
import {
  batchCost,
  batchCostText,
  childTotal,
  costAttribute,
  estimateText,
  formatSeconds,
  formatUsd,
  isPrice,
  jobCostText,
  machineLabel,
} from "./cost";
import { job } from "./fixtures";

const size = { cpu_kind: "shared", cpus: 1, memory_mb: 256 };

describe("formatUsd", () => {
  it("rounds to two significant digits below a dollar, as the CLI does", () => {
    const cases: [number, string][] = [
      [0, "$0"],
      [0.0000004, "< $0.000001"],
      [0.0004, "$0.0004"],
      [0.000412, "$0.00041"],
      [0.00099999, "$0.001"],
      [0.01234, "$0.012"],
      [0.5, "$0.50"],
      [0.125, "$0.13"],
      [0.999, "$1.00"],
      [12.346, "$12.35"],
      [Number.NaN, "$0"],
      [-3, "$0"],
    ];
    for (const [usd, text] of cases) expect(formatUsd(usd)).toBe(text);
  });
});

describe("formatSeconds", () => {
  it("reads as people count time", () => {
    const seconds = [0, 4.24, 30.5, 41.3, 600, 9000].map(formatSeconds);
    expect(seconds).toEqual(["0.0 s", "4.2 s", "31 s", "41 s", "10 min", "2.5 h"]);
  });
});

describe("jobCostText", () => {
  it("says nothing until the cost is known", () => {
    expect(jobCostText(job())).toBeNull();
    expect(costAttribute(job())).toBe("");
  });
  it("gives the cost, the machine time and size, and the R2 requests", () => {
    const j = job({ cost_usd: 0.0004, machine_seconds: 41.2, guest: size, r2_requests: { class_a: 20, class_b: 3 } });
    expect(jobCostText(j)).toBe("≈ $0.0004 · 41 s on shared-cpu-1x 256 MB · 23 R2 requests");
    expect(costAttribute(j)).toBe("0.0004");
    expect(machineLabel({ cpu_kind: "performance", cpus: 2, memory_mb: 4096 })).toBe("performance-2x 4096 MB");
  });
});

describe("batchCost", () => {
  it("sums the known costs and counts the unknown", () => {
    const jobs = [
      job({ cost_usd: 0.0001, machine_seconds: 10.5, machine_id: "m1" }),
      job({ cost_usd: 0.00025, machine_seconds: 20, machine_id: "m2" }),
      job({ machine_id: "m3" }),
      job({}),
    ];
    const c = batchCost(jobs);
    expect(c.usd).toBeCloseTo(0.00035, 15);
    expect([c.seconds, c.unknown]).toEqual([30.5, 1]);
    expect(batchCostText(jobs)).toBe("≈ $0.00035 so far · 31 s of machine time");
    expect(batchCostText([job({})])).toBeNull();
  });
  it("adds a thousand small costs without drift", () => {
    const jobs = Array.from({ length: 1000 }, () => job({ cost_usd: 0.0000007485, machine_seconds: 1 }));
    expect(batchCost(jobs).usd).toBeCloseTo(0.0007485, 15);
    expect(batchCostText(jobs)).toBe("≈ $0.00075 · 17 min of machine time");
  });
});

describe("estimateText", () => {
  const estimate: ExportEstimate = {
    records: 10,
    entities: 10,
    machines: 10,
    machine_seconds: 60,
    r2_requests: { class_a: 100, class_b: 20 },
    cost_usd: 0.004,
    size,
    startup_seconds: 5,
    seconds_per_record: 1,
    measured_jobs: 0,
    prices_as_of: "2025-01",
  };
  it("says what it is based on and the prices' date", () => {
    expect(estimateText(estimate)).toBe(
      "≈ $0.004 for 10 machines (~60 s) · estimate (no earlier jobs yet), prices as of 2025-01",
    );
    expect(estimateText({ ...estimate, measured_jobs: 1, machines: 1 })).toContain("1 machine (");
    expect(estimateText({ ...estimate, measured_jobs: 12 })).toContain("estimate from 12 earlier jobs");
  });
});

describe("isPrice", () => {
  it("takes finite numbers of 0 or more", () => {
    expect(["0", "4.50", "0.0000002662", "1e-7"].every(isPrice)).toBe(true);
    expect(["-1", "NaN", "Infinity", "", "$4.50", "abc"].some(isPrice)).toBe(false);
  });
});

describe("childTotal", () => {
  it("sums the child counts the catalog reported", () => {
    const counts: Record<string, number | null> = { a: 3, b: null, c: 0 };
    expect(childTotal(["a", "b", "c", "d"], (pi) => counts[pi])).toBe(3);
    expect(childTotal(["b", "d"], (pi) => counts[pi])).toBeNull();
  });
});
