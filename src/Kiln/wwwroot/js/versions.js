// The Versions panel: every version of the app (one per prompt, and one per restore), what each changed as a
// highlighted diff, and a restore that asks first. A restore is a new version, so nothing is ever lost.

import { ApiError, api } from "./api.js";
import { $, ago, debounce, h } from "./dom.js";
import { highlight, languageOf } from "./highlight.js";
import { icon } from "./icons.js";
import { confirmDialog, toast } from "./ui.js";

const maxShownLines = 5000;
const outcomeLabels = { ready: "Ready", failed: "Failed", cancelled: "Stopped", interrupted: "Interrupted", restored: "Restored" };

const base = (projectId) => `/api/projects/${encodeURIComponent(projectId)}/versions`;

export const versionsApi = {
  list: (projectId) => api(base(projectId)),
  diff: async (projectId, number) => (await api(`${base(projectId)}/${number}/diff`, { raw: true })).text(),
  restore: (projectId, number) => api(`${base(projectId)}/${number}/restore`, { method: "POST" }),
};

/**
 * Splits `git diff` output into files: { path, status, binary, added, removed, lines: [{ kind, text }] } where kind is
 * "add", "del", "ctx", "hunk" or "meta".
 */
export function parseDiff(text) {
  const files = [];
  let file = null;
  for (const line of text.split("\n")) {
    if (line.startsWith("diff --git ")) {
      const match = /^diff --git a\/(.*) b\/(.*)$/.exec(line);
      file = { path: match ? match[2] : line.slice(11), status: "changed", binary: false, added: 0, removed: 0, lines: [] };
      files.push(file);
      continue;
    }
    if (!file) continue;
    const inHunk = file.lines.some((l) => l.kind === "hunk");
    if (!inHunk) {
      if (line.startsWith("new file")) file.status = "added";
      else if (line.startsWith("deleted file")) file.status = "deleted";
      else if (line.startsWith("rename to ")) {
        file.status = "renamed";
        file.path = line.slice(10);
      } else if (line.startsWith("Binary files")) file.binary = true;
      else if (line.startsWith("+++ ") && line !== "+++ /dev/null") file.path = line.slice(6);
    }
    if (line.startsWith("@@")) file.lines.push({ kind: "hunk", text: line });
    else if (!inHunk) continue;
    else if (line.startsWith("+")) {
      file.added++;
      file.lines.push({ kind: "add", text: line.slice(1) });
    } else if (line.startsWith("-")) {
      file.removed++;
      file.lines.push({ kind: "del", text: line.slice(1) });
    } else if (line.startsWith(" ")) file.lines.push({ kind: "ctx", text: line.slice(1) });
    else if (line.startsWith("\\")) file.lines.push({ kind: "meta", text: line });
  }
  return files;
}

export class VersionsPanel {
  /** @param {HTMLElement} panel the Versions panel; @param {() => boolean} isBusy whether a generation is queued or running */
  constructor(panel, projectId, { isBusy, counters = [] }) {
    this.projectId = projectId;
    this.isBusy = isBusy;
    this.counters = counters;
    this.list = $(".version-list", panel);
    this.empty = $(".version-list-empty", panel);
    this.view = $(".version-view", panel);
    this.versions = [];
    this.selected = null;
    this.loadToken = 0;
    this.reload = debounce(() => this.load(), 150);
    this.list.addEventListener("keydown", (event) => this.navigate(event));
    this.placeholder("Pick a version to see what it changed.");
  }

  async load() {
    let versions;
    try {
      versions = await versionsApi.list(this.projectId);
    } catch (error) {
      this.empty.textContent = `Couldn't load the versions: ${error.message}`;
      this.empty.hidden = false;
      return;
    }
    this.versions = versions;
    for (const counter of this.counters) counter.textContent = versions.length ? String(versions.length) : "";
    this.empty.textContent = "No versions yet. Each prompt makes one when it ends.";
    this.empty.hidden = versions.length > 0;
    this.drawList();
    if (this.selected === null && versions.length) this.show(versions.at(-1).number);
  }

  /** version_created / version_restored. */
  apply() {
    this.reload();
  }

  /** A generation started or ended: restore is only possible while none runs. */
  setBusy() {
    for (const button of this.view.querySelectorAll(".version-restore")) button.disabled = this.isBusy();
  }

