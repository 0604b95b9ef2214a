// The Preview panel: the running app in a sandboxed frame, with reload, open-in-new-tab and its URL.

import { $, debounce } from "./dom.js";

// Same-origin previews get no allow-same-origin: the app must not act as this page (its API, its token).
// A preview on its own origin may keep its storage.
const sandbox = "allow-scripts allow-forms allow-modals allow-popups allow-downloads";

export class Preview {
  constructor(panel) {
    this.panel = panel;
    this.stage = $(".preview-stage", panel);
    this.empty = $(".preview-empty", panel);
    this.emptyText = $(".preview-empty-text", panel);
    this.link = $(".preview-url", panel);
    this.openTab = $(".preview-open", panel);
    this.reloadButton = $(".preview-reload", panel);
    this.url = null;
    this.frame = null;
    this.busy = false;
    this.scheduleReload = debounce(() => this.reload(), 500);
    this.reloadButton.addEventListener("click", () => this.reload());
    for (const button of panel.querySelectorAll("[data-device]")) {
      button.addEventListener("click", () => this.device(button.dataset.device));
    }
    this.update();
  }

  get shown() {
    return this.url !== null;
  }

  /** Shows the app at `url` (relative or absolute); the frame loads it once, and again on reload(). */
  show(url) {
    if (!url) return;
    const absolute = new URL(url, location.href);
    if (this.url === absolute.href) return;
    this.url = absolute.href;
    this.frame?.remove();
    const frame = document.createElement("iframe");
    frame.className = "preview-frame loading";
    frame.id = "preview-frame";
    frame.title = "Preview of the app";
    frame.setAttribute("sandbox", absolute.origin === location.origin ? sandbox : `${sandbox} allow-same-origin`);
    frame.addEventListener("load", () => frame.classList.remove("loading"));
    frame.src = this.url;
    this.frame = frame;
    this.stage.append(frame);
    this.update();
  }

  reload() {
    this.scheduleReload.cancel();
    if (!this.frame) return;
    this.frame.classList.add("loading");
    // Assigning src navigates again even when it is unchanged; the preview is served no-cache.
    this.frame.src = this.url;
    this.panel.dispatchEvent(new CustomEvent("preview-reloaded", { bubbles: true }));
  }

  setBusy(busy) {
    this.busy = busy;
    this.update();
  }

  device(kind) {
    this.stage.classList.toggle("phone", kind === "phone");
    for (const button of this.panel.querySelectorAll("[data-device]")) {
      button.setAttribute("aria-pressed", String(button.dataset.device === kind));
    }
  }

  update() {
    const shown = this.shown;
    this.empty.hidden = shown;
    this.link.textContent = shown ? this.url.replace(/^https?:\/\//, "") : "No preview yet";
    this.link.toggleAttribute("href", shown);
    this.openTab.toggleAttribute("href", shown);
    this.openTab.setAttribute("aria-disabled", String(!shown));
    this.reloadButton.disabled = !shown;
    if (shown) {
      this.link.href = this.url;
      this.openTab.href = this.url;
    }
    this.emptyText.textContent = this.busy
      ? "Your app appears here as soon as it has a page to show."
      : "Nothing to show yet. The preview appears when the app has an index.html.";
    this.empty.classList.toggle("busy", this.busy);
  }
}
