// The preview pane: the MODS record the export will contain for one record, highlighted, copyable,
// with a note when the record is incomplete. The XML comes from the archive: it is cut into tokens
// and every piece is set as text (never parsed as HTML).
import { errorText } from "../about";
import { api } from "../api";
import { h } from "../dom";
import { openModal } from "../keyboard";
import type { RecordInfo } from "../records";
import { tokenizeXml } from "../xml-tokens";

/** Beyond this many characters the pane shows the start only (Copy still copies everything). */
const SHOWN_CHARS = 400_000;

export interface PreviewPane {
  element: HTMLDialogElement;
  open(pi: string): Promise<void>;
}

/** Highlighted XML: one span per token, text only. */
export function highlightedXml(xml: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const token of tokenizeXml(xml)) {
    if (token.kind === "text") fragment.append(token.text);
    else fragment.append(h("span", { class: `x-${token.kind}` }, token.text));
  }
  return fragment;
}

export function previewPane(titleOf: (pi: string) => RecordInfo | undefined): PreviewPane {
  const dialog = h("dialog", { class: "preview", "data-testid": "preview", "aria-labelledby": "preview-title" });
  const heading = h("h2", { id: "preview-title" }, "Preview");
  const sub = h("p", { class: "mono sub" });
  const note = h("p", { class: "warning", "data-testid": "preview-incomplete", role: "note", hidden: true });
  const status = h("p", { class: "status", "aria-live": "polite" });
  const code = h("code", { "data-testid": "preview-xml" });
  const pre = h("pre", { class: "xml", tabindex: 0, "aria-label": "MODS record" }, code);
  let xml = "";
  let generation = 0;

  const copy = h("button", { type: "button", "data-testid": "preview-copy", disabled: true }, "Copy");
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(xml);
      status.textContent = "Copied.";
    } catch {
      // Without clipboard access: select the text so Ctrl+C copies it.
      const range = document.createRange();
      range.selectNodeContents(code);
      const selection = window.getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
    }
  });
  const close = h("button", { type: "button", "data-testid": "preview-close", onclick: () => dialog.close() }, "Close");

  dialog.append(
    h("div", { class: "preview-head" }, h("div", {}, heading, sub), h("div", { class: "actions" }, copy, close)),
    note,
    status,
    pre,
  );
  dialog.addEventListener("click", (e) => {
    if (e.target === dialog) dialog.close(); // a click on the backdrop
  });

  async function open(pi: string): Promise<void> {
    const mine = ++generation;
    const info = titleOf(pi);
    heading.textContent = info?.title ? `Preview: ${info.title}` : "Preview";
    sub.textContent = `${pi} · the MODS record the export will contain`;
    note.hidden = true;
    copy.disabled = true;
    xml = "";
    code.replaceChildren();
    status.textContent = "Loading…";
    openModal(dialog);
    try {
      const preview = await api.previewRecord(pi);
      if (mine !== generation) return;
      xml = preview.xml;
      const shown = xml.length > SHOWN_CHARS ? xml.slice(0, SHOWN_CHARS) : xml;
      code.replaceChildren(highlightedXml(shown));
      status.textContent =
        shown.length < xml.length
          ? `Showing the first ${SHOWN_CHARS.toLocaleString("en")} of ${xml.length.toLocaleString("en")} characters; Copy copies all.`
          : "";
      if (preview.incomplete) {
        note.textContent = `Incomplete record: ${preview.incomplete}. The export writes it as shown.`;
        note.hidden = false;
      }
      copy.disabled = false;
    } catch (e) {
      if (mine === generation) status.textContent = errorText(e);
    }
  }

  return { element: dialog, open };
}
