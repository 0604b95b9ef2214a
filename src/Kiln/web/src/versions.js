// The Versions panel: every version of the app (one per prompt, and one per restore), what each changed as a
// highlighted diff, the pages Kiln's browser saw in it beside how they looked before, and a restore that asks first.
// A restore is a new version, so nothing is ever lost.

import { ApiError, api } from "./api.js";
import { $, ago, debounce, h } from "./dom.js";
import { highlight, languageOf } from "./highlight.js";
import { icon, iconNode } from "./icons.js";
import { confirmDialog, toast } from "./ui.js";

const maxShownLines = 5000;
const outcomeLabels = { ready: "Ready", failed: "Failed", cancelled: "Stopped", interrupted: "Interrupted", restored: "Restored", edited: "Edited by you", imported: "Imported" };

const base = (projectId) => `/api/projects/${encodeURIComponent(projectId)}/versions`;

export const versionsApi = {
  list: (projectId) => api(base(projectId)),
  diff: async (projectId, number) => (await api(`${base(projectId)}/${number}/diff`, { raw: true })).text(),
  screenshots: (projectId, number) => api(`${base(projectId)}/${number}/screenshots`),
  // A blob, because an <img> cannot send the token.
  screenshot: async (projectId, number, path) =>
    (await api(`${base(projectId)}/${number}/screenshot?path=${encodeURIComponent(path)}`, { raw: true })).blob(),
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
    this.pagesSlot = null;
    this.imageUrls = [];
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

  /** The pages of a version changed (Kiln re-checked them, or found one broken): shown again when it is the one open. */
  refreshPages(number = this.versions.at(-1)?.number) {
    if (number === undefined || number !== this.selected || !this.pagesSlot) return;
    this.loadPages(number, this.pagesSlot, this.loadToken);
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
    const pages = h("div", { class: "version-pages-slot" });
    const [changes] = await Promise.all([this.changes(number), this.loadPages(number, pages, load)]);
    if (load !== this.loadToken) return;
    this.pagesSlot = pages;
    this.view.replaceChildren(head,
      h("div", { class: "diff-scroll", tabindex: "0", role: "region", "aria-label": `Version ${number}: its pages and changes` }, pages, changes));
  }

  async changes(number) {
    try {
      return this.diffView(parseDiff(await versionsApi.diff(this.projectId, number)));
    } catch (error) {
      return h("div", { class: "empty-state small error" }, h("p", {}, error.message));
    }
  }

  /** Fills `slot` with the pages seen in version `number`, each beside how it looked when it last rendered. */
  async loadPages(number, slot, load) {
    let pages;
    try {
      pages = await versionsApi.screenshots(this.projectId, number);
    } catch {
      pages = []; // the changes still show; the pages come back with the next event that changes them
    }
    if (load !== this.loadToken) return;
    for (const url of this.imageUrls.splice(0)) URL.revokeObjectURL(url);
    if (!pages.length) {
      slot.replaceChildren();
      return;
    }
    slot.replaceChildren(h("section", { class: "version-pages", "aria-labelledby": "version-pages-title" },
      h("header", { class: "version-pages-head" },
        h("h3", { id: "version-pages-title" }, "Pages"),
        h("span", { class: "muted" }, "as Kiln's browser saw them, beside the last version they rendered in")),
      pages.map((page) => this.pageView(page, number, load))));
  }

  pageView(page, number, load) {
    const state = page.rendered
      ? h("span", { class: "page-state page-state-ok" }, iconNode("check"), "Renders")
      : h("span", { class: "page-state page-state-broken" }, iconNode("alert"), page.before ? `Broken since v${page.before}` : "Has errors");
    return h("article", { class: `page-compare${page.rendered ? "" : " broken"}`, dataset: { path: page.path } },
      h("header", { class: "page-compare-head" },
        h("code", { class: "page-path" }, page.path),
        state,
        h("span", { class: "page-meta muted" }, `${page.checkedBy === "kiln" ? "re-checked by Kiln" : "checked by the agent"} · ${page.width} px wide`)),
      h("div", { class: "page-shots" },
        page.before
          ? this.shot(page.path, page.before, `Before · v${page.before}`, "before", load)
          : h("figure", { class: "page-shot page-shot-before empty" },
            h("div", { class: "page-shot-frame" }, h("p", { class: "muted" }, "No earlier version rendered this page.")),
            h("figcaption", {}, "Before")),
        page.hasScreenshot
          ? this.shot(page.path, number, `After · v${number}`, "after", load)
          : h("figure", { class: "page-shot page-shot-after empty" },
            h("div", { class: "page-shot-frame" }, h("p", { class: "muted" }, "No screenshot: the page did not finish loading.")),
            h("figcaption", {}, `After · v${number}`))),
      page.errors.length
        ? h("ul", { class: "page-errors", "aria-label": `Errors of ${page.path} in version ${number}` }, page.errors.map((error) => h("li", {}, error)))
        : null);
  }

  shot(path, number, caption, side, load) {
    // The size a desktop check has holds the place until the picture (of whatever size) arrives.
    const image = h("img", { alt: `${path} in version ${number}`, width: "1280", height: "800", decoding: "async" });
    // A link once the picture is here: the full-size screenshot in a tab of its own.
    const frame = h("a", { class: "page-shot-frame loading", target: "_blank", rel: "noopener", title: "Open the full-size screenshot" }, image);
    versionsApi.screenshot(this.projectId, number, path).then((blob) => {
      if (load !== this.loadToken) return;
      const url = URL.createObjectURL(blob);
      this.imageUrls.push(url);
      image.addEventListener("load", () => frame.classList.remove("loading"), { once: true });
      image.src = url;
      frame.href = url;
    }, () => {
      frame.classList.remove("loading");
      frame.replaceChildren(h("p", { class: "muted" }, "The screenshot could not be loaded."));
    });
    return h("figure", { class: `page-shot page-shot-${side}`, dataset: { version: number } }, frame, h("figcaption", {}, caption));
  }

  diffView(files) {
    if (!files.length) return h("div", { class: "empty-state small" }, h("p", {}, "This version changed no files."));
    let budget = maxShownLines;
    return h("div", { class: "diff-files", role: "group", "aria-label": "Changes in this version" },
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
