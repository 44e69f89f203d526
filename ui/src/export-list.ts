// The export list is the paste box's text. Browse adds and removes records by editing that text a
// line at a time, so what the archivist sees in the box is always what will be exported.

const norm = (line: string) => line.trim().toUpperCase();

/** `text` with each of `pis` not already on a line of its own appended, one per line. */
export function appendIds(text: string, pis: readonly string[]): string {
  const present = new Set(text.split(/\r?\n/).map(norm));
  const added = pis.filter((pi) => !present.has(norm(pi)) && present.add(norm(pi)));
  if (added.length === 0) return text;
  const base = text === "" || text.endsWith("\n") ? text : `${text}\n`;
  return `${base}${added.join("\n")}\n`;
}

/** `text` without the lines that hold only one of `pis` (other lines, CSV rows among them, stay). */
export function removeIds(text: string, pis: readonly string[]): string {
  const drop = new Set(pis.map(norm));
  const lines = text.split(/\r?\n/);
  const kept = lines.filter((line) => !drop.has(norm(line)));
  return kept.length === lines.length ? text : kept.join("\n");
}
