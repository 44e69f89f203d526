import { describe, expect, it } from "vitest";
import { missingSummary } from "./ids";
import {
  childrenLabel,
  dateLabel,
  isRecordId,
  kindLabel,
  type RecordInfo,
  titleNote,
  titleOf,
  titleWithMore,
} from "./records";

const record = (over: Partial<RecordInfo> = {}): RecordInfo => ({
  pi: "01HZX3K9Q4M8V2T6R5N7P0W1YB",
  status: "found",
  title: "Harbour letters",
  kind: "collection",
  children_count: 1200,
  date: "1901",
  version: "2",
  ...over,
});

describe("records in words", () => {
  it("names titles, kinds and child counts", () => {
    expect(titleOf(record())).toBe("Harbour letters");
    expect(kindLabel(record())).toBe("Collection");
    expect(childrenLabel(record())).toBe("1,200 children");
    expect(childrenLabel(record({ children_count: 1 }))).toBe("1 child");
    expect(childrenLabel(record({ kind: "item", children_count: 0 }))).toBe("");
    expect(kindLabel(undefined)).toBe("");
  });
  it("says why there is no title: pending, not in the archive, unavailable", () => {
    expect(titleNote(undefined)).toBe("…");
    expect(titleNote(record({ status: "missing", title: null }))).toBe("not in the archive");
    expect(titleNote(record({ status: "unavailable", title: null }))).toBe("title unavailable");
    expect(titleOf(record({ status: "unavailable", title: "stale" }))).toBeNull();
  });
  it("labels a multi-record job by its first title and how many more", () => {
    expect(titleWithMore("Harbour letters", 1)).toBe("Harbour letters");
    expect(titleWithMore("Harbour letters", 4)).toBe("Harbour letters +3 more");
  });
  it("tells record IDs from titles", () => {
    expect(isRecordId(" 01hzx3k9q4m8v2t6r5n7p0w1yb ")).toBe(true);
    expect(isRecordId("Harbour letters")).toBe(false);
    expect(isRecordId("01HZX3K9Q4M8V2T6R5N7P0W1YI")).toBe(false); // I is not Crockford base32
  });
  it("says what happens to records not in the archive", () => {
    expect(missingSummary(0, false)).toBe("");
    expect(missingSummary(1, false)).toBe("1 record is not in the archive: left out of the export.");
    expect(missingSummary(2, true)).toBe("2 records are not in the archive: sent to the machines anyway.");
  });
});

describe("record dates", () => {
  it("shows the day of a manifest timestamp, and a PINAX date as given", () => {
    expect(dateLabel(record({ date: "2025-04-07T10:17:00Z" }))).toBe("2025-04-07");
    expect(dateLabel(record({ date: "1901" }))).toBe("1901");
    expect(dateLabel(undefined)).toBe("");
  });
});
