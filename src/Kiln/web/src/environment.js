// The Environment panel: the app's environment variables (names and values, edited and saved together) and its
// secrets (listed by name and when they were set, added or replaced with a value the page never reads back, and
// deleted). Kiln stores them, gives them to the app's dev server, builds and commands, and restarts a running dev
// server when they change; the page only asks and shows.

import { ApiError, api } from "./api.js";
import { ago, h } from "./dom.js";
import { iconNode } from "./icons.js";
import { toast } from "./ui.js";

const base = (id) => `/api/projects/${encodeURIComponent(id)}`;

export const environmentApi = {
  variables: (id) => api(`${base(id)}/env`),
  setVariables: (id, variables) => api(`${base(id)}/env`, { method: "PUT", body: variables }),
  secrets: (id) => api(`${base(id)}/secrets`),
  setSecret: (id, name, value) => api(`${base(id)}/secrets/${encodeURIComponent(name)}`, { method: "PUT", body: { value } }),
  deleteSecret: (id, name) => api(`${base(id)}/secrets/${encodeURIComponent(name)}`, { method: "DELETE" }),
};

const problemOf = (error, title) => error instanceof ApiError
  ? { title: error.title ?? title, detail: error.problem?.detail ?? error.message }
  : { title, detail: error.message };

export class EnvironmentPanel {
  /**
   * @param {HTMLElement} root the project view, holding #env-panel
   * @param {string} projectId
   */
  constructor(root, projectId) {
    this.projectId = projectId;
    this.panel = root.querySelector("#env-panel");
    this.rows = [];
    this.secrets = [];
    this.failure = null;
    this.saving = false;
    this.destroyed = false;
    this.panel.addEventListener("toggle", (event) => {
      if (event.newState === "open") this.refresh();
    });
  }

  destroy() {
    this.destroyed = true;
    this.panel.hidePopover?.();
  }

  async refresh() {
    try {
      const [variables, secrets] = await Promise.all([environmentApi.variables(this.projectId), environmentApi.secrets(this.projectId)]);
      if (this.destroyed) return;
      this.rows = Object.entries(variables).map(([name, value]) => ({ name, value }));
      this.secrets = secrets;
      this.failure = null;
    } catch (error) {
      this.failure = problemOf(error, "Couldn't load the environment");
    }
    this.render();
  }

  async saveVariables() {
    const variables = {};
    for (const { name, value } of this.rows) {
      if (name.trim()) variables[name.trim()] = value;
    }
    await this.change(async () => {
      const saved = await environmentApi.setVariables(this.projectId, variables);
      this.rows = Object.entries(saved).map(([name, value]) => ({ name, value }));
      toast("Variables saved. A running preview restarts with them.");
    }, "The variables were not saved");
  }

  async addSecret(form) {
    const name = form.elements.name.value.trim();
    const value = form.elements.value.value;
    await this.change(async () => {
      await environmentApi.setSecret(this.projectId, name, value);
      this.secrets = await environmentApi.secrets(this.projectId);
      toast(`Secret ${name} saved.`);
    }, "The secret was not saved");
  }

  async deleteSecret(name) {
    await this.change(async () => {
      await environmentApi.deleteSecret(this.projectId, name);
      this.secrets = await environmentApi.secrets(this.projectId);
      toast(`Secret ${name} deleted.`);
    }, "The secret was not deleted");
  }

  async change(action, title) {
    this.saving = true;
    this.failure = null;
    this.render();
    try {
      await action();
    } catch (error) {
      this.failure = problemOf(error, title);
    } finally {
      this.saving = false;
      if (!this.destroyed) this.render();
    }
  }

  render() {
    // Keeps the focus on the field being typed in: the rows are edited in place, not re-rendered per keystroke.
    this.panel.replaceChildren(...[
      h("div", { class: "site-head" },
        h("h2", { class: "site-title" }, "Environment"),
        h("button", { type: "button", class: "btn btn-ghost btn-icon btn-small", "aria-label": "Close", title: "Close", onclick: () => this.panel.hidePopover() }, iconNode("x"))),
      h("p", { class: "muted env-note" },
        "The app's dev server, builds and commands get these. Browser code sees only VITE_ (or NEXT_PUBLIC_) variables; keep keys in secrets, for server code."),
      this.failure
        ? h("div", { class: "site-failure", role: "alert" }, h("strong", {}, this.failure.title), h("p", {}, this.failure.detail))
        : null,
      h("section", { class: "env-section", "aria-label": "Variables" },
        h("h3", {}, "Variables"),
        h("ul", { class: "env-list env-variables" },
          this.rows.map((row, index) => h("li", { class: "env-row" },
            h("input", { class: "input env-name", "aria-label": "Variable name", placeholder: "NAME", value: row.name, spellcheck: "false", oninput: (event) => (row.name = event.target.value) }),
            h("input", { class: "input env-value", "aria-label": `Value of ${row.name || "the variable"}`, placeholder: "value", value: row.value, spellcheck: "false", oninput: (event) => (row.value = event.target.value) }),
            h("button", {
              type: "button", class: "btn btn-ghost btn-icon btn-small", "aria-label": `Remove ${row.name || "variable"}`, title: "Remove",
              onclick: () => { this.rows.splice(index, 1); this.render(); },
            }, iconNode("x"))))),
        h("div", { class: "site-actions" },
          h("button", { type: "button", class: "btn btn-small env-add-variable", onclick: () => { this.rows.push({ name: "", value: "" }); this.render(); this.panel.querySelector(".env-variables li:last-child .env-name")?.focus(); } }, "Add variable"),
          h("button", { type: "button", class: "btn btn-primary btn-small env-save", disabled: this.saving, onclick: () => this.saveVariables() }, "Save variables"))),
      h("section", { class: "env-section", "aria-label": "Secrets" },
        h("h3", {}, "Secrets"),
        this.secrets.length
          ? h("ul", { class: "env-list env-secrets" },
            this.secrets.map((secret) => h("li", { class: "env-row env-secret", dataset: { name: secret.name } },
              iconNode("key"),
              h("span", { class: "env-secret-name" }, secret.name),
              h("span", { class: "muted env-secret-meta" }, `set ${ago(new Date(secret.setAt))}`),
              h("button", { type: "button", class: "btn btn-small btn-danger-outline", disabled: this.saving, "aria-label": `Delete secret ${secret.name}`, onclick: () => this.deleteSecret(secret.name) }, "Delete"))))
          : h("p", { class: "muted env-empty" }, "No secrets yet. Their values are stored encrypted and never shown again, not even to the agent."),
        h("form", {
          class: "env-row env-secret-form",
          onsubmit: (event) => { event.preventDefault(); this.addSecret(event.target); },
        },
        h("input", { class: "input env-name", name: "name", "aria-label": "Secret name", placeholder: "NAME", required: true, spellcheck: "false" }),
        h("input", { class: "input env-value", name: "value", type: "password", autocomplete: "off", "aria-label": "Secret value", placeholder: "value", required: true }),
        h("button", { type: "submit", class: "btn btn-small", disabled: this.saving }, "Add secret"))),
    ].filter(Boolean));
  }
}
