import { errorText, versionLabel } from "./about";
import { Announcer, liveRegion } from "./announce";
import { api, onJobEvent, onJobsReload } from "./api";
import type { AppInfo } from "./bindings/AppInfo";
import type { Mode } from "./bindings/Mode";
import { BrowseStore } from "./browse-store";
import { byTestId } from "./dom";
import { JobStore } from "./store";
import { applyTheme } from "./theme";
import { TitleCache } from "./title-cache";
import { browsePanel } from "./views/browse-panel";
import { exportPanel } from "./views/export-panel";
import { jobsPanel } from "./views/jobs-panel";
import { previewPane } from "./views/preview-pane";
import { settingsDialog } from "./views/settings";
import { updateBanner } from "./views/update-banner";

applyTheme();
const store = new JobStore();
// Job state changes, said by screen readers: batched, so a thousand jobs finishing is a few sentences.
const live = liveRegion();
const announcer = new Announcer(live.say);
// Titles of records: asked for as rows appear, at most 200 per call, three calls in flight.
const titles = new TitleCache((pis) => api.lookupRecords(pis), { inFlight: 3 });
const toast = byTestId("app-error");
let toastTimer: number | undefined;
function showError(message: string): void {
  toast.textContent = message;
  toast.hidden = false;
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (toast.hidden = true), 12000);
}

const badge = byTestId("mode-badge");
function setMode(mode: Mode): void {
  badge.textContent = mode === "sandbox" ? "Sandbox" : "Fly.io";
  badge.className = `mode ${mode}`;
  badge.title =
    mode === "sandbox"
      ? "Exports run on this computer, on sample data."
      : "Exports run on Fly.io machines and are stored in R2.";
  panel.setSandbox(mode === "sandbox");
}

async function reload(): Promise<void> {
  try {
    store.replaceAll(await api.listJobs());
  } catch (e) {
    showError(errorText(e));
  }
}

const main = byTestId("main");
const preview = previewPane((pi) => titles.get(pi));
const openPreview = (pi: string) => void preview.open(pi);

function showBrowse(open: boolean): void {
  main.classList.toggle("browsing", open);
  jobs.hidden = open;
  if (open) browse.show();
  else browse.element.hidden = true;
}

const panel = exportPanel(
  showError,
  (batch) => {
    // The batch just started stays in sight through every state; the jobs list shows it.
    store.focus(batch.id);
    showBrowse(false);
    void reload();
  },
  {
    cache: titles,
    onBrowse: () => showBrowse(true),
    onPreview: openPreview,
    onListChanged: () => browse.listChanged(),
  },
);
const browse = browsePanel({
  store: new BrowseStore((pi) => api.browseOpen(pi), titles, errorText),
  isListed: (pi) => panel.isListed(pi),
  setListed: (pi, listed) => panel.setListed(pi, listed),
  recursive: panel.recursive,
  onPreview: openPreview,
  onClose: () => showBrowse(false),
});
const jobs = jobsPanel(store, showError, { cache: titles, onPreview: openPreview });
const banner = updateBanner();
let appInfo: AppInfo | null = null;
const settings = settingsDialog(
  (view) => {
    setMode(view.mode);
    void reload();
  },
  (info) => banner.show(info),
  () => appInfo,
);
main.append(panel.element, browse.element, jobs);
main.before(banner.element);
// Shown while the engine re-attaches to the jobs of an earlier run (Fly may be slow or out of reach).
const reconnecting = document.createElement("div");
reconnecting.className = "reconnecting";
reconnecting.dataset.testid = "reconnecting";
reconnecting.setAttribute("role", "status");
reconnecting.textContent = "Reconnecting to Fly… the list shows jobs as last seen.";
reconnecting.hidden = true;
main.before(reconnecting);
document.body.append(settings.element, preview.element, live.element);
byTestId("settings-button").addEventListener("click", () => void settings.open().catch((e) => showError(errorText(e))));

async function start(): Promise<void> {
  await onJobEvent((e) => {
    const before = e.kind === "changed" ? store.get(e.job.id)?.state : undefined;
    store.apply(e);
    if (e.kind === "changed") announcer.jobChanged(before, e.job.state);
    if (e.kind === "reconnecting") reconnecting.hidden = !e.active;
  });
  await onJobsReload(() => void reload());
  try {
    appInfo = await api.appInfo();
    byTestId("app-version").textContent = versionLabel(appInfo);
    setMode((await api.settingsGet()).mode);
  } catch (e) {
    showError(errorText(e));
  }
  await reload();
  // In the background: a newer version shows the notice; no answer (offline, server down) shows
  // nothing — the app logs it and keeps working.
  api.updateCheck().then(
    (info) => info && banner.show(info),
    () => undefined,
  );
}

void start();
