import { describe, expect, it } from "vitest";
import type { JobOutput } from "./bindings/JobOutput";
import { job } from "./fixtures";
import { exportButtonLabel, formatDescription, jobOutputs, orderedFormats, readyFormatsText } from "./formats";

const output = (format: JobOutput["format"]): JobOutput => ({
  format,
  key: `exports/t/x-${format}.xml`,
  file_name: `x-${format}.xml`,
  size: 10,
  sha256: "00",
});

describe("the Export button", () => {
  it("says Export MODS for MODS alone", () => {
    expect(exportButtonLabel(["mods"])).toBe("Export MODS");
  });

  it("names every chosen format, in the app's order", () => {
    expect(exportButtonLabel(["dc", "mods"])).toBe("Export MODS + DC");
    expect(exportButtonLabel(["marcxml", "dc", "mods"])).toBe("Export MODS + DC + MARCXML");
    expect(exportButtonLabel(["dc"])).toBe("Export DC");
    expect(exportButtonLabel(new Set(["marcxml", "marcxml"] as const))).toBe("Export MARCXML");
  });

  it("asks for a format when none is chosen", () => {
    expect(exportButtonLabel([])).toBe("Choose a format");
  });

  it("orders and de-duplicates the choice", () => {
    expect(orderedFormats(["marcxml", "mods", "marcxml"])).toEqual(["mods", "marcxml"]);
    expect(formatDescription("dc")).toBe("Dublin Core (DC)");
  });
});

describe("the formats of a job", () => {
  it("are its outputs, or the single output of a job stored before formats", () => {
    expect(jobOutputs(job())).toEqual([]);
    const old = output("mods");
    expect(jobOutputs(job({ output: old }))).toEqual([old]);
    const both = [output("mods"), output("dc")];
    expect(jobOutputs(job({ output: both[0], outputs: both }))).toEqual(both);
  });

  it("are shown ready, then saved once every file is saved", () => {
    const both = [output("mods"), output("dc")];
    expect(readyFormatsText(job())).toBe("");
    expect(readyFormatsText(job({ state: "ready", output: both[0], outputs: both }))).toBe("MODS + DC ready");
    const partly = job({ state: "downloaded", outputs: both, saved_formats: ["mods"] });
    expect(readyFormatsText(partly)).toBe("MODS + DC ready");
    expect(readyFormatsText({ ...partly, saved_formats: ["dc", "mods"] })).toBe("MODS + DC saved");
  });
});
