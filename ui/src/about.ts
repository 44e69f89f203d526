import type { AppInfo } from "./bindings/AppInfo";

/** The header's version label, e.g. "v0.1.0". */
export function versionLabel(info: Pick<AppInfo, "version">): string {
  const v = info.version.trim();
  return v === "" ? "unknown version" : `v${v}`;
}

/** Text for an error that came back across IPC (a `{code, message}` object or a plain string). */
export function errorText(err: unknown): string {
  if (typeof err === "string") return err;
  if (err && typeof err === "object" && "message" in err) {
    const { code, message } = err as { code?: unknown; message?: unknown };
    return typeof code === "string" ? `${message} (${code})` : String(message);
  }
  return "Something went wrong, and the app did not say what.";
}
