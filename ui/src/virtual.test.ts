import { describe, expect, it } from "vitest";
import { visibleRange } from "./virtual";

describe("visibleRange", () => {
  it("renders only the rows in view plus overscan", () => {
    expect(visibleRange(0, 640, 64, 10_000, 6)).toEqual({ start: 0, end: 16 });
    expect(visibleRange(64 * 1000, 640, 64, 10_000, 6)).toEqual({ start: 994, end: 1016 });
  });
  it("stays inside the list", () => {
    expect(visibleRange(64 * 9_999, 640, 64, 10_000, 6)).toEqual({ start: 9_993, end: 10_000 });
    expect(visibleRange(0, 640, 64, 0)).toEqual({ start: 0, end: 0 });
  });
});
