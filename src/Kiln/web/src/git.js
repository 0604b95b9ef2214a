// Push to git: the Git button in a project's header opens a panel with the remote, the branch, a token field with
// "Remember", Push, and how the last push went. Kiln runs git and keeps the token (sealed) when asked; the page never
// shows a stored token, and clears the field after each push.

import { ApiError, api } from "./api.js";
import { ago, h } from "./dom.js";
import { iconNode } from "./icons.js";
import { toast } from "./ui.js";

const base = (id) => `/api/projects/${encodeURIComponent(id)}/git`;

export const gitApi = {
  settings: (id) => api(base(id)),
  push: (id, body) => api(`${base(id)}/push`, { method: "POST", body }),
  forgetToken: (id) => api(`${base(id)}/token`, { method: "DELETE" }),
};

const changes = new Set(["git_pushed", "git_push_failed"]);

export class GitPanel {
  /**
   * @param {HTMLElement} root the project view, holding #git-push and #git-panel
   * @param {string} projectId
   */
  constructor(root, projectId) {
    this.projectId = projectId;
    this.button = root.querySelector("#git-push");
    this.panel = root.querySelector("#git-panel");
    this.settings = { remote: null, branch: null, tokenStored: false, lastPush: null };
    this.pushing = false;
    this.failure = null;
    this.destroyed = false;
    this.built = false;
    this.panel.addEventListener("toggle", (event) => {
      if (event.newState === "open") this.refresh();
    });
  }

  destroy() {
    this.destroyed = true;
    this.panel.hidePopover?.();
  }

  /** A push made elsewhere (another tab, the API) shows here too. */
  onEvent(event, { replayed }) {
    if (!replayed && changes.has(event.type) && this.built) this.refresh();
  }

  async refresh() {
    try {
      const settings = await gitApi.settings(this.projectId);
      if (this.destroyed) return;
      this.settings = settings;
      this.render();
    } catch (error) {
      if (!this.built) {
        this.failure = { title: "Couldn't read the git settings", detail: error.message };
        this.render();
      }
    }
  }

  async push(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const remote = form.elements.remote.value.trim();
    const branch = form.elements.branch.value.trim();
    const token = form.elements.token.value;
    const saveToken = form.elements.remember.checked && token !== "";
    this.failure = null;
    this.setPushing(true);
    try {
      const pushed = await gitApi.push(this.projectId, { remote, ...(branch ? { branch } : {}), ...(token ? { token } : {}), saveToken });
      form.elements.token.value = "";
      toast(pushed.commits ? `Pushed ${pushed.commits} commit${pushed.commits === 1 ? "" : "s"} to ${pushed.branch}.` : `${pushed.branch} was already up to date.`);
    } catch (error) {
      this.failure = error instanceof ApiError
        ? { title: error.title ?? "The push failed", detail: error.problem?.detail ?? error.message }
        : { title: "The push failed", detail: error.message };
    } finally {
      if (!this.destroyed) {
        this.setPushing(false);
        await this.refresh();
      }
    }
  }

  async forget() {
    try {
      await gitApi.forgetToken(this.projectId);
      toast("The token was forgotten.");
    } catch (error) {
      toast(`Couldn't forget it: ${error.message}`, "error");
    }
    await this.refresh();
  }

  setPushing(pushing) {
    this.pushing = pushing;
    const submit = this.panel.querySelector(".git-submit");
    if (submit) {
      submit.disabled = pushing;
      submit.textContent = pushing ? "Pushing…" : "Push";
    }
  }

  /** The form is built once, so what a person typed survives a refresh; the status parts are redrawn. */
  render() {
    if (!this.built) this.build();
    const { remote, branch, tokenStored, lastPush } = this.settings;
    const form = this.panel.querySelector("form");
    if (remote && !form.elements.remote.value) form.elements.remote.value = remote;
    if (branch && !form.elements.branch.value) form.elements.branch.value = branch;
    form.elements.token.placeholder = tokenStored ? "Stored — leave empty to use it" : "Access token with write access";
    this.panel.querySelector(".git-token-stored").replaceChildren(...(tokenStored
      ? [h("span", { class: "muted" }, "A token is stored for this remote. "),
        h("button", { type: "button", class: "btn btn-ghost btn-small git-forget", onclick: () => this.forget() }, "Forget token")]
      : []));

    const [detail, ...lines] = (this.failure?.detail ?? "").split("\n");
    this.panel.querySelector(".git-result").replaceChildren(...[
      this.failure
        ? h("div", { class: "git-failure", role: "alert" },
          h("strong", {}, this.failure.title),
          h("p", {}, detail),
          lines.length ? h("pre", { class: "git-output" }, lines.join("\n")) : null)
        : null,
      lastPush
        ? h("p", { class: `git-last ${lastPush.ok ? "git-last-ok" : "git-last-failed"}` },
          iconNode(lastPush.ok ? "check" : "alert"),
          h("span", {}, lastPush.ok
            ? `Last push ${ago(new Date(lastPush.at))}: ${lastPush.commits ? `${lastPush.commits} new commit${lastPush.commits === 1 ? "" : "s"}` : "already up to date"} on ${lastPush.branch}`
            : `Last push ${ago(new Date(lastPush.at))} failed`))
        : h("p", { class: "muted git-last" }, "Not pushed yet. Every version goes to the branch as a commit; node_modules and build output never do."),
    ].filter(Boolean));
  }

  build() {
    this.built = true;
    const field = (label, input) => h("label", { class: "git-field" }, h("span", { class: "git-label" }, label), input);
    this.panel.replaceChildren(
      h("div", { class: "git-head" },
        h("h2", { class: "git-title" }, "Push to git"),
        h("button", { type: "button", class: "btn btn-ghost btn-icon btn-small", "aria-label": "Close", title: "Close", onclick: () => this.panel.hidePopover() }, iconNode("x"))),
      h("form", { class: "git-form", onsubmit: (event) => this.push(event) },
        field("Remote", h("input", { name: "remote", type: "text", inputmode: "url", required: true, placeholder: "https://github.com/you/app.git", autocomplete: "off", spellcheck: "false" })),
        field("Branch", h("input", { name: "branch", type: "text", placeholder: "main", autocomplete: "off", spellcheck: "false" })),
        field("Token", h("input", { name: "token", type: "password", autocomplete: "off", spellcheck: "false" })),
        h("div", { class: "git-token-stored" }),
        h("label", { class: "git-remember" }, h("input", { name: "remember", type: "checkbox" }), h("span", {}, "Remember the token for this remote (stored encrypted)")),
        h("div", { class: "git-actions" },
          h("button", { type: "submit", class: "btn btn-primary btn-small git-submit" }, "Push"))),
      h("div", { class: "git-result", "aria-live": "polite" }));
  }
}
