// New export: paste box, drop zone (the whole window), "Choose file…", Browse…, the list with titles,
// options, formats, Export MODS. The paste box is the export list: Browse adds and removes lines.
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { errorText } from "../about";
import { api } from "../api";
import type { Batch } from "../bindings/Batch";
import type { CheimarrosMode } from "../bindings/CheimarrosMode";
import type { ExportFormat } from "../bindings/ExportFormat";
import type { ParsedIds } from "../bindings/ParsedIds";
import { childTotal } from "../cost";
import { byTestId, h } from "../dom";
import { appendIds, removeIds } from "../export-list";
import { exportButtonLabel, FORMATS, formatDescription } from "../formats";
import { idsSummary, invalidLines, leftOutSummary, missingSummary } from "../ids";
import type { TitleCache } from "../title-cache";
import { costEstimate } from "./cost-estimate";
import { recordsList } from "./records-list";

export interface ExportPanel {
  element: HTMLElement;
  setSandbox(sandbox: boolean): void;
  /** Whether `pi` is on the export list. */
  isListed(pi: string): boolean;
  /** Puts `pi` on the export list (a line of the paste box) or takes it off. */
  setListed(pi: string, listed: boolean): void;
  /** The "include everything below" option. */
  recursive: { get(): boolean; set(on: boolean): void };
}

export interface ExportDeps {
  cache: TitleCache;
  onBrowse(): void;
  onPreview(pi: string): void;
  /** The export list changed (Browse redraws its checkboxes). */
  onListChanged(): void;
}

