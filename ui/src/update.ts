// What the update notice says. The banner (views/update-banner.ts) and Settings show these; the app
// installs nothing until the archivist clicks Install.
import type { UpdateInfo } from "./bindings/UpdateInfo";

/** The banner's headline: "Arke Export 0.2.0 is available (you have 0.1.0)." */
export function updateHeadline(info: Pick<UpdateInfo, "version" | "current_version">): string {
  return `Arke Export ${info.version} is available (you have ${info.current_version}).`;
}

/** The release notes as lines to show, blank lines dropped; none when the release has no notes. */
export function noteLines(notes: string | null): string[] {
  return (notes ?? "")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** The publication date as a day ("2026-12-01"), or null when the manifest gave none we can read. */
export function releaseDay(date: string | null): string | null {
  const day = date?.match(/^\d{4}-\d{2}-\d{2}/)?.[0];
  return day ?? null;
}

/** What Settings says after "Check for updates". */
export function checkResultText(info: UpdateInfo | null): string {
  return info === null
    ? "Arke Export is up to date."
    : `Version ${info.version} is available: the notice in the main window offers to install it.`;
}
