import type { AppInfo } from "./bindings/AppInfo";
import type { ErrorPayload } from "./bindings/ErrorPayload";

/** The header's version label, e.g. "v0.1.0". */
export function versionLabel(info: Pick<AppInfo, "version">): string {
  const v = info.version.trim();
  return v === "" ? "unknown version" : `v${v}`;
}

/** Text for an error that came back across IPC (an `ErrorPayload` or a plain string): what failed, then what to do. */
export function errorText(err: unknown): string {
  if (typeof err === "string") return err;
  if (err && typeof err === "object" && "message" in err) {
    const { code, message, hint } = err as Partial<ErrorPayload>;
    const what = typeof code === "string" ? `${message} (${code})` : String(message);
    return typeof hint === "string" && hint !== "" ? `${what}. ${hint}` : what;
  }
  return "Something went wrong, and the app did not say what.";
}
