import { describe, expect, it } from "vitest";
import { nextIndex, tabStop } from "./keyboard";

describe("nextIndex", () => {
  it("moves by one, by a page, and to either end, never past them", () => {
    expect(nextIndex("ArrowDown", 0, 5)).toBe(1);
    expect(nextIndex("ArrowDown", 4, 5)).toBe(4);
    expect(nextIndex("ArrowUp", 0, 5)).toBe(0);
    expect(nextIndex("ArrowUp", 3, 5)).toBe(2);
    expect(nextIndex("Home", 3, 5)).toBe(0);
    expect(nextIndex("End", 0, 5)).toBe(4);
    expect(nextIndex("PageDown", 1, 50, 10)).toBe(11);
    expect(nextIndex("PageDown", 45, 50, 10)).toBe(49);
    expect(nextIndex("PageUp", 5, 50, 10)).toBe(0);
  });

  it("is not a move for other keys or an empty list", () => {
    expect(nextIndex("Enter", 0, 5)).toBeNull();
    expect(nextIndex("a", 0, 5)).toBeNull();
    expect(nextIndex("ArrowDown", 0, 0)).toBeNull();
  });

  it("treats a stale index (the list shrank) as the last row", () => {
    expect(nextIndex("ArrowUp", 10, 3)).toBe(1);
  });
});

describe("tabStop", () => {
  it("keeps the active row in the Tab order while it is listed, else the first", () => {
    expect(tabStop(["a", "b", "c"], "b")).toBe("b");
    expect(tabStop(["a", "c"], "b")).toBe("a");
    expect(tabStop(["a"], null)).toBe("a");
    expect(tabStop([], "b")).toBeNull();
  });
});
