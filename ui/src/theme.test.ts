import { describe, expect, it } from "vitest";
import { THEMES, themeFrom } from "./theme";

describe("themeFrom", () => {
  it("reads light and dark, and anything else as the system's theme", () => {
    expect(themeFrom("light")).toBe("light");
    expect(themeFrom("dark")).toBe("dark");
    expect(themeFrom("DARK")).toBe("system");
    expect(themeFrom(null)).toBe("system");
    expect(themeFrom("<script>")).toBe("system");
  });

  it("offers every theme once", () => {
    expect(new Set(THEMES.map(([t]) => t)).size).toBe(THEMES.length);
  });
});