export function exportPanel(
  onError: (message: string) => void,
  onSubmitted: (batch: Batch) => void,
  deps: ExportDeps,
): ExportPanel {
  const { cache } = deps;
  const input = h("textarea", {
    "data-testid": "ids-input",
    id: "ids-input",
    rows: 8,
    spellcheck: false,
    placeholder: "One record ID per line, or CSV with a “pi” column…",
    "aria-describedby": "ids-summary",
  });
  const summary = h("p", { "data-testid": "ids-summary", id: "ids-summary", class: "summary", "aria-live": "polite" });
  const invalid = h("ul", { class: "invalid", "aria-label": "Invalid lines", tabindex: 0 });
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
  /** An export is being sent (its records looked up first): a second one waits for it. */
  let submitting = false;
  const listReady = () => parsed.ids.length > 0 && chosenFormats().length > 0;
  const canExport = () => !submitting && listReady();
  const estimate = costEstimate();
  const updateButton = () => {
    exportButton.textContent = exportButtonLabel(chosenFormats());
    exportButton.disabled = !canExport();
    estimate.update({
      records: parsed.ids.length,
      children: recursive.checked ? childTotal(parsed.ids, (pi) => cache.get(pi)?.children_count) : null,
      perMachine: Math.max(1, Number(perMachine.value) || 1),
      formats: Math.max(1, chosenFormats().length),
    });
  };
  const sample = h(
    "button",
    { type: "button", class: "link", "data-testid": "sample-ids", hidden: true },
    "Try sample IDs",
  );
  const choose = h("button", { type: "button" }, "Choose file…");
  const browse = h(
    "button",
    { type: "button", "data-testid": "browse-button", onclick: () => deps.onBrowse() },
    "Browse the archive…",
  );
  const records = recordsList(cache, deps.onPreview);
  const submitNote = h("p", { class: "missing-note", "data-testid": "submit-note", role: "status", hidden: true });
  const missingNote = h("p", { class: "missing-note", "data-testid": "ids-missing", role: "status", hidden: true });
  const includeMissing = h("input", { type: "checkbox", id: "opt-include-missing", "data-testid": "include-missing" });
  const includeMissingLabel = h(
    "label",
    { for: "opt-include-missing", class: "include-missing", hidden: true },
    includeMissing,
    " Include records not in the archive",
  );

  let parsed: ParsedIds = { ids: [], duplicates: 0, invalid: [], invalid_count: 0 };
  /** The IDs on the list: the last parse's, plus Browse's additions not parsed yet. */
  let listed = new Set<string>();
  let timer: number | undefined;
  let generation = 0;

  // Records the archive answers 404 for: flagged here, and left out unless the archivist insists.
  function showMissing(): void {
    const missing = parsed.ids.filter((pi) => cache.get(pi)?.status === "missing");
    missingNote.textContent = missingSummary(missing.length, includeMissing.checked);
    missingNote.hidden = missing.length === 0;
    includeMissingLabel.hidden = missing.length === 0;
  }
  let missingFrame = 0;
  cache.subscribe(() => {
    if (missingFrame) return;
    missingFrame = requestAnimationFrame(() => {
      missingFrame = 0;
      showMissing();
    });
  });
  includeMissing.addEventListener("change", showMissing);

  async function reparse(): Promise<void> {
    const mine = ++generation;
    try {
      const result = await api.parseIds(input.value);
      if (mine !== generation) return;
      const changed = result.ids.length !== parsed.ids.length || result.ids.some((id, i) => parsed.ids[i] !== id);
      parsed = result;
      summary.textContent = idsSummary(parsed);
      invalid.replaceChildren(...invalidLines(parsed).map((l) => h("li", {}, l)));
      updateButton();
      if (changed) {
        listed = new Set(parsed.ids);
        records.setIds(parsed.ids);
        // Every listed record is looked up in the background (the rows on screen first), so a
        // record not in the archive is flagged before export; typing never waits for it.
        cache.forgetBackground();
        cache.want(parsed.ids, false);
        showMissing();
        deps.onListChanged();
      }
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
  function setListed(pi: string, on: boolean): void {
    if (on) {
      input.value = appendIds(input.value, [pi]);
      listed.add(pi);
    } else {
      input.value = removeIds(input.value, [pi]);
      listed.delete(pi);
    }
    schedule();
  }

  async function submit(): Promise<void> {
    if (submitting) return;
    submitting = true;
    exportButton.disabled = true;
    try {
      await reparse();
      if (!listReady()) return;
      const sent = input.value;
      const submitted = await api.submit(
        sent,
        {
          recursive: recursive.checked,
          maxDepth: Number(maxDepth.value) || 0,
          parallelBatchSize: 10,
          includeOcr: ocr.checked,
          cheimarrosMode: cheimarros.value as CheimarrosMode,
        },
        chosenFormats(),
        Math.max(1, Number(perMachine.value) || 1),
        includeMissing.checked,
      );
      // What was added while the export was being checked stays in the list for the next one.
      setText(
        input.value === sent
          ? ""
          : removeIds(
              input.value,
              sent.split(/\r?\n/).filter((l) => l.trim() !== ""),
            ),
      );
      includeMissing.checked = false;
      const leftOut = submitted.left_out;
      submitNote.textContent = leftOut.length > 0 ? leftOutSummary(leftOut) : "";
      submitNote.hidden = leftOut.length === 0;
      onSubmitted(submitted.batch);
    } catch (e) {
      onError(errorText(e));
    } finally {
      submitting = false;
      updateButton();
    }
  }

  input.addEventListener("input", () => {
    submitNote.hidden = true;
    schedule();
  });
  // Ctrl/⌘+Enter in the list, Enter anywhere else in the panel, exports.
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void submit();
    }
  });
  recursive.addEventListener("change", () => (maxDepth.disabled = !recursive.checked));
  for (const box of formatBoxes) box.addEventListener("change", updateButton);
  for (const option of [recursive, perMachine]) option.addEventListener("change", updateButton);
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
    h("div", { class: "row" }, choose, browse, sample),
    summary,
    invalid,
    missingNote,
    includeMissingLabel,
    records.element,
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
    h("div", { class: "actions" }, estimate.element, exportButton),
    submitNote,
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
    isListed: (pi) => listed.has(pi),
    setListed,
    recursive: {
      get: () => recursive.checked,
      set(on) {
        recursive.checked = on;
        maxDepth.disabled = !on;
      },
    },
  };
}