  drawList() {
    const latest = this.versions.at(-1)?.number;
    this.list.replaceChildren(...[...this.versions].reverse().map((version) => {
      const current = version.number === this.selected;
      return h("li", {},
        h("button", {
          type: "button", class: `version-item${current ? " current" : ""}`, "aria-current": current ? "true" : null,
          dataset: { version: version.number }, onclick: () => this.show(version.number),
        },
        h("span", { class: "version-number" }, `v${version.number}`),
        h("span", { class: "version-body" },
          h("span", { class: "version-prompt" }, version.prompt),
          h("span", { class: "version-meta muted" },
            h("span", { class: `version-outcome outcome-${version.outcome}` }, outcomeLabels[version.outcome] ?? version.outcome),
            version.number === latest ? " · current" : "",
            ` · ${ago(version.at)} · ${version.filesChanged} ${version.filesChanged === 1 ? "file" : "files"} `,
            h("span", { class: "diff-added" }, `+${version.insertions}`), " ",
            h("span", { class: "diff-removed" }, `−${version.deletions}`)))));
    }));
  }

  navigate(event) {
    const items = [...this.list.querySelectorAll(".version-item")];
    const index = items.indexOf(document.activeElement);
    if (index < 0) return;
    const to = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: items.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    items[Math.max(0, Math.min(items.length - 1, to))].focus();
  }

  placeholder(message) {
    this.view.replaceChildren(h("div", { class: "empty-state small" }, h("div", { class: "empty-icon", html: icon("code") }), h("p", {}, message)));
  }

  async show(number) {
    const version = this.versions.find((v) => v.number === number);
    if (!version) return;
    const load = ++this.loadToken;
    this.selected = number;
    this.drawList();
    const latest = number === this.versions.at(-1)?.number;
    const restore = h("button", {
      type: "button", class: "btn btn-small version-restore", disabled: latest || this.isBusy(),
      title: latest ? "This is the app as it is now" : `Make the app exactly version ${number} again`,
      onclick: () => this.restore(version),
    }, "Restore this version");
    const head = h("div", { class: "version-head" },
      h("div", { class: "version-title" },
        h("strong", {}, `Version ${number}`),
        h("span", { class: "muted" }, ` · ${new Date(version.at).toLocaleString()} · ${version.commit.slice(0, 7)}`),
        version.restoredFrom ? h("span", { class: "muted" }, ` · restores version ${version.restoredFrom}`) : null),
      restore);
    this.view.replaceChildren(head, h("div", { class: "file-loading muted" }, "Loading the changes…"));
    let body;
    try {
      body = this.diffView(parseDiff(await versionsApi.diff(this.projectId, number)));
    } catch (error) {
      body = h("div", { class: "empty-state small error" }, h("p", {}, error.message));
    }
    if (load !== this.loadToken) return;
    this.view.replaceChildren(head, body);
  }

  diffView(files) {
    if (!files.length) return h("div", { class: "empty-state small" }, h("p", {}, "This version changed no files."));
    let budget = maxShownLines;
    return h("div", { class: "diff-scroll", tabindex: "0", role: "region", "aria-label": "Changes in this version" },
      files.map((file) => {
        const language = languageOf(file.path);
        const shown = file.lines.slice(0, Math.max(0, budget));
        budget -= shown.length;
        return h("section", { class: "diff-file", dataset: { path: file.path } },
          h("header", { class: "diff-file-head" },
            h("span", { class: `diff-status diff-status-${file.status}` }, file.status),
            h("span", { class: "diff-path" }, file.path),
            h("span", { class: "diff-added" }, `+${file.added}`),
            h("span", { class: "diff-removed" }, `−${file.removed}`)),
          file.binary ? h("p", { class: "muted diff-note" }, "A binary file.") : null,
          shown.length ? h("pre", { class: `diff-lines${language ? ` lang-${language}` : ""}` },
            shown.map((line) => h("div", { class: `diff-line diff-${line.kind}` },
              h("span", { class: "diff-sign", "aria-hidden": "true" }, { add: "+", del: "−", ctx: " ", hunk: "", meta: "" }[line.kind]),
              line.kind === "add" ? h("span", { class: "visually-hidden" }, "added: ") : null,
              line.kind === "del" ? h("span", { class: "visually-hidden" }, "removed: ") : null,
              line.kind === "add" || line.kind === "del" || line.kind === "ctx"
                ? h("code", { html: highlight(line.text, language) })
                : h("code", {}, line.text)))) : null,
          shown.length < file.lines.length ? h("p", { class: "muted diff-note" }, "The rest of this diff is not shown.") : null);
      }));
  }

  async restore(version) {
    const confirmed = await confirmDialog({
      title: `Restore version ${version.number}?`,
      text: `Every file goes back to how it was after “${version.prompt.slice(0, 120)}”. Later changes are kept as versions, so you can come back to them.`,
      confirm: "Restore",
    });
    if (!confirmed) return;
    try {
      const result = await versionsApi.restore(this.projectId, version.number);
      toast(`Restored version ${version.number} as version ${result.version.number}.`);
      this.selected = null;
      await this.load();
    } catch (error) {
      toast(error instanceof ApiError && error.status === 409
        ? "Kiln is working on this project; restore when it has finished."
        : `Couldn't restore it: ${error.message}`, "error");
    }
  }
}
