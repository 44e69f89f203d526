// Export formats: their names for people, and what the Export button says.
import type { ExportFormat } from "./bindings/ExportFormat";
import type { Job } from "./bindings/Job";

/** Every format, in the order the app offers them (MODS first: the default). */
export const FORMATS: readonly ExportFormat[] = ["mods", "dc", "marcxml"];

const LABELS: Record<ExportFormat, string> = { mods: "MODS", dc: "DC", marcxml: "MARCXML" };
const DESCRIPTIONS: Record<ExportFormat, string> = {
  mods: "MODS",
  dc: "Dublin Core",
  marcxml: "MARCXML",
};

/** The short name of a format: `MODS`, `DC`, `MARCXML`. */
export function formatLabel(format: ExportFormat): string {
  return LABELS[format];
}

/** The name a checkbox carries: `Dublin Core (DC)`. */
export function formatDescription(format: ExportFormat): string {
  return format === "dc" ? `${DESCRIPTIONS.dc} (DC)` : DESCRIPTIONS[format];
}

/** The chosen formats in the app's order, without duplicates. */
export function orderedFormats(chosen: Iterable<ExportFormat>): ExportFormat[] {
  const set = new Set(chosen);
  return FORMATS.filter((f) => set.has(f));
}

/** The Export button: `Export MODS` for MODS alone, else the formats named (`Export MODS + DC`). */
export function exportButtonLabel(chosen: Iterable<ExportFormat>): string {
  const formats = orderedFormats(chosen);
  if (formats.length === 0) return "Choose a format";
  return `Export ${formats.map(formatLabel).join(" + ")}`;
}

/** The files of a job in the bucket, one per format (a job stored before formats has only `output`). */
export function jobOutputs(job: Job): NonNullable<Job["output"]>[] {
  if (job.outputs.length > 0) return job.outputs;
  return job.output ? [job.output] : [];
}

/** Which formats are ready, for a row: `MODS + DC ready`, `MODS + DC saved`; empty before that. */
export function readyFormatsText(job: Job): string {
  const outputs = jobOutputs(job);
  if (outputs.length === 0) return "";
  const names = outputs.map((o) => formatLabel(o.format)).join(" + ");
  const saved = outputs.every((o) => job.saved_formats.includes(o.format));
  return `${names} ${saved ? "saved" : "ready"}`;
}
