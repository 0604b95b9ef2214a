// A project's page: the timeline and follow-up box on one side, the preview and the code on the other
// (one panel at a time on a phone), all kept current by the project's event stream.

import { ApiError, UnreachableError, projects } from "./api.js";
import { attachFiles } from "./attachments.js";
import { $, $$, autoGrow, debounce, duration, fromTemplate, isBusy, statusPill, submitOnCtrlEnter, tokens, usd } from "./dom.js";
import { fillModelPicker } from "./models.js";
import { ErrorsPanel } from "./errors.js";
import { FileBrowser } from "./files.js";
import { problemMessage } from "./home.js";
import { Preview } from "./preview.js";
import { PreviewSelect } from "./select.js";
import { SitePanel } from "./site.js";
import { EnvironmentPanel } from "./environment.js";
import { GitPanel } from "./git.js";
import { ProjectStream, forgetEvents } from "./stream.js";
import { Timeline } from "./timeline.js";
import { attachModeToggle, buildPrompt, PlanAnswers } from "./planmode.js";
import { confirmDialog, navigate, toast, topStatus } from "./ui.js";
import { VersionsPanel } from "./versions.js";

const wide = matchMedia("(min-width: 900px)");

export class ProjectView {
  constructor(main, projectId) {
    this.main = main;
    this.projectId = projectId;
    this.root = fromTemplate("tpl-project");
    this.status = null; // the last status response
    this.state = null; // queued | generating | ready | …, from events once they arrive
    this.startedAt = null;
    this.activity = "";
    this.destroyed = false;
    this.stream = null;
    this.ticker = 0;
    this.retryTimer = 0;
    main.replaceChildren(this.root);

    this.timeline = new Timeline($("#timeline", this.root), {
      onOpenFile: (path) => this.openFile(path),
      onShowPreview: () => this.selectTab("preview", { focus: !wide.matches }),
      onShowVersion: (number) => {
        this.selectTab("versions", { focus: true });
        this.versions.show(number);
      },
    });
    this.files = new FileBrowser($("#panel-code", this.root), projectId, $$(".file-count", this.root));
    this.preview = new Preview($("#panel-preview", this.root));
    this.select = new PreviewSelect($("#panel-preview", this.root), this.preview, (text) => this.promptAbout(text));
    this.versions = new VersionsPanel($("#panel-versions", this.root), projectId, { isBusy: () => isBusy(this.state), counters: $$(".version-count", this.root) });
    this.errors = new ErrorsPanel($("#errors", this.root), projectId);
    this.site = new SitePanel(this.root, projectId, { isBusy: () => isBusy(this.state) });
    this.environment = new EnvironmentPanel(this.root, projectId);
    this.git = new GitPanel(this.root, projectId);
    this.refreshStatus = debounce(() => this.loadStatus(), 250);
    this.wire();
    this.load();
  }

  destroy() {
    this.destroyed = true;
    this.stream?.stop();
    clearInterval(this.ticker);
    clearTimeout(this.retryTimer);
    this.refreshStatus.cancel();
    this.errors.destroy();
    this.site.destroy();
    this.environment.destroy();
    this.git.destroy();
    this.select.destroy();
    this.files.destroy();
    wide.removeEventListener("change", this.onResize);
    topStatus(null);
  }

  wire() {
    const root = this.root;
    const prompt = $("#followup-prompt", root);
    submitOnCtrlEnter(prompt);
    autoGrow(prompt);
    this.attachments = attachFiles($("#followup-form", root), prompt);
    this.modeToggle = attachModeToggle($("#followup-form", root));
    this.plans = new PlanAnswers($("#timeline", root), (plan) => this.buildPlan(plan));
    this.modelPicked = false;
    prompt.addEventListener("input", () => ($("#followup-error", root).hidden = true));
    $("#followup-form", root).addEventListener("submit", (event) => {
      event.preventDefault();
      this.followUp(prompt);
    });
    $("#cancel", root).addEventListener("click", () => this.cancel());
    $("#delete", root).addEventListener("click", () => this.remove());
    $("#download", root).href = projects.downloadUrl(this.projectId);
    $("#stream-retry", root).addEventListener("click", () => this.stream?.retryNow());

    const tabs = $$('[role="tab"]', root);
    for (const tab of tabs) {
      tab.addEventListener("click", () => this.selectTab(tab.dataset.tab));
      tab.addEventListener("keydown", (event) => {
        const visible = tabs.filter((candidate) => candidate.offsetParent !== null);
        const index = visible.indexOf(tab);
        const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: visible.length - 1 }[event.key];
        if (next === undefined) return;
        event.preventDefault();
        const target = visible[(next + visible.length) % visible.length];
        this.selectTab(target.dataset.tab, { focus: true });
      });
    }
    this.onResize = () => this.selectTab(this.root.dataset.tab);
    wide.addEventListener("change", this.onResize);
    this.selectTab(wide.matches ? "preview" : "chat");

