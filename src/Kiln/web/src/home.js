// The home page: a prompt that starts a project, and the list of projects.

import { ApiError, UnreachableError, projects } from "./api.js";
import { attachFiles } from "./attachments.js";
import { $, ago, autoGrow, fromTemplate, h, isBusy, statusPill, submitOnCtrlEnter } from "./dom.js";
import { icon } from "./icons.js";
import { mountImport } from "./import.js";
import { fillModelPicker, lastModel } from "./models.js";
import { forgetEvents } from "./stream.js";
import { confirmDialog, navigate, toast, topStatus } from "./ui.js";

/** The first message a ProblemDetails carries: a validation error's own sentence, else its detail. */
export function problemMessage(error) {
  const errors = error?.problem?.errors;
  if (errors) {
    const first = Object.values(errors).flat()[0];
    if (first) return first;
  }
  return error.message;
}

// "a todo list for my groceries" → "T": the first word that says what the app is.
const filler = new Set(["a", "an", "the", "make", "build", "create", "me", "my", "i", "want", "need", "please", "can", "you", "simple", "small", "little", "new", "app", "for", "of", "to"]);

function monogram(prompt) {
  const words = prompt.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const word = words.find((candidate) => !filler.has(candidate)) ?? words[0] ?? "?";
  return word[0].toUpperCase();
}

/** A stable colour per project, so cards are told apart at a glance. */
function hue(id) {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return hash % 360;
}

export class HomeView {
  constructor(main) {
    this.main = main;
    this.root = fromTemplate("tpl-home");
    this.list = $("#project-list", this.root);
    this.timer = 0;
    this.destroyed = false;
    this.projects = null;
    main.replaceChildren(this.root);
    document.title = "Kiln — build an app from a prompt";

    const form = $("#new-project-form", this.root);
    const prompt = $("#new-prompt", this.root);
    submitOnCtrlEnter(prompt);
    const fit = autoGrow(prompt);
    this.attachments = attachFiles(form, prompt);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.start(prompt.value);
    });
    prompt.addEventListener("input", () => ($("#new-error", this.root).hidden = true));
    const picker = $("#new-model", this.root);
    fillModelPicker(picker, lastModel.get());
    picker.addEventListener("change", () => lastModel.set(picker.value));
    for (const chip of this.root.querySelectorAll("[data-idea]")) {
      chip.addEventListener("click", () => {
        prompt.value = chip.dataset.idea;
        fit();
        prompt.focus();
      });
    }
    $("#projects-retry", this.root).addEventListener("click", () => this.load());
    mountImport($(".hero", this.root));
    prompt.focus();
    this.load();
  }

  destroy() {
    this.destroyed = true;
    clearTimeout(this.timer);
    topStatus(null);
  }

  async start(text) {
    const error = $("#new-error", this.root);
    const button = $("#new-submit", this.root);
    if (!text.trim()) {
      error.textContent = "Describe the app to build first, for example “a todo list with due dates”.";
      error.hidden = false;
      $("#new-prompt", this.root).focus();
      return;
    }
    button.disabled = true;
    button.classList.add("working");
    try {
      const picker = $("#new-model", this.root);
      const started = await projects.generate(text, undefined, this.attachments.files(), picker.hidden ? null : picker.value);
      navigate(`/projects/${encodeURIComponent(started.projectId)}`);
    } catch (failure) {
      error.textContent = problemMessage(failure);
      error.hidden = false;
    } finally {
      button.disabled = false;
      button.classList.remove("working");
    }
  }

  async load() {
    clearTimeout(this.timer);
    try {
      const list = await projects.list();
      if (this.destroyed) return;
      this.projects = list;
      topStatus(null);
      $("#projects-banner", this.root).hidden = true;
      $("#projects-error", this.root).hidden = true;
      this.render();
      // Refresh soon while something is building, now and then otherwise (ages, other tabs' projects).
      this.timer = setTimeout(() => this.load(), list.some((project) => isBusy(project.status)) ? 2000 : 15000);
    } catch (error) {
      if (this.destroyed) return;
      if (error instanceof UnreachableError) {
        topStatus("Can't reach Kiln — retrying…");
        const banner = $("#projects-banner", this.root);
        banner.textContent = "Kiln isn't answering right now. It may be restarting; this list refreshes as soon as it is back.";
        banner.hidden = false;
        this.timer = setTimeout(() => this.load(), 2000);
        if (this.projects === null) this.list.setAttribute("aria-busy", "false");
        return;
      }
      $("#projects-error-text", this.root).textContent =
        error instanceof ApiError && error.status === 401 ? "Kiln needs its access token to list projects." : `Couldn't load your projects: ${error.message}`;
      $("#projects-error", this.root).hidden = false;
      this.list.setAttribute("aria-busy", "false");
    }
  }

  render() {
    const list = this.projects ?? [];
    this.list.setAttribute("aria-busy", "false");
    $("#projects-empty", this.root).hidden = list.length > 0;
    $("#project-count", this.root).textContent = list.length ? String(list.length) : "";
    const focusedId = document.activeElement?.closest?.("[data-project-id]")?.dataset.projectId;
    this.list.replaceChildren(...list.map((project) => this.card(project)));
    if (focusedId) $(`[data-project-id="${CSS.escape(focusedId)}"] .card-link`, this.list)?.focus();
  }

  card(project) {
    const href = `/projects/${encodeURIComponent(project.projectId)}`;
    const prompts = project.promptCount > 1 ? h("span", {}, `${project.promptCount} prompts`) : null;
    return h("li", { class: "project-card", dataset: { projectId: project.projectId, status: project.status } },
      h("a", { class: "card-link", href, "data-link": true },
        h("span", { class: "card-initial", "aria-hidden": "true", style: { "--hue": hue(project.projectId) } }, monogram(project.prompt)),
        h("span", { class: "card-body" },
          h("span", { class: "card-prompt" }, project.prompt),
          h("span", { class: "card-meta" },
            statusPill(project.status),
            h("time", { datetime: project.updatedAt, title: new Date(project.updatedAt).toLocaleString() }, ago(project.updatedAt)),
            prompts))),
      h("button", {
        type: "button", class: "btn btn-ghost btn-icon card-delete", "aria-label": `Delete project “${project.prompt.slice(0, 60)}”`,
        title: "Delete project", html: icon("trash"), onclick: () => this.remove(project),
      }));
  }

  async remove(project) {
    const confirmed = await confirmDialog({
      title: "Delete this project?",
      text: `“${project.prompt.slice(0, 120)}” — its files, prompts and history are removed for good.`,
    });
    if (!confirmed) return;
    try {
      await projects.remove(project.projectId);
      forgetEvents(project.projectId);
      this.projects = (this.projects ?? []).filter((other) => other.projectId !== project.projectId);
      this.render();
      toast("Project deleted.");
      $("#new-prompt", this.root)?.focus();
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.load();
        return;
      }
      toast(`Couldn't delete it: ${error.message}`, "error");
    }
  }
}
