import { appInfo } from "./api";
import { errorText, versionLabel } from "./about";

function text(testId: string, value: string): void {
  const el = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (el) el.textContent = value;
}

async function start(): Promise<void> {
  try {
    const info = await appInfo();
    text("app-version", versionLabel(info));
    text("about-version", info.version);
    text("data-dir", info.data_dir);
  } catch (err) {
    const el = document.querySelector<HTMLElement>('[data-testid="app-error"]');
    if (el) {
      el.textContent = errorText(err);
      el.hidden = false;
    }
  }
}

void start();
