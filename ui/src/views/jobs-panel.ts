// Jobs: views (Current / History / Failed), a virtualized list grouped by batch, a details drawer.
// Current holds everything not yet downloaded and the batch just started in every state, so nothing
// the archivist waits for leaves sight. Rows show the record's title, the ID as secondary text.
import { errorText } from "../about";
import { api } from "../api";
import type { Job } from "../bindings/Job";
import type { JobAction } from "../bindings/JobAction";
import { batchCostText, COST_HINT, costAttribute, jobCostText } from "../cost";
import { h } from "../dom";
import { formatLabel, jobOutputs, readyFormatsText } from "../formats";
import { keepFocusedRow, RovingRows } from "../keyboard";
import { titleOf, titleWithMore } from "../records";
import {
  elapsed,
  formatBytes,
  formatElapsed,
  progressFraction,
  progressText,
  recordsLabel,
  statusInfo,
  TAB_LABELS,
  TABS,
  type Tab,
} from "../status";
import type { JobStore, Row } from "../store";
import { textPx } from "../text-scale";
import type { TitleCache } from "../title-cache";
import { visibleRange } from "../virtual";

const ROW_HEIGHT = 64;
/** Up to this many rows, every row of the view is in the DOM (a batch's rows never leave it). */
const ALL_ROWS_UP_TO = 200;
/** Records listed (with a Preview button each) in a job's details. */
const DETAIL_RECORDS = 50;

export interface JobsDeps {
  cache: TitleCache;
  onPreview(pi: string): void;
}

