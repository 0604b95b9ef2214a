// The Code panel: the app's file tree and an editor (CodeMirror) for the open file. It follows the agent (opens
// each file as it is written) until the person picks a file or edits one. Ctrl+S saves with the ETag the file was
// read with, so a save never overwrites a change made since (the agent's, or another tab's): that is a conflict
// the person settles, by reloading the file or overwriting it.

import { projects, withToken, ApiError } from "./api.js";
import { $, $$, bytes, debounce, h } from "./dom.js";
import { createEditor } from "./editor.js";
import { languageOf } from "./highlight.js";
import { icon } from "./icons.js";
import { holdUnsaved, mayDropUnsaved, toast } from "./ui.js";

const maxShownChars = 400_000;

function buildTree(paths) {
  const root = { dirs: new Map(), files: [] };
  for (const path of paths) {
    const parts = path.split("/");
    let node = root;
    for (const part of parts.slice(0, -1)) {
      if (!node.dirs.has(part)) node.dirs.set(part, { dirs: new Map(), files: [] });
      node = node.dirs.get(part);
    }
    node.files.push(path);
  }
  return root;
}

export class FileBrowser {
  /** @param {HTMLElement} panel the Code panel; @param {HTMLElement[]} counters elements that show the file count */
  constructor(panel, projectId, counters) {
    this.projectId = projectId;
    this.counters = counters;
    this.tree = $(".file-tree-list", panel);
    this.treeEmpty = $(".file-tree-empty", panel);
    this.view = $(".file-view", panel);
    this.files = new Map();
    this.changed = new Set();
    this.collapsed = new Set();
    this.openPath = null;
    this.following = true;
    this.loadToken = 0;
    this.objectUrl = null;
    this.editor = null;
    this.etag = null;
    this.saving = false;
    this.renderTree = debounce(() => this.drawTree(), 60);
    this.reloadOpen = debounce(() => this.show(this.openPath, { keepScroll: true }), 150);
    this.tree.addEventListener("keydown", (event) => this.navigate(event));
    this.releaseUnsaved = holdUnsaved(() => (this.editor?.dirty ? `Your edits to ${this.openPath} are not saved.` : null));
    this.showPlaceholder();
  }

  destroy() {
    this.releaseUnsaved();
    this.closeEditor();
  }

  /** The file list from the API (on load and after a reconnection). */
  setFiles(list) {
    const listed = new Map(list.map((file) => [file.path, file]));
    // A file whose file_created event arrived while the list was on its way is newer than the list: keep it.
    for (const path of this.changed) if (!listed.has(path) && this.files.has(path)) listed.set(path, this.files.get(path));
    this.files = listed;
    this.drawTree();
    if (this.openPath && !this.files.has(this.openPath)) this.showPlaceholder("That file was deleted.");
  }

  /** A generation started: mark changes afresh and follow the agent again. */
  generationStarted() {
    this.changed.clear();
    this.following = true;
    this.renderTree();
  }

  /** file_created / file_updated / file_deleted. */
  apply(event, { replayed }) {
    const path = event.data?.path;
    if (!path) return;
    if (event.type === "file_deleted") {
      this.files.delete(path);
      this.changed.delete(path);
      if (!replayed && path === this.openPath) this.showPlaceholder(`${path} was deleted.`);
    } else {
      this.files.set(path, { path, size: event.data.size, modified: event.at });
      this.changed.add(path);
      if (!replayed) {
        if (path === this.openPath) this.reloadOpen();
        else if (this.following && !this.editor?.dirty) this.show(path);
      }
    }
    this.renderTree();
  }

  drawTree() {
    const paths = [...this.files.keys()].sort();
    for (const counter of this.counters) counter.textContent = paths.length ? String(paths.length) : "";
    this.treeEmpty.hidden = paths.length > 0;
    this.tree.replaceChildren(...this.branch(buildTree(paths), "", 0));
  }

