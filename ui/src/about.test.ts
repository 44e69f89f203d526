import { describe, expect, it } from "vitest";
import { errorText, versionLabel } from "./about";

describe("versionLabel", () => {
  it("prefixes the version with v", () => {
    expect(versionLabel({ version: "0.1.0" })).toBe("v0.1.0");
  });
  it("says so when the version is empty", () => {
    expect(versionLabel({ version: " " })).toBe("unknown version");
  });
});

describe("errorText", () => {
  it("shows the message and code of an IPC error", () => {
    expect(errorText({ code: "keyring_unavailable", message: "No keyring", hint: null })).toBe(
      "No keyring (keyring_unavailable)",
    );
  });
  it("follows what failed with what to do", () => {
    const err = {
      code: "fly_unauthorized",
      message: "Fly rejected the API token",
      hint: "Paste a new one in Settings.",
    };
    expect(errorText(err)).toBe("Fly rejected the API token (fly_unauthorized). Paste a new one in Settings.");
  });
  it("passes strings through", () => {
    expect(errorText("boom")).toBe("boom");
  });
  it("never shows an empty error", () => {
    expect(errorText(undefined)).toMatch(/did not say/);
  });
});
