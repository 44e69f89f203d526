// New export: paste box, drop zone (the whole window), "Choose file…", options, formats, Export MODS.
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { errorText } from "../about";
import { api } from "../api";
import type { CheimarrosMode } from "../bindings/CheimarrosMode";
import type { ExportFormat } from "../bindings/ExportFormat";
import type { ParsedIds } from "../bindings/ParsedIds";
import { byTestId, h } from "../dom";
import { exportButtonLabel, FORMATS, formatDescription } from "../formats";
import { idsSummary, invalidLines } from "../ids";

export interface ExportPanel {
  element: HTMLElement;
  setSandbox(sandbox: boolean): void;
}

export function exportPanel(onError: (message: string) => void, onSubmitted: () => void): ExportPanel {
  const input = h("textarea", {
    "data-testid": "ids-input",
    id: "ids-input",
    rows: 8,
    spellcheck: false,
    placeholder: "One record ID per line, or CSV with a “pi” column…",
    "aria-describedby": "ids-summary",
  });
  const summary = h("p", { "data-testid": "ids-summary", id: "ids-summary", class: "summary", "aria-live": "polite" });
  const invalid = h("ul", { class: "invalid", "aria-label": "Invalid lines" });
  const recursive = h("input", { type: "checkbox", id: "opt-recursive" });
  const maxDepth = h("input", { type: "number", id: "opt-depth", min: 0, max: 50, value: 5, disabled: true });
  const ocr = h("input", { type: "checkbox", id: "opt-ocr", checked: true });
  const cheimarros = h(
    "select",
    { id: "opt-graph" },
    h("option", { value: "full" }, "Full"),
    h("option", { value: "minimal" }, "Minimal"),
    h("option", { value: "skip" }, "None"),
  );
  const perMachine = h("input", { type: "number", id: "opt-per-machine", min: 1, max: 10000, value: 1 });
  // One checkbox per format, MODS checked: each with its own label (the format's full name).
  const formatBoxes = FORMATS.map((f) =>
    h("input", {
      type: "checkbox",
      id: `opt-format-${f}`,
      "data-testid": `format-${f}`,
      value: f,
      checked: f === "mods",
    }),
  );
  const chosenFormats = (): ExportFormat[] => formatBoxes.filter((b) => b.checked).map((b) => b.value as ExportFormat);
  const exportButton = h(
    "button",
    { "data-testid": "export-button", class: "primary", type: "submit", disabled: true },
    "Export MODS",
  );
  const canExport = () => parsed.ids.length > 0 && chosenFormats().length > 0;
  const updateButton = () => {
    exportButton.textContent = exportButtonLabel(chosenFormats());
    exportButton.disabled = !canExport();
  };
  const sample = h(
    "button",
    { type: "button", class: "link", "data-testid": "sample-ids", hidden: true },
    "Try sample IDs",
  );
  const choose = h("button", { type: "button" }, "Choose file…");

  let parsed: ParsedIds = { ids: [], duplicates: 0, invalid: [], invalid_count: 0 };
  let timer: number | undefined;
  let generation = 0;

  async function reparse(): Promise<void> {
    const mine = ++generation;
    try {
      const result = await api.parseIds(input.value);
      if (mine !== generation) return;
      parsed = result;
      summary.textContent = idsSummary(parsed);
      invalid.replaceChildren(...invalidLines(parsed).map((l) => h("li", {}, l)));
      updateButton();
    } catch (e) {
      onError(errorText(e));
    }
  }
  const schedule = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void reparse(), 120);
  };
  const setText = (text: string) => {
    input.value = text;
    void reparse();
  };

  async function submit(): Promise<void> {
    await reparse();
    if (!canExport()) return;
    exportButton.disabled = true;
    try {
      await api.submit(
        input.value,
        {
          recursive: recursive.checked,
          maxDepth: Number(maxDepth.value) || 0,
          parallelBatchSize: 10,
          includeOcr: ocr.checked,
          cheimarrosMode: cheimarros.value as CheimarrosMode,
        },
        chosenFormats(),
        Math.max(1, Number(perMachine.value) || 1),
      );
      setText("");
      onSubmitted();
    } catch (e) {
      onError(errorText(e));
    } finally {
      updateButton();
    }
  }

  input.addEventListener("input", schedule);
  // Ctrl/⌘+Enter in the list, Enter anywhere else in the panel, exports.
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void submit();
    }
  });
  recursive.addEventListener("change", () => (maxDepth.disabled = !recursive.checked));
  for (const box of formatBoxes) box.addEventListener("change", updateButton);
  sample.addEventListener("click", async () => {
    try {
      setText((await api.sampleIds()).join("\n"));
    } catch (e) {
      onError(errorText(e));
    }
  });
  choose.addEventListener("click", async () => {
    try {
      const text = await api.chooseIdsFile();
      if (text !== null) setText(text);
    } catch (e) {
      onError(errorText(e));
    }
  });

  const form = h(
    "form",
    { class: "card export", "aria-labelledby": "export-title" },
    h("h2", { id: "export-title" }, "New export"),
    h("label", { for: "ids-input" }, "Record IDs"),
    input,
    h("div", { class: "row" }, choose, sample, summary),
    invalid,
    h(
      "fieldset",
      { class: "options" },
      h("legend", {}, "Options"),
      h("label", {}, recursive, " Include everything below each record"),
      h("label", {}, "Max depth ", maxDepth),
      h("label", {}, ocr, " Include OCR text"),
      h("label", {}, "Knowledge graph ", cheimarros),
      h("label", {}, "Records per machine ", perMachine),
    ),
    h(
      "fieldset",
      { class: "options formats", "data-testid": "formats" },
      h("legend", {}, "Formats"),
      ...formatBoxes.map((box) => h("label", { for: box.id }, box, ` ${formatDescription(box.value as ExportFormat)}`)),
    ),
    h("div", { class: "actions" }, exportButton),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void submit();
  });

  // Files dropped anywhere on the window fill the list.
  const drop = h("div", { class: "drop-overlay", hidden: true }, "Drop a .txt or .csv list of record IDs");
  document.body.append(drop);
  void getCurrentWebview().onDragDropEvent(async (event) => {
    const p = event.payload;
    if (p.type === "enter" || p.type === "over") drop.hidden = false;
    else if (p.type === "leave") drop.hidden = true;
    else if (p.type === "drop") {
      drop.hidden = true;
      const file = p.paths.find((f) => /\.(txt|csv|tsv)$/i.test(f));
      if (!file) return onError("Drop a .txt or .csv file that lists record IDs.");
      try {
        setText(await api.readIdsFile(file));
      } catch (e) {
        onError(errorText(e));
      }
    }
  });

  void reparse();
  byTestId("ids-summary", form);
  return {
    element: form,
    setSandbox(sandbox: boolean) {
      sample.hidden = !sandbox;
    },
  };
}
