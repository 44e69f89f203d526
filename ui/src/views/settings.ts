// Settings: mode, Fly and R2 fields, secrets (shown only as set / not set), Test connection, and
// About (version and the data folder: developer information, kept out of the header).
import { errorText } from "../about";
import { api } from "../api";
import type { AppInfo } from "../bindings/AppInfo";
import type { SecretKind } from "../bindings/SecretKind";
import type { SecretSource } from "../bindings/SecretSource";
import type { SettingsView } from "../bindings/SettingsView";
import type { UpdateInfo } from "../bindings/UpdateInfo";
import { isPrice, PRICE_FIELDS, PRICES_AS_OF } from "../cost";
import { h } from "../dom";
import { openModal } from "../keyboard";
import { applyTheme, storedTheme, THEMES, themeFrom } from "../theme";
import { checkResultText } from "../update";

const FIELDS: [key: string, label: string][] = [
  ["FLY_APP", "Fly app"],
  ["FLY_REGION", "Region"],
  ["FLY_IMAGE", "Worker image (pinned tag)"],
  ["FLY_CPUS", "CPUs per machine"],
  ["FLY_MEMORY_MB", "Memory per machine (MB)"],
  ["R2_ACCOUNT_ID", "R2 account ID"],
  ["R2_ENDPOINT", "…or S3 endpoint URL"],
  ["R2_BUCKET", "Bucket"],
  ["R2_ACCESS_KEY_ID", "R2 access key ID (this computer)"],
  ["WORKER_R2_ACCESS_KEY_ID", "Machines' R2 access key ID (default: the one above)"],
  ["PER_MACHINE", "Records per machine"],
  ["MAX_RUNNING", "Machines at once"],
];

function secretLabel(s: SecretSource): string {
  return s === "keyring"
    ? "set (in the OS keyring, for this endpoint)"
    : s === "environment"
      ? "set (from the environment)"
      : "not set (for this endpoint)";
}

/** Where the machines' R2 secret lives, in words. */
export function workerSecretLabel(view: Pick<SettingsView, "worker_r2_secret">): string {
  const { place, message } = view.worker_r2_secret;
  return place === "fly_app" ? "on the Fly app" : place === "machine_config" ? "not on the Fly app" : message;
}

/**
 * The price table costs are estimated with: each value editable (prices differ by region and change),
 * with the date the defaults were read off Fly's and Cloudflare's pricing pages.
 */
function pricesSection(view: SettingsView, inputs: Map<string, HTMLInputElement>): HTMLElement {
  const field = (key: string, label: string, price: boolean) => {
    const input = h("input", {
      id: `set-${key}`,
      value: view.values[key] ?? "",
      disabled: view.from_env.includes(key),
      inputmode: price ? "decimal" : "text",
      "data-price": key,
    });
    if (price) {
      input.addEventListener("input", () => {
        input.setCustomValidity(isPrice(input.value) ? "" : "A price in USD: a number, 0 or more.");
      });
    }
    inputs.set(key, input);
    return h("label", { for: `set-${key}` }, label, input);
  };
  return h(
    "fieldset",
    { class: "prices", "data-testid": "prices" },
    h("legend", {}, "Prices for cost estimates"),
    h(
      "p",
      { class: "hint" },
      "Prices as of ",
      h("strong", { "data-testid": "prices-as-of" }, view.values[PRICES_AS_OF] ?? "?"),
      " (Fly.io and Cloudflare R2 public pricing; free allowances not subtracted). Costs shown are estimates.",
    ),
    h(
      "div",
      { class: "grid" },
      ...PRICE_FIELDS.map(([key, label]) => field(key, label, true)),
      field(PRICES_AS_OF, "Prices as of (YYYY-MM or YYYY-MM-DD)", false),
    ),
  );
}

/** Appearance: the colour theme, applied at once (a preference of this window, not a saved setting). */
function appearanceSection(): HTMLElement {
  const select = h(
    "select",
    { id: "set-theme", "data-testid": "theme-select", onchange: () => applyTheme(themeFrom(select.value)) },
    ...THEMES.map(([value, label]) => h("option", { value, selected: value === storedTheme() }, label)),
  );
  return h(
    "fieldset",
    { class: "appearance" },
    h("legend", {}, "Appearance"),
    h("label", { for: "set-theme" }, "Theme ", select),
  );
}

/** About: the version and where the app keeps its jobs (for developers and support). */
function aboutSection(info: AppInfo | null): HTMLElement {
  return h(
    "fieldset",
    { class: "about", "data-testid": "about" },
    h("legend", {}, "About"),
    h("p", {}, `${info?.name ?? "Arke Export"} ${info ? `v${info.version}` : ""}`),
    h(
      "p",
      { class: "hint" },
      "Data folder (jobs and caches): ",
      h("span", { class: "mono", "data-testid": "data-dir" }, info?.data_dir ?? "…"),
    ),
  );
}