  branch(node, prefix, depth) {
    const items = [];
    for (const [name, child] of [...node.dirs].sort(([a], [b]) => a.localeCompare(b))) {
      const path = prefix + name;
      const open = !this.collapsed.has(path);
      const hasChange = [...this.changed].some((changed) => changed.startsWith(`${path}/`));
      items.push(h("li", {},
        h("button", {
          type: "button", class: "tree-item tree-dir", style: { "--depth": depth }, "aria-expanded": String(open), dataset: { dir: path },
          onclick: () => {
            if (open) this.collapsed.add(path);
            else this.collapsed.delete(path);
            this.drawTree();
            $(`[data-dir="${CSS.escape(path)}"]`, this.tree)?.focus();
          },
        }, h("span", { class: "tree-icon", html: icon("folder") }), h("span", { class: "tree-name" }, name), hasChange ? h("span", { class: "changed-dot", title: "Changed" }) : null),
        open ? h("ul", {}, this.branch(child, `${path}/`, depth + 1)) : null));
    }
    for (const path of node.files.sort()) {
      const name = path.slice(path.lastIndexOf("/") + 1);
      const current = path === this.openPath;
      items.push(h("li", {},
        h("button", {
          type: "button", class: `tree-item tree-file${current ? " current" : ""}`, style: { "--depth": depth },
          "aria-current": current ? "true" : null, dataset: { path },
          onclick: () => {
            this.following = false;
            this.show(path);
          },
        }, h("span", { class: "tree-icon", html: icon("file") }), h("span", { class: "tree-name" }, name),
        this.changed.has(path) ? h("span", { class: "changed-dot", title: "Changed in this generation" }, h("span", { class: "visually-hidden" }, " (changed)")) : null)));
    }
    return items;
  }

  /** Up/Down move through the tree, Left/Right fold and unfold folders, Home/End jump. */
  navigate(event) {
    const items = $$(".tree-item", this.tree);
    const index = items.indexOf(document.activeElement);
    if (index < 0) return;
    const move = (to) => {
      event.preventDefault();
      items[Math.max(0, Math.min(items.length - 1, to))]?.focus();
    };
    const current = items[index];
    switch (event.key) {
      case "ArrowDown": return move(index + 1);
      case "ArrowUp": return move(index - 1);
      case "Home": return move(0);
      case "End": return move(items.length - 1);
      case "ArrowRight":
        if (current.dataset.dir && current.getAttribute("aria-expanded") === "false") current.click();
        else move(index + 1);
        return event.preventDefault();
      case "ArrowLeft":
        if (current.dataset.dir && current.getAttribute("aria-expanded") === "true") current.click();
        return event.preventDefault();
      default:
    }
  }

