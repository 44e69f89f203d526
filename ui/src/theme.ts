// The colour theme: the system's (prefers-color-scheme), or light or dark whatever the system says.
// A preference of this computer's window only, kept in the webview's storage (not a setting of the
// engine: the CLI has no colours to choose). `<html data-theme>` carries it to the stylesheet.
export type Theme = "system" | "light" | "dark";

export const THEMES: readonly [Theme, string][] = [
  ["system", "As the system"],
  ["light", "Light"],
  ["dark", "Dark"],
];

const KEY = "arke-export.theme";

/** A stored value, read defensively: anything unknown is the system's theme. */
export function themeFrom(value: string | null | undefined): Theme {
  return value === "light" || value === "dark" ? value : "system";
}

export function storedTheme(): Theme {
  try {
    return themeFrom(window.localStorage.getItem(KEY));
  } catch {
    return "system";
  }
}

/** Applies `theme` (default: the stored one) to the document, and stores it when given. */
export function applyTheme(theme?: Theme): void {
  const chosen = theme ?? storedTheme();
  if (theme !== undefined) {
    try {
      window.localStorage.setItem(KEY, theme);
    } catch {
      // No storage (private mode): the choice holds for this window only.
    }
  }
  if (chosen === "system") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = chosen;
}
