import { describe, expect, it } from "vitest";
import { workerSecretLabel } from "./views/settings";

describe("workerSecretLabel", () => {
  it("says where the machines' R2 secret lives", () => {
    expect(workerSecretLabel({ worker_r2_secret: { place: "fly_app", message: "m" } })).toBe("on the Fly app");
    expect(workerSecretLabel({ worker_r2_secret: { place: "machine_config", message: "m" } })).toBe(
      "not on the Fly app",
    );
  });
  it("gives the engine's words when it could not ask Fly", () => {
    const message = "not known until the Fly settings are complete";
    expect(workerSecretLabel({ worker_r2_secret: { place: "unknown", message } })).toBe(message);
  });
});
