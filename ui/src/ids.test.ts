import { describe, expect, it } from "vitest";
import { idsSummary, invalidLines } from "./ids";

describe("idsSummary", () => {
  it("invites input when the list is empty", () => {
    expect(idsSummary({ ids: [], duplicates: 0, invalid: [], invalid_count: 0 })).toMatch(/Paste record IDs/);
  });
  it("counts ready, duplicate and invalid lines", () => {
    const p = {
      ids: ["A", "B", "C"],
      duplicates: 2,
      invalid: [{ line: 4, text: "x", reason: "not a record ID" }],
      invalid_count: 1,
    };
    expect(idsSummary(p)).toBe("3 records ready · 2 duplicates removed · 1 invalid");
  });
  it("uses the singular and leaves out what does not apply", () => {
    expect(idsSummary({ ids: ["A"], duplicates: 1, invalid: [], invalid_count: 0 })).toBe(
      "1 record ready · 1 duplicate removed",
    );
  });
});

describe("invalidLines", () => {
  it("names each invalid line by number and caps the list", () => {
    const invalid = Array.from({ length: 3 }, (_, i) => ({ line: i + 2, text: `bad${i}`, reason: "not a record ID" }));
    expect(invalidLines({ ids: [], duplicates: 0, invalid, invalid_count: 3 }, 2)).toEqual([
      "line 2: “bad0” — not a record ID",
      "line 3: “bad1” — not a record ID",
      "… and 1 more",
    ]);
  });
  it("counts the invalid lines the engine did not list", () => {
    const invalid = [{ line: 1, text: "bad", reason: "not a record ID" }];
    expect(invalidLines({ ids: [], duplicates: 0, invalid, invalid_count: 5000 })).toEqual([
      "line 1: “bad” — not a record ID",
      "… and 4999 more",
    ]);
    expect(idsSummary({ ids: [], duplicates: 0, invalid, invalid_count: 5000 })).toBe("0 records ready · 5000 invalid");
  });
});
