import { describe, expect, it } from "vitest";
import type { UpdateInfo } from "./bindings/UpdateInfo";
import { checkResultText, noteLines, releaseDay, updateHeadline } from "./update";

const info: UpdateInfo = {
  version: "0.2.0",
  current_version: "0.1.0",
  notes: "Faster downloads.\n\n  A clearer jobs list.  \r\n",
  date: "2026-12-01T07:00:00Z",
};

describe("the update notice", () => {
  it("names the new version and the one running", () => {
    expect(updateHeadline(info)).toBe("Arke Export 0.2.0 is available (you have 0.1.0).");
  });
  it("shows the notes line by line, without blank lines", () => {
    expect(noteLines(info.notes)).toEqual(["Faster downloads.", "A clearer jobs list."]);
    expect(noteLines(null)).toEqual([]);
    expect(noteLines(" \n ")).toEqual([]);
  });
  it("shows the day of the release, or nothing", () => {
    expect(releaseDay(info.date)).toBe("2026-12-01");
    expect(releaseDay(null)).toBeNull();
    expect(releaseDay("soon")).toBeNull();
  });
  it("tells Settings whether an update was found", () => {
    expect(checkResultText(null)).toBe("Arke Export is up to date.");
    expect(checkResultText(info)).toBe(
      "Version 0.2.0 is available: the notice in the main window offers to install it.",
    );
  });
});
