// The update notice: version, notes, and Install / Later. Shown after a check finds a newer version;
// it installs only when the archivist clicks Install, and the app refuses while exports or downloads
// are in flight (the reason is shown here).
import { errorText } from "../about";
import { api } from "../api";
import type { UpdateInfo } from "../bindings/UpdateInfo";
import { h } from "../dom";
import { noteLines, releaseDay, updateHeadline } from "../update";

export function updateBanner(): { element: HTMLElement; show(info: UpdateInfo): void } {
  // Always in the document, so screen readers announce what appears in it.
  const element = h("section", {
    class: "update-banner",
    "data-testid": "update-banner",
    "aria-live": "polite",
    "aria-label": "Update",
  });

  function show(info: UpdateInfo): void {
    const status = h("p", { class: "status", "data-testid": "update-status" });
    const install = h(
      "button",
      { type: "button", class: "primary", "data-testid": "update-install" },
      "Install and restart",
    );
    const later = h("button", { type: "button", onclick: () => element.replaceChildren() }, "Later");
    install.addEventListener("click", async () => {
      install.disabled = true;
      later.disabled = true;
      status.textContent = `Downloading and verifying ${info.version}…`;
      try {
        await api.updateInstall(); // restarts the app on success
      } catch (e) {
        status.textContent = errorText(e);
        install.disabled = false;
        later.disabled = false;
      }
    });
    const day = releaseDay(info.date);
    const notes = noteLines(info.notes);
    const parts: Node[] = [
      h("p", { class: "headline" }, h("strong", {}, updateHeadline(info)), day ? ` Released ${day}.` : null),
    ];
    if (notes.length > 0) parts.push(h("ul", { class: "notes" }, ...notes.map((line) => h("li", {}, line))));
    parts.push(h("div", { class: "actions" }, install, later), status);
    element.replaceChildren(...parts);
  }

  return { element, show };
}