  /** Opens a file from elsewhere (a timeline link). */
  reveal(path) {
    this.following = false;
    // Unfold the folders on its way.
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) this.collapsed.delete(parts.slice(0, i).join("/"));
    return this.show(path);
  }

  showPlaceholder(message = "Pick a file to read it. Files appear here as the agent writes them.") {
    this.closeEditor();
    this.openPath = null;
    this.view.replaceChildren(h("div", { class: "empty-state small" }, h("div", { class: "empty-icon", html: icon("code") }), h("p", {}, message)));
    this.renderTree();
  }

  async show(path, { keepScroll = false, discard = false } = {}) {
    if (!path) return;
    // Opening another file (or this one afresh) replaces the editor: never over unsaved edits without asking.
    if (!keepScroll && !discard && this.editor?.dirty && !(await mayDropUnsaved())) return;
    // A save's own file_updated comes back while its answer (and the new ETag) may still be on the way.
    if (keepScroll && this.saving) return this.reloadOpen();
    const load = ++this.loadToken;
    const scroll = keepScroll && path === this.openPath ? this.editor?.scroll() : null;
    this.openPath = path;
    this.renderTree();
    const raw = withToken(`/api/projects/${encodeURIComponent(this.projectId)}/files/${path.split("/").map(encodeURIComponent).join("/")}`);
    const head = h("div", { class: "file-head" },
      h("span", { class: "file-path" }, path),
      h("span", { class: "file-dirty", hidden: true, title: "Not saved yet (Ctrl+S saves)" }, "● Unsaved"),
      h("span", { class: "file-size muted" }, bytes(this.files.get(path)?.size)),
      h("button", { type: "button", class: "btn btn-small btn-primary file-save", hidden: true, onclick: () => this.save() }, "Save"),
      h("a", { class: "btn btn-small btn-ghost", href: raw, target: "_blank", rel: "noopener" }, "Raw"));
    if (!keepScroll) {
      this.closeEditor();
      this.view.replaceChildren(head, h("div", { class: "file-loading muted" }, "Loading…"));
    }
    let body;
    let etag = null;
    let text = null;
    try {
      const response = await projects.file(this.projectId, path);
      const type = response.headers.get("content-type") ?? "";
      etag = response.headers.get("etag");
      if (type.startsWith("image/")) {
        const blob = await response.blob();
        if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
        this.objectUrl = URL.createObjectURL(blob);
        body = h("div", { class: "image-view" }, h("img", { src: this.objectUrl, alt: path }));
      } else if (/^(text\/|application\/(json|javascript|xml|.*\+json|.*\+xml))/.test(type) || type === "") {
        text = await response.text();
        body = h("div", { class: "code-editor" });
      } else {
        body = h("div", { class: "empty-state small" }, h("p", {}, `A binary file (${type}). Use Raw to download it.`));
      }
    } catch (error) {
      if (load !== this.loadToken) return;
      const gone = error instanceof ApiError && error.status === 404;
      body = h("div", { class: "empty-state small error" }, h("p", {}, gone ? `${path} is not there any more.` : error.message));
    }
    if (load !== this.loadToken) return; // A newer request won.
    if (keepScroll && this.editor && etag && etag === this.etag) return; // What the editor has (a save of ours).
    // Unsaved edits are never replaced underneath the person: they choose, as when a save finds a newer file.
    if (keepScroll && this.editor?.dirty) return this.showConflict();
    this.closeEditor();
    this.view.replaceChildren(head, body);
    this.etag = etag;
    if (text !== null) this.openEditor(body, text, path, scroll);
  }

  openEditor(parent, text, path, scroll) {
    const truncated = text.length > maxShownChars;
    this.editor = createEditor(parent, {
      text: truncated ? text.slice(0, maxShownChars) : text,
      language: languageOf(path),
      label: `Contents of ${path}`,
      readOnly: truncated,
      onChange: (dirty) => this.showDirty(dirty),
      onSave: () => this.save(),
    });
    if (truncated) parent.after(h("p", { class: "muted truncated" }, "Only the start of this large file is shown, read-only; use Raw for all of it."));
    if (scroll) this.editor.restoreScroll(scroll);
  }

  closeEditor() {
    this.editor?.destroy();
    this.editor = null;
    this.etag = null;
  }

  showDirty(dirty) {
    if (dirty) this.following = false;
    for (const element of $$(".file-dirty, .file-save", this.view)) element.hidden = !dirty;
  }

  /** Saves the open file if it has edits; `overwrite` saves over whatever is there now (the conflict's choice). */
  async save({ overwrite = false } = {}) {
    const editor = this.editor;
    const path = this.openPath;
    if (!editor || !path || this.saving || (!editor.dirty && !overwrite)) return;
    const text = editor.text();
    this.saving = true;
    try {
      const response = await projects.writeFile(this.projectId, path, text, overwrite ? null : this.etag);
      if (editor !== this.editor) return;
      this.etag = response.headers.get("etag");
      editor.markSaved(text);
      $(".file-conflict", this.view)?.remove();
      toast(`Saved ${path}`);
    } catch (error) {
      if (editor !== this.editor) return;
      if (error instanceof ApiError && error.status === 412) this.showConflict();
      else toast(error.message, "error");
    } finally {
      this.saving = false;
    }
  }

  /** The open file changed since it was read, and the editor has edits: reload it (dropping them) or overwrite. */
  showConflict() {
    if (!this.editor || $(".file-conflict", this.view)) return;
    const path = this.openPath;
    const bar = h("div", { class: "file-conflict", role: "alert" },
      h("span", { class: "file-conflict-text" }, `${path} changed since you opened it (the agent or another tab wrote it).`),
      h("button", { type: "button", class: "btn btn-small btn-ghost file-reload", onclick: () => this.show(path, { discard: true }) }, "Reload, drop my edits"),
      h("button", { type: "button", class: "btn btn-small btn-danger file-overwrite", onclick: () => this.save({ overwrite: true }) }, "Overwrite with mine"));
    $(".file-head", this.view)?.after(bar);
  }
}
