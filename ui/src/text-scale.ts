// Text size: the stylesheet's base is 14 px; a larger text size (Settings of the system, or the
// E2E test's 200 %) scales every rem. Lists with fixed-height rows scale their rows with it.

/** The base text size the stylesheet is written for, in CSS pixels. */
export const BASE_TEXT_PX = 14;

/** A length given at the base text size, at the text size now. */
export function scaledPx(px: number, rootFontPx: number): number {
  return rootFontPx > 0 ? (px * rootFontPx) / BASE_TEXT_PX : px;
}

/** `px` (at the base text size) at the document's text size now. */
export function textPx(px: number): number {
  return scaledPx(px, Number.parseFloat(getComputedStyle(document.documentElement).fontSize));
}