export function settingsDialog(
  onSaved: (view: SettingsView) => void,
  onUpdate: (info: UpdateInfo) => void = () => {},
  appInfo: () => AppInfo | null = () => null,
): {
  open(): Promise<void>;
  element: HTMLDialogElement;
} {
  const dialog = h("dialog", { class: "settings", "aria-labelledby": "settings-title" });
  const status = h("p", { class: "status", "aria-live": "polite" });

  async function render(view: SettingsView): Promise<void> {
    const mode = (value: string, label: string) =>
      h("label", {}, h("input", { type: "radio", name: "mode", value, checked: view.mode === value }), ` ${label}`);
    const inputs = new Map<string, HTMLInputElement>();
    const fields = FIELDS.map(([key, label]) => {
      const input = h("input", {
        id: `set-${key}`,
        value: view.values[key] ?? "",
        disabled: view.from_env.includes(key),
      });
      inputs.set(key, input);
      return h("label", { for: `set-${key}` }, label, input);
    });
    const secret = (kind: SecretKind, label: string, source: SecretSource) => {
      const input = h("input", {
        type: "password",
        id: `secret-${kind}`,
        autocomplete: "off",
        placeholder: "paste a new value to replace it",
      });
      const clear = h(
        "button",
        {
          type: "button",
          class: "small",
          disabled: source !== "keyring",
          onclick: async () => {
            try {
              await render(await api.secretClear(kind));
            } catch (e) {
              status.textContent = errorText(e);
            }
          },
        },
        "Clear",
      );
      return {
        input,
        row: h(
          "div",
          { class: "secret" },
          h("label", { for: `secret-${kind}` }, `${label}: `, h("strong", {}, secretLabel(source)), input),
          clear,
        ),
      };
    };
    const fly = secret("fly_token", "Fly API token", view.fly_token);
    const r2 = secret("r2_secret", "R2 secret access key (this computer)", view.r2_secret);
    const worker = h("input", {
      type: "password",
      id: "secret-worker",
      autocomplete: "off",
      placeholder: "paste to store it on the Fly app",
    });
    const workerRow = h(
      "div",
      { class: "secret" },
      h(
        "label",
        { for: "secret-worker" },
        "Machines' R2 secret access key: ",
        h("strong", { "data-testid": "worker-secret" }, workerSecretLabel(view)),
        worker,
      ),
    );
    const warnings = view.warnings.map((w) => h("p", { class: "warning", role: "alert" }, w));
    const test = (label: string, f: () => Promise<{ ok: boolean; message: string }>) =>
      h(
        "button",
        {
          type: "button",
          onclick: async () => {
            status.textContent = `${label}: testing…`;
            try {
              const r = await f();
              status.textContent = `${label}: ${r.ok ? "OK" : "failed"} — ${r.message}`;
            } catch (e) {
              status.textContent = errorText(e);
            }
          },
        },
        `Test ${label}`,
      );
    const checkUpdates = h(
      "button",
      {
        type: "button",
        "data-testid": "check-updates",
        onclick: async () => {
          status.textContent = "Checking for updates…";
          try {
            const info = await api.updateCheck();
            if (info) onUpdate(info);
            status.textContent = checkResultText(info);
          } catch (e) {
            status.textContent = errorText(e);
          }
        },
      },
      "Check for updates",
    );
    const save = h("button", { type: "submit", class: "primary" }, "Save");
    const form = h(
      "form",
      {},
      h("h2", { id: "settings-title" }, "Settings"),
      h(
        "fieldset",
        {},
        h("legend", {}, "Where exports run"),
        mode("sandbox", "Sandbox (on this computer, sample data)"),
        mode("fly", "Fly.io and Cloudflare R2"),
      ),
      view.missing.length > 0
        ? h("p", { class: "hint" }, `For Fly.io, still missing: ${view.missing.join(", ")}.`)
        : null,
      h("div", { class: "grid" }, ...fields),
      pricesSection(view, inputs),
      fly.row,
      r2.row,
      workerRow,
      ...warnings,
      h("div", { class: "row" }, test("Fly", api.testFly), test("R2", api.testR2), checkUpdates),
      status,
      h(
        "p",
        { class: "hint" },
        `Saved in ${view.settings_file}; this computer's secrets only in the OS keyring, the machines' on the Fly app.`,
      ),
      appearanceSection(),
      aboutSection(appInfo()),
      h("div", { class: "actions" }, h("button", { type: "button", onclick: () => dialog.close() }, "Close"), save),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const values: Record<string, string> = {};
      for (const [key, input] of inputs) if (!input.disabled) values[key] = input.value.trim();
      values.MODE = form.querySelector<HTMLInputElement>('input[name="mode"]:checked')?.value ?? "sandbox";
      status.textContent = "Saving…";
      try {
        const next = await api.settingsSave({
          values,
          fly_token: fly.input.value || null,
          r2_secret: r2.input.value || null,
          worker_r2_secret: worker.value || null,
        });
        onSaved(next);
        await render(next);
        status.textContent = "Saved.";
      } catch (err) {
        status.textContent = errorText(err);
      }
    });
    dialog.replaceChildren(form);
  }

  return {
    element: dialog,
    async open() {
      status.textContent = "";
      await render(await api.settingsGet());
      openModal(dialog);
    },
  };
}
