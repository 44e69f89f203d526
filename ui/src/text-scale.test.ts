import { describe, expect, it } from "vitest";
import { scaledPx } from "./text-scale";

describe("scaledPx", () => {
  it("scales a length with the text: twice at 200 %", () => {
    expect(scaledPx(64, 14)).toBe(64);
    expect(scaledPx(64, 28)).toBe(128);
    expect(scaledPx(44, 21)).toBe(66);
  });

  it("keeps the length when the text size is unknown", () => {
    expect(scaledPx(48, Number.NaN)).toBe(48);
    expect(scaledPx(48, 0)).toBe(48);
  });
});
