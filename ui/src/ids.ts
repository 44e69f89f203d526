import type { ParsedIds } from "./bindings/ParsedIds";

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** "N records ready · K duplicates removed · M invalid" (only the parts that apply). */
export function idsSummary(p: ParsedIds): string {
  if (p.ids.length === 0 && p.invalid_count === 0) return "Paste record IDs, drop a .txt or .csv file, or choose one.";
  const parts = [`${plural(p.ids.length, "record", "records")} ready`];
  if (p.duplicates > 0) parts.push(`${plural(p.duplicates, "duplicate", "duplicates")} removed`);
  if (p.invalid_count > 0) parts.push(`${p.invalid_count} invalid`);
  return parts.join(" · ");
}

/** One line per invalid input line: "line 4: “abc” — not a record ID: …". At most `max`, then how many more. */
export function invalidLines(p: ParsedIds, max = 50): string[] {
  const lines = p.invalid.slice(0, max).map((l) => `line ${l.line}: “${l.text}” — ${l.reason}`);
  if (p.invalid_count > lines.length) lines.push(`… and ${p.invalid_count - lines.length} more`);
  return lines;
}

/** The note over a list with records the archive does not have ("" when there are none). */
export function missingSummary(missing: number, included: boolean): string {
  if (missing === 0) return "";
  const what = `${plural(missing, "record is", "records are")} not in the archive`;
  return included ? `${what}: sent to the machines anyway.` : `${what}: left out of the export.`;
}

/** After an export: which records were left out because the archive does not have them. */
export function leftOutSummary(pis: readonly string[], max = 5): string {
  const named = pis.slice(0, max).join(", ");
  const more = pis.length > max ? ` and ${pis.length - max} more` : "";
  return `Left out (not in the archive): ${named}${more}.`;
}