    // Keep the newest event in view unless the person scrolled up to read.
    const scroller = $("#timeline-scroll", root);
    const jump = $("#jump-latest", root);
    scroller.addEventListener("scroll", () => {
      if (this.nearBottom()) jump.hidden = true;
    });
    jump.addEventListener("click", () => {
      scroller.scrollTop = scroller.scrollHeight;
      jump.hidden = true;
    });
  }

  nearBottom() {
    const scroller = $("#timeline-scroll", this.root);
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  }

  /** chat | preview | code. On a wide screen the chat is always shown, so "chat" means the preview beside it. */
  selectTab(name, { focus = false } = {}) {
    const tab = wide.matches && name === "chat" ? "preview" : name;
    this.root.dataset.tab = tab;
    for (const button of $$('[role="tab"]', this.root)) {
      const selected = button.dataset.tab === tab;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
      if (selected && focus) button.focus();
    }
  }

  openFile(path) {
    this.selectTab("code");
    this.files.reveal(path);
  }

  async load() {
    clearTimeout(this.retryTimer);
    let project;
    try {
      project = await projects.get(this.projectId);
    } catch (error) {
      if (this.destroyed) return;
      if (error instanceof ApiError && error.status === 404) return this.missing();
      if (error instanceof UnreachableError) {
        topStatus("Can't reach Kiln — retrying…");
        this.retryTimer = setTimeout(() => this.load(), 2000);
        return;
      }
      return this.missing(`Couldn't open this project: ${error.message}`);
    }
    if (this.destroyed) return;
    topStatus(null);
    const title = project.prompts[0]?.text ?? this.projectId;
    $("#project-title", this.root).textContent = title;
    $("#project-title", this.root).title = title;
    this.title = title;
    this.previewLink = project.links?.preview ?? null;
    // Events up to here happened before this page opened: the stream catches up on them, and they must not reload
    // the preview the page shows as it is now.
    this.historyUntil = project.lastSeq ?? 0;
    this.applyStatus(project.project);
    this.loadFiles();
    this.versions.load();
    this.errors.refresh();
    this.stream = new ProjectStream(this.projectId, {
      onEvent: (event, info) => this.onEvent(event, info),
      onState: (state, detail) => this.onStreamState(state, detail),
      onResync: () => {
        this.loadStatus();
        this.loadFiles();
        this.errors.refresh();
      },
    }).start();
    this.ticker = setInterval(() => this.renderProgress(), 1000);
    $("#project-title", this.root).focus({ preventScroll: true });
    const scroller = $("#timeline-scroll", this.root);
    scroller.scrollTop = scroller.scrollHeight;
  }

  missing(text) {
    forgetEvents(this.projectId);
    this.stream?.stop();
    const element = fromTemplate("tpl-missing");
    if (text) $(".missing-text", element).textContent = text;
    this.main.replaceChildren(element);
    document.title = "Not found — Kiln";
    $("h1", element).focus();
  }

  async loadFiles() {
    try {
      const list = await projects.files(this.projectId);
      if (!this.destroyed) this.files.setFiles(list);
    } catch {
      // The stream's reconnection calls this again; the tree keeps what it has meanwhile.
    }
  }

  async loadStatus() {
    try {
      const status = await projects.status(this.projectId);
      if (!this.destroyed) this.applyStatus(status);
    } catch {
      // As above: shown again on the next event or reconnection.
    }
  }

  applyStatus(status) {
    // The picker shows the project's model, which its follow-ups keep unless another is picked.
    if (!this.modelPicked && status.model) {
      this.modelPicked = true;
      fillModelPicker($("#followup-model", this.root), status.model);
    }
    this.status = status;
    // Events are the live truth; the status response fills in what they don't carry (usage, cost, preview URL).
    if (this.state === null || !this.stream) this.setState(status.status);
    const usage = status.usage ?? {};
    const parts = [];
    if (usage.inputTokens || usage.outputTokens) parts.push(`${tokens(usage.inputTokens)} in · ${tokens(usage.outputTokens)} out tokens`);
    if (usage.cacheReadTokens) parts.push(`${tokens(usage.cacheReadTokens)} cached`);
    if (status.offlineModel) parts.push("offline model");
    else {
      if (status.costUsd !== null && status.costUsd !== undefined) parts.push(usd(status.costUsd));
      if (status.model) parts.push(status.model);
    }
    const total = $(".project-usage", this.root);
    total.textContent = parts.join(" · ");
    total.title = "The project's total: every prompt's tokens and cost, and its model";
    if (status.previewUrl) this.preview.show(status.previewUrl);
    this.select.setAvailable(status.selectMode);
  }

  /** Starts the follow-up with where the person pointed in the preview, keeping what they had typed. */
  promptAbout(text) {
    const prompt = $("#followup-prompt", this.root);
    prompt.value = text + prompt.value;
    prompt.dispatchEvent(new Event("input"));
    if (!wide.matches) this.selectTab("chat");
    prompt.focus();
    prompt.setSelectionRange(prompt.value.length, prompt.value.length);
  }

  // How full the agent's context was when the last generation ended; amber past 75 %, red past 90 %.
  showContext({ tokens: used, window }) {
    const meter = $(".context-meter", this.root);
    if (!(window > 0)) return;
    const percent = Math.min(100, Math.round((used / window) * 100));
    meter.hidden = false;
    meter.dataset.level = percent > 90 ? "full" : percent > 75 ? "high" : "ok";
    $(".context-meter-text", meter).textContent = `context ${tokens(used)} / ${tokens(window)}`;
    $(".context-meter-fill", meter).style.width = `${percent}%`;
    const bar = $(".context-meter-bar", meter);
    bar.setAttribute("aria-valuenow", String(percent));
    bar.setAttribute("aria-valuetext", `${percent}%`);
    meter.title =
      `The agent's context window was ${percent}% full when the last generation ended: ` +
      `${used.toLocaleString()} of ${window.toLocaleString()} tokens. It holds the conversation so far, the instructions ` +
      "and the tools; as it fills, older parts of the conversation are shortened or summarised, and the agent may forget details from them.";
  }

  setState(state) {
    if (!state) return;
    this.state = state;
    const busy = isBusy(state);
    $(".project-status", this.root).replaceChildren(statusPill(state));
    $("#cancel", this.root).hidden = !busy;
    const submit = $("#followup-submit", this.root);
    submit.disabled = busy;
    $("#followup-hint", this.root).hidden = busy;
    $("#followup-busy", this.root).hidden = !busy;
    this.preview.setBusy(busy);
    this.versions.setBusy(busy);
    this.errors.setBusy(busy);
    document.title = `${busy ? "● " : ""}${this.title ?? "Project"} — Kiln`;
    this.renderProgress();
  }

  renderProgress() {
    const progress = $("#progress", this.root);
    const busy = isBusy(this.state);
    progress.hidden = !busy;
    if (!busy) return;
    const text = $("#progress-text", this.root);
    if (this.state === "queued") {
      text.textContent = "Waiting for a free slot…";
      return;
    }
    const elapsed = this.startedAt ? Math.max(0, Date.now() - this.startedAt) : 0;
    text.textContent = `Building${this.activity ? ` · ${this.activity}` : "…"}${elapsed >= 1000 ? ` · ${duration(Math.floor(elapsed / 1000) * 1000)}` : ""}`;
  }

  onEvent(event, { replayed: cached }) {
    const replayed = cached || event.seq <= (this.historyUntil ?? 0);
    const stick = this.nearBottom();
    this.timeline.add(event);
    this.plans.onEvent(event);
    this.errors.onEvent(event, { replayed });
    this.site.onEvent(event, { replayed });
    this.git.onEvent(event, { replayed });
    const data = event.data ?? {};
    switch (event.type) {
      case "generation_queued":
        this.setState("queued");
        break;
      case "generation_started":
        this.startedAt = new Date(event.at).getTime();
        this.activity = "";
        this.files.generationStarted();
        break;
      case "status_changed":
        this.setState(data.status);
        if (!replayed && !isBusy(data.status)) {
          this.refreshStatus();
          // The end of a generation is when Kiln has re-checked the latest version's pages.
          this.versions.refreshPages();
        }
        // Stopped or failed half-way: what was written so far is still worth seeing.
        if (!isBusy(data.status) && !this.preview.shown && this.files.files.has("index.html") && this.previewLink) {
          this.preview.show(this.previewLink);
        }
        break;
      case "agent_message":
        this.activity = "thinking";
        break;
      case "tool_executed":
        this.activity = `${data.tool ?? "tool"} ${data.ok === false ? "failed" : "done"}`;
        break;
      case "file_created":
      case "file_updated":
      case "file_deleted":
        this.activity = `${event.type === "file_deleted" ? "deleting" : "writing"} ${data.path ?? ""}`;
        this.files.apply(event, { replayed });
        if (!replayed && this.preview.shown && !isBusy(this.state)) this.preview.scheduleReload();
        break;
      case "command_output":
        this.activity = "running a command";
        break;
      case "preview_ready":
        this.preview.show(data.url ?? this.status?.previewUrl ?? `/api/projects/${encodeURIComponent(this.projectId)}/preview/`);
        if (!replayed) {
          this.preview.reload();
          // Whether it offers select mode depends on the app it now runs.
          this.refreshStatus();
        }
        break;
      case "generation_completed":
        // Replayed too: the last generation's count is the one that stays.
        if (data.context) this.showContext(data.context);
        if (!replayed) {
          this.loadStatus().then(() => {
            if (this.destroyed) return;
            const url = this.status?.previewUrl;
            if (url && !this.preview.shown) this.preview.show(url);
            else if (url) this.preview.reload();
          });
        }
        break;
      case "version_created":
        this.versions.apply(event);
        break;
      case "regression_found":
        if (!replayed) this.versions.refreshPages(data.version);
        break;
      case "version_restored":
        // A restore rewrote the files without file events: read them again and show the restored app.
        if (!replayed) {
          this.loadFiles();
          if (this.preview.shown) this.preview.reload();
        }
        break;
      default:
    }
    if (!replayed) this.renderProgress();
    $("#timeline-empty", this.root).hidden = true;
    const scroller = $("#timeline-scroll", this.root);
    if (stick || replayed) scroller.scrollTop = scroller.scrollHeight;
    else $("#jump-latest", this.root).hidden = false;
  }

  onStreamState(state, detail = {}) {
    const connection = $("#connection", this.root);
    const banner = $("#stream-banner", this.root);
    if (state === "gone") {
      if (!this.deleting) this.missing("This project was deleted.");
      return;
    }
    connection.dataset.state = state;
    if (state === "live") {
      connection.textContent = "Live";
      // Stored events follow the connection at once; only a project with none is quiet a second later.
      setTimeout(() => {
        if (!this.destroyed && this.timeline.isEmpty) $("#timeline-empty-text", this.root).textContent = "Nothing has happened in this project yet.";
      }, 1000);
      banner.hidden = true;
      topStatus(null);
    } else if (state === "reconnecting") {
      connection.textContent = "Reconnecting…";
      if (detail.retryIn > 0) {
        $("#stream-banner-text", this.root).textContent =
          `Lost the connection to Kiln. Reconnecting in ${Math.max(1, Math.round(detail.retryIn / 1000))} s — nothing is missed.`;
        banner.hidden = false;
        topStatus("Reconnecting…");
      }
    } else if (state === "connecting") {
      connection.textContent = "Connecting…";
    } else if (state === "unauthorized") {
      connection.textContent = "Needs token";
    }
  }

  async followUp(prompt) {
    const error = $("#followup-error", this.root);
    const text = prompt.value;
    if (!text.trim()) {
      error.textContent = "Write the change you want first.";
      error.hidden = false;
      prompt.focus();
      return;
    }
    const submit = $("#followup-submit", this.root);
    submit.disabled = true;
    try {
      // A model is sent only when it differs from the project's: the server keeps the project's otherwise.
      const picker = $("#followup-model", this.root);
      const model = !picker.hidden && picker.value && picker.value !== this.status?.model ? picker.value : null;
      const mode = this.modeToggle.mode();
      await projects.generate(text, this.projectId, this.attachments.files(), model, mode === "plan" ? "plan" : null);
      this.attachments.clear();
      prompt.value = "";
      prompt.dispatchEvent(new Event("input"));
      if (this.state && !isBusy(this.state)) this.setState("queued");
    } catch (failure) {
      error.textContent = problemMessage(failure);
      error.hidden = false;
      submit.disabled = isBusy(this.state);
    }
  }

  // "Build it" on a plan: the plan goes back as a build prompt, and the composer is back in Build mode.
  async buildPlan(plan) {
    try {
      await projects.generate(buildPrompt(plan), this.projectId);
      this.modeToggle.set("build");
      if (this.state && !isBusy(this.state)) this.setState("queued");
    } catch (failure) {
      const error = $("#followup-error", this.root);
      error.textContent = problemMessage(failure);
      error.hidden = false;
    }
  }

  async cancel() {
    const button = $("#cancel", this.root);
    button.disabled = true;
    try {
      await projects.cancel(this.projectId);
    } catch (error) {
      // 409: it finished on its own meanwhile.
      if (!(error instanceof ApiError && error.status === 409)) toast(`Couldn't stop it: ${error.message}`, "error");
      this.loadStatus();
    } finally {
      button.disabled = false;
    }
  }

  async remove() {
    const confirmed = await confirmDialog({
      title: "Delete this project?",
      text: `“${(this.title ?? "").slice(0, 120)}” — its files, prompts and history are removed for good.`,
    });
    if (!confirmed) return;
    this.deleting = true;
    try {
      await projects.remove(this.projectId);
      forgetEvents(this.projectId);
      toast("Project deleted.");
      navigate("/");
    } catch (error) {
      this.deleting = false;
      if (error instanceof ApiError && error.status === 404) {
        navigate("/");
        return;
      }
      toast(`Couldn't delete it: ${error.message}`, "error");
    }
  }
}
