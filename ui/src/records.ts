// What the archive says about records: titles, kinds and child counts, in words for people.
import type { RecordInfo } from "./bindings/RecordInfo";
import type { RecordStatus } from "./bindings/RecordStatus";

export type { BrowseNode } from "./bindings/BrowseNode";
export type { RecordInfo } from "./bindings/RecordInfo";
export type { RecordPreview } from "./bindings/RecordPreview";

/** A record ID as the engine writes it: 26 characters of Crockford base32 (a ULID). */
const RECORD_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/i;

export function isRecordId(text: string): boolean {
  return RECORD_ID.test(text.trim());
}

/** The info of a record not looked up (yet). */
export function unknownRecord(pi: string, status: RecordStatus = "unavailable"): RecordInfo {
  return { pi, status, title: null, kind: null, children_count: null, date: null, version: null };
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

/** "Collection", "Item", or "" when unknown. */
export function kindLabel(info: RecordInfo | undefined): string {
  if (!info || info.kind === null) return "";
  return info.kind === "collection" ? "Collection" : "Item";
}

/** "12 children", "1 child", or "" when unknown or none for an item. */
export function childrenLabel(info: RecordInfo | undefined): string {
  if (!info || info.children_count === null) return "";
  if (info.kind !== "collection" && info.children_count === 0) return "";
  return plural(info.children_count, "child", "children");
}

/** What a row says in place of a title when there is none (yet). */
export function titleNote(info: RecordInfo | undefined): string {
  if (!info) return "…";
  if (info.status === "missing") return "not in the archive";
  if (info.status === "unavailable") return "title unavailable";
  return info.title ? "" : "untitled";
}

/** The title of a record, or null when it has none (yet). */
export function titleOf(info: RecordInfo | undefined): string | null {
  return info?.status === "found" && info.title ? info.title : null;
}

/** "Letters and maps, no. 4" or, for several records, "Letters and maps, no. 4 +2 more". */
export function titleWithMore(title: string, count: number): string {
  return count > 1 ? `${title} +${(count - 1).toLocaleString("en")} more` : title;
}

/** A record's date for a column: the day of a timestamp (`2025-04-07T10:17:00Z` → `2025-04-07`), else as given. */
export function dateLabel(info: RecordInfo | undefined): string {
  const date = info?.date ?? "";
  return /^\d{4}-\d{2}-\d{2}T/.test(date) ? date.slice(0, 10) : date;
}
