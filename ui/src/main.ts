import { errorText, versionLabel } from "./about";
import { api, onJobEvent, onJobsReload } from "./api";
import type { Mode } from "./bindings/Mode";
import { byTestId } from "./dom";
import { JobStore } from "./store";
import { exportPanel } from "./views/export-panel";
import { jobsPanel } from "./views/jobs-panel";
import { settingsDialog } from "./views/settings";
import { updateBanner } from "./views/update-banner";

const store = new JobStore();
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

const panel = exportPanel(showError, () => void reload());
const banner = updateBanner();
const settings = settingsDialog(
  (view) => {
    setMode(view.mode);
    void reload();
  },
  (info) => banner.show(info),
);
byTestId("main").append(panel.element, jobsPanel(store, showError));
byTestId("main").before(banner.element);
document.body.append(settings.element);
byTestId("settings-button").addEventListener("click", () => void settings.open().catch((e) => showError(errorText(e))));

async function start(): Promise<void> {
  await onJobEvent((e) => store.apply(e));
  await onJobsReload(() => void reload());
  try {
    const info = await api.appInfo();
    byTestId("app-version").textContent = versionLabel(info);
    byTestId("data-dir").textContent = info.data_dir;
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
