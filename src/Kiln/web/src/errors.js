// The errors of the running app — a failed build, a compile error of the dev server, an error the preview page
// threw, a page that rendered in an earlier version and fails now — listed above the follow-up box, with "Fix it" to send them to the agent. Kiln keeps the open errors
// (GET /api/projects/{id}/errors); the page asks again whenever an event says they changed.

import { ApiError, api } from "./api.js";
import { debounce, h } from "./dom.js";
import { iconNode } from "./icons.js";
import { toast } from "./ui.js";

const sourceLabels = { build: "Build", dev_server: "Dev server", runtime: "Page", regression: "Regression" };
const changes = new Set(["preview_error", "preview_errors_cleared", "generation_started", "auto_fix_started", "auto_fix_stopped"]);

export const errorsApi = {
  list: (id) => api(`/api/projects/${encodeURIComponent(id)}/errors`),
  fix: (id) => api(`/api/projects/${encodeURIComponent(id)}/fix`, { method: "POST" }),
};

/** Where an error is: "src/App.tsx:12:5". */
export function placeOf(error) {
  if (!error.file) return "";
  return [error.file, error.line, error.column].filter((part) => part !== null && part !== undefined).join(":");
}

export class ErrorsPanel {
  /**
   * @param {HTMLElement} container an empty element the panel fills, hidden while there is no error
   * @param {string} projectId
   */
  constructor(container, projectId) {
    this.container = container;
    this.projectId = projectId;
    this.errors = [];
    this.busy = false;
    this.fixing = false;
    this.destroyed = false;
    this.refreshSoon = debounce(() => this.refresh(), 300);
    container.hidden = true;
  }

  destroy() {
    this.destroyed = true;
    this.refreshSoon.cancel();
  }

  async refresh() {
    try {
      const response = await errorsApi.list(this.projectId);
      if (this.destroyed) return;
      this.errors = response.errors ?? [];
      this.render();
    } catch {
      // Shown again on the next event that changes them.
    }
  }

  /** Every event of the project's stream; the ones that change the errors make the panel ask again. */
  onEvent(event, { replayed }) {
    if (!replayed && changes.has(event.type)) this.refreshSoon();
  }

  setBusy(busy) {
    this.busy = busy;
    this.render();
  }

  async fix() {
    this.fixing = true;
    this.render();
    try {
      await errorsApi.fix(this.projectId);
    } catch (error) {
      // 409: already working; 422: the errors went away meanwhile.
      toast(error instanceof ApiError ? error.message : `Couldn't send the errors: ${error.message}`, "error");
      this.refresh();
    } finally {
      this.fixing = false;
      this.render();
    }
  }

  render() {
    const errors = this.errors;
    this.container.hidden = errors.length === 0;
    if (errors.length === 0) {
      this.container.replaceChildren();
      return;
    }
    const title = errors.length === 1 ? "1 error in the running app" : `${errors.length} errors in the running app`;
    const button = h("button", {
      type: "button",
      class: "btn btn-small btn-primary",
      id: "fix-errors",
      disabled: this.busy || this.fixing,
      title: this.busy ? "Kiln is working on this project" : "Send these errors to the agent to fix",
      onclick: () => this.fix(),
    }, this.fixing ? "Sending…" : "Fix it");
    this.container.replaceChildren(
      h("div", { class: "errors-head" },
        iconNode("alert"),
        h("h2", { class: "errors-title", id: "errors-title" }, title),
        button),
      h("ul", { class: "errors-list", "aria-labelledby": "errors-title" },
        errors.map((error) => h("li", { class: "errors-item", dataset: { id: error.id, source: error.source } },
          h("span", { class: "errors-source" }, sourceLabels[error.source] ?? error.source),
          h("span", { class: "errors-message" }, error.message),
          placeOf(error) ? h("code", { class: "errors-place" }, placeOf(error)) : null,
          error.count > 1 ? h("span", { class: "errors-count", title: `Seen ${error.count} times` }, `×${error.count}`) : null))));
  }
}
