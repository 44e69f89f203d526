import { describe, expect, it } from "vitest";
import { appendIds, removeIds } from "./export-list";

describe("export list text", () => {
  it("appends IDs not listed yet, one per line", () => {
    expect(appendIds("", ["A", "B"])).toBe("A\nB\n");
    expect(appendIds("A", ["a", "B", "B"])).toBe("A\nB\n");
    expect(appendIds("X\n", ["X"])).toBe("X\n");
  });
  it("removes only the lines that hold just that ID", () => {
    expect(removeIds("A\n b \nC\n", ["B"])).toBe("A\nC\n");
    expect(removeIds("pi,title\nB,x\n", ["B"])).toBe("pi,title\nB,x\n");
  });
});
