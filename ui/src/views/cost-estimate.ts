// The cost estimate next to Export: asked of the engine (throughput measured on this installation's
// earlier jobs) whenever the list, the formats or the records per machine change; the latest answer wins.
import { api } from "../api";
import { COST_HINT, estimateText } from "../cost";
import { h } from "../dom";

export interface EstimateRequest {
  records: number;
  /** Children in all (recursive exports), from the child counts the catalog reported; null: none. */
  children: number | null;
  perMachine: number;
  formats: number;
}

const DEBOUNCE_MS = 250;

export function costEstimate(): { element: HTMLElement; update(request: EstimateRequest): void } {
  const element = h("span", { class: "estimate hint", "data-testid": "export-estimate", title: COST_HINT });
  element.hidden = true;
  let timer = 0;
  let generation = 0;
  let last = "";
  async function ask(request: EstimateRequest): Promise<void> {
    const mine = ++generation;
    try {
      const e = await api.estimateExport(request.records, request.children, request.perMachine, request.formats);
      if (mine !== generation) return;
      element.textContent = estimateText(e);
      element.dataset.costUsd = String(e.cost_usd);
      element.hidden = false;
    } catch {
      // An estimate is a nicety: without one, nothing is shown.
      if (mine === generation) element.hidden = true;
    }
  }
  return {
    element,
    update(request) {
      const key = JSON.stringify(request);
      if (key === last) return;
      last = key;
      window.clearTimeout(timer);
      if (request.records === 0) {
        generation++;
        element.hidden = true;
        return;
      }
      timer = window.setTimeout(() => void ask(request), DEBOUNCE_MS);
    },
  };
}