export function jobsPanel(store: JobStore, onError: (m: string) => void, deps: JobsDeps): HTMLElement {
  const { cache } = deps;
  let tab: Tab = "current";
  let rows: Row[] = [];
  let selected: string | null = null;

  const tabs = TABS.map((t) =>
    h("button", { role: "tab", class: "tab", "data-tab": t, "data-testid": `tab-${t}`, onclick: () => selectTab(t) }),
  );
  const viewport = h("div", { class: "viewport", role: "list", tabindex: 0, "aria-label": "Jobs" });
  const spacer = h("div", { class: "spacer" });
  const items = h("div", { class: "items" });
  viewport.append(spacer, items);
  const empty = h("p", { class: "empty" }, "No jobs here yet.");
  // Keyboard: one job row in the Tab order, arrows move between rows (a11y, issue 16).
  const roving = new RovingRows(items, "[data-job-id]", (r) => r.dataset.jobId ?? "", reveal);
  const details = h("section", { class: "details", hidden: true, "aria-label": "Job details" });
  details.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      closeDetails();
    }
  });

  const act = (label: string, f: () => Promise<unknown>, testId?: string, ariaLabel?: string) =>
    h(
      "button",
      {
        class: "small",
        "data-testid": testId,
        "aria-label": ariaLabel,
        onclick: async (e: Event) => {
          e.stopPropagation();
          try {
            await f();
          } catch (err) {
            onError(errorText(err));
          }
        },
      },
      label,
    );

  function actionButton(job: Job, action: JobAction): HTMLElement {
    switch (action) {
      case "download":
        return act("Download…", () => api.download(job.id), "download-button");
      case "retry":
        return act("Retry", () => api.retry(job.id));
      case "cancel":
        return act("Cancel", () => api.cancel(job.id));
      case "remove":
        return act("Remove", () => api.remove(job.id));
    }
  }

  function jobRow(job: Job): HTMLElement {
    const s = statusInfo(job.state);
    const fraction = progressFraction(job, store.downloadedBytes(job.id));
    const indeterminate = fraction === null && (job.state === "running" || job.state === "spawning");
    // An indeterminate bar gets its width from the stylesheet, so its fill has no inline width.
    const fill = h("div", { class: "fill" });
    // CSSOM, not a style attribute: the CSP allows no inline styles.
    if (!indeterminate) fill.style.width = `${Math.round((fraction ?? 0) * 100)}%`;
    const bar = h("div", { class: indeterminate ? "bar indeterminate" : "bar" }, fill);
    const actions = h("div", { class: "actions" });
    // The engine says what this job allows (one table in Rust); the UI only draws it.
    for (const action of job.actions) {
      actions.append(actionButton(job, action));
      // Download… saves every file (a save dialog each); with several formats, each can be saved alone.
      const outputs = jobOutputs(job);
      if (action === "download" && outputs.length > 1) {
        for (const o of outputs) {
          const name = formatLabel(o.format);
          actions.append(
            act(name, () => api.download(job.id, o.format), `download-${o.format}`, `Download ${name} only`),
          );
        }
      }
      if (action === "download" && job.saved_to) actions.append(act("Show in folder", () => api.showInFolder(job.id)));
    }
    const machine = job.machine_id ? `${job.machine_id} · ${job.region ?? ""}` : "";
    const title = jobTitle(job);
    const row = h(
      "div",
      {
        class: `job${selected === job.id ? " selected" : ""}`,
        role: "listitem",
        tabindex: 0,
        "data-testid": "job-row",
        "data-job-id": job.id,
        "data-status": job.state,
        "data-state": job.state,
        "data-title": title ?? "",
        "data-cost-usd": costAttribute(job),
        onclick: () => select(job.id),
        onkeydown: (e: Event) => onRowKey(e as KeyboardEvent, job.id),
      },
      h(
        "span",
        { class: `badge ${s.tone}`, title: s.label },
        h("span", { "aria-hidden": "true" }, s.icon),
        ` ${s.label}`,
      ),
      h(
        "div",
        { class: "main" },
        title
          ? h(
              "div",
              { class: "records" },
              h("span", { class: "job-title" }, titleWithMore(title, job.pis.length)),
              h("span", { class: "mono job-id" }, ` ${recordsLabel(job)}`),
            )
          : h("div", { class: "records mono" }, recordsLabel(job)),
        bar,
        h(
          "div",
          { class: "sub" },
          progressText(job),
          job.reason ? h("span", { class: "reason" }, ` — ${job.reason}`) : null,
          costSpan(jobCostText(job), "job-cost"),
        ),
      ),
      h(
        "div",
        { class: "meta" },
        h("div", { class: "elapsed" }, formatElapsed(elapsed(job, Date.now()))),
        h("div", { class: "mono" }, machine),
        h("div", {}, job.output ? formatBytes(jobOutputs(job).reduce((n, o) => n + o.size, 0)) : ""),
        h("div", { class: "formats", "data-testid": "job-formats" }, readyFormatsText(job)),
        // The original worker image reports no result.json: its file has no checksum to check.
        !job.verified && jobOutputs(job).length > 0
          ? h(
              "span",
              {
                class: "badge muted",
                "data-testid": "job-unverified",
                title: "The worker reported no checksum, so the saved file cannot be checked",
              },
              "unverified",
            )
          : null,
      ),
      actions,
    );
    return row;
  }

  /** A cost, marked as the estimate it is (nothing while it is not known). */
  function costSpan(text: string | null, testId: string, tag: "span" | "p" = "span"): HTMLElement | null {
    return text
      ? h(
          tag,
          { class: "cost", "data-testid": testId, title: COST_HINT },
          tag === "span" ? ` · ${text}` : `Cost: ${text}`,
        )
      : null;
  }

  /** The first record's title: the engine's (at submit), else one looked up since. */
  function jobTitle(job: Job): string | null {
    return job.title || titleOf(cache.get(job.pis[0] ?? ""));
  }

  function batchRow(r: Extract<Row, { kind: "batch" }>): HTMLElement {
    // The batch just started stays in the current view in every state; once nothing in it waits
    // any more, "Done" lets it go (starting another batch does too).
    const done =
      r.focused && tab === "current" && r.waiting === 0
        ? h(
            "button",
            {
              class: "small",
              "data-testid": "batch-done",
              onclick: (e: Event) => {
                e.stopPropagation();
                store.focus(null);
              },
            },
            "Done",
          )
        : null;
    return h(
      "div",
      { class: `batch${r.focused ? " focused" : ""}`, role: "listitem", "data-batch-id": r.batchId },
      h("strong", {}, r.focused ? "Just started" : `Batch ${r.batchId.slice(-10)}`),
      h("span", {}, ` ${r.count} job${r.count === 1 ? "" : "s"}`),
      costSpan(batchCostText(store.batchJobs(r.batchId)), "batch-cost"),
      r.ready > 0 ? act(`Download all (${r.ready})`, () => downloadAll(r.batchId)) : null,
      done,
    );
  }

  // "Download all" goes on past a file that cannot be saved; those that could not are named.
  async function downloadAll(batchId: string): Promise<void> {
    const failed = (await api.downloadBatch(batchId))?.failed ?? [];
    if (failed.length > 0) onError(failed.map((f) => `${f.job_id}: ${f.message} (${f.code})`).join("; "));
  }

  // Rows are rebuilt only when their job changed, so clicks, hover and focus survive updates.
  const built = new Map<string, { key: string; el: HTMLElement }>();
  function rowElement(r: Row): HTMLElement {
    const id = r.kind === "batch" ? `batch:${r.batchId}` : r.job.id;
    const key =
      r.kind === "batch"
        ? `${r.count}/${r.ready}/${r.waiting}/${r.focused}/${tab}/${batchCostText(store.batchJobs(r.batchId))}`
        : `${r.job.updated_at}/${r.job.state}/${store.downloadedBytes(r.job.id) ?? ""}/${selected === r.job.id}/${jobTitle(r.job)}`;
    const hit = built.get(id);
    if (hit && hit.key === key) return hit.el;
    const el = r.kind === "batch" ? batchRow(r) : keepFocusedRow(hit?.el, jobRow(r.job));
    built.set(id, { key, el });
    return el;
  }

  function paint(): void {
    const rowPx = rowHeight();
    const { start, end } =
      rows.length <= ALL_ROWS_UP_TO
        ? { start: 0, end: rows.length }
        : visibleRange(viewport.scrollTop, viewport.clientHeight || 600, rowPx, rows.length);
    spacer.style.height = `${rows.length * rowPx}px`;
    items.style.transform = `translateY(${start * rowPx}px)`;
    roving.update(() => {
      // Built inside the update: a row rebuilt under the focus loses it, and the update gives it back.
      const wanted = rows.slice(start, end).map(rowElement);
      if (wanted.length !== items.children.length || wanted.some((el, i) => items.children[i] !== el)) {
        items.replaceChildren(...wanted);
      }
    });
    if (built.size > 4 * rows.length + 200) built.clear();
    empty.hidden = rows.length > 0;
    // Titles the engine did not know at submit: looked up for the rows drawn.
    const untitled = rows
      .slice(start, end)
      .flatMap((r) => (r.kind === "job" && !jobTitle(r.job) && r.job.pis[0] ? [r.job.pis[0]] : []));
    if (untitled.length > 0) cache.want(untitled);
  }

  function tickElapsed(): void {
    const now = Date.now();
    for (const el of items.querySelectorAll<HTMLElement>("[data-job-id]")) {
      const job = store.get(el.dataset.jobId ?? "");
      const span = el.querySelector<HTMLElement>(".elapsed");
      if (job && span) span.textContent = formatElapsed(elapsed(job, now));
    }
  }

  function refresh(): void {
    rows = store.rows(tab);
    const counts = store.counts();
    for (const t of tabs) {
      const name = t.dataset.tab as Tab;
      t.textContent = `${TAB_LABELS[name]} (${counts[name]})`;
      t.setAttribute("aria-selected", String(name === tab));
    }
    paint();
    if (selected) void showDetails(selected);
  }

  function selectTab(t: Tab): void {
    tab = t;
    viewport.scrollTop = 0;
    refresh();
  }

  /** A row's height now: as drawn (the stylesheet's, which grows with the text), else `ROW_HEIGHT` scaled. */
  function rowHeight(): number {
    return items.querySelector<HTMLElement>(".job")?.offsetHeight || textPx(ROW_HEIGHT);
  }

  /** Draws the job row `delta` rows from `key` (beyond what a long list has drawn); answers its id. */
  function reveal(key: string, delta: number): string | null {
    const ids = rows.flatMap((r) => (r.kind === "job" ? [r.job.id] : []));
    const at = ids.indexOf(key);
    const next = at < 0 ? undefined : ids[at + delta];
    if (next === undefined) return null;
    const index = rows.findIndex((r) => r.kind === "job" && r.job.id === next);
    viewport.scrollTop = Math.max(0, index * rowHeight() - viewport.clientHeight / 2);
    paint();
    return next;
  }

  // Enter opens (or closes) a row's details, Escape closes them; keys on the row's own buttons are theirs.
  function onRowKey(e: KeyboardEvent, id: string): void {
    if (e.target !== e.currentTarget) return;
    if (e.key === "Enter") {
      e.preventDefault();
      select(id);
    } else if (e.key === "Escape" && selected !== null) {
      e.preventDefault();
      closeDetails();
    }
  }

  /** Closes the details drawer; focus goes back to its job's row. */
  function closeDetails(): void {
    const id = selected;
    if (id === null) return;
    select(id);
    roving.focus(id);
  }

  function select(id: string): void {
    selected = selected === id ? null : id;
    details.hidden = selected === null;
    paint();
    if (selected) void showDetails(selected);
  }

  async function showDetails(id: string): Promise<void> {
    const job = store.get(id);
    if (!job) return;
    try {
      const timeline = await api.timeline(id);
      const parts: (HTMLElement | null)[] = [
        h("h3", {}, `Job ${job.id}`),
        job.reason ? h("p", { class: "error" }, job.reason) : null,
        costSpan(jobCostText(job), "details-cost", "p"),
        recordsDetail(job),
        job.failures.length > 0
          ? h("ul", { class: "failures" }, ...job.failures.map((f) => h("li", {}, `${f.pi}: ${f.error}`)))
          : null,
        h(
          "ol",
          { class: "timeline" },
          ...timeline.map((t) =>
            h(
              "li",
              {},
              h("time", {}, new Date(t.at).toLocaleTimeString()),
              ` ${statusInfo(t.state).label}: ${t.detail}`,
            ),
          ),
        ),
      ];
      details.replaceChildren(...parts.filter((n): n is HTMLElement => n !== null));
    } catch (e) {
      onError(errorText(e));
    }
  }

  /** A job's records with their titles, each with a Preview button. */
  function recordsDetail(job: Job): HTMLElement {
    const shown = job.pis.slice(0, DETAIL_RECORDS);
    cache.want(shown);
    const more = job.pis.length - shown.length;
    return h(
      "ul",
      { class: "job-records" },
      ...shown.map((pi) => {
        const title = titleOf(cache.get(pi));
        return h(
          "li",
          {},
          title ? h("span", {}, `${title} `) : null,
          h("span", { class: "mono" }, pi),
          " ",
          h(
            "button",
            {
              type: "button",
              class: "small",
              "data-testid": "preview-button",
              "aria-label": `Preview the record of ${title ?? pi}`,
              onclick: (e: Event) => {
                e.stopPropagation();
                deps.onPreview(pi);
              },
            },
            "Preview",
          ),
        );
      }),
      more > 0 ? h("li", { class: "hint" }, `… and ${more.toLocaleString("en")} more`) : null,
    );
  }

  viewport.addEventListener("scroll", () => requestAnimationFrame(paint));
  // Titles arriving redraw only the rows whose title changed (the row key holds it).
  let titleFrame = 0;
  cache.subscribe(() => {
    if (titleFrame) return;
    titleFrame = requestAnimationFrame(() => {
      titleFrame = 0;
      paint();
    });
  });
  window.addEventListener("resize", () => paint());
  store.subscribe(refresh);
  // Elapsed times move on (in place: no row is rebuilt for it).
  window.setInterval(() => {
    if (tab === "current" && rows.length > 0) tickElapsed();
  }, 1000);
  refresh();

  return h(
    "section",
    { class: "card jobs", "aria-labelledby": "jobs-title" },
    h("div", { class: "jobs-head" }, h("h2", { id: "jobs-title" }, "Jobs"), h("div", { role: "tablist" }, ...tabs)),
    empty,
    viewport,
    details,
  );
}
