// Select to edit: the Select button on the Preview panel. The preview runs on its own origin, so this page cannot
// read its DOM; it asks the preview's select script (/__kiln/select.js) to enter select mode with a postMessage, and
// the script answers with where the clicked element is written (its data-kiln-source, which Kiln's dev server adds
// to a Vite app's elements). The answer is taken from the preview's frame and origin alone.

import { $ } from "./dom.js";

/** "In src/components/Card.tsx:12 (the <button> “Save”): " for {source: "src/components/Card.tsx:12:5", tag, text}. */
export function locationPrompt({ source, tag, text }) {
  const [file, line] = String(source).split(":");
  const what = text ? `the <${tag}> “${text}”` : `the <${tag}>`;
  return `In ${file}:${line} (${what}): `;
}

export class PreviewSelect {
  /**
   * @param panel the Preview panel, which holds the .preview-select button
   * @param preview the Preview, whose frame and URL say who may answer
   * @param onPicked called with the prompt text for a picked element
   */
  constructor(panel, preview, onPicked) {
    this.button = $(".preview-select", panel);
    this.preview = preview;
    this.onPicked = onPicked;
    this.available = false;
    this.active = false;
    this.button.addEventListener("click", () => (this.active ? this.cancel() : this.start()));
    this.onMessage = (event) => this.receive(event);
    window.addEventListener("message", this.onMessage);
    // Esc cancels wherever the focus is: in the preview its script hears it, here (after pressing Select) this does.
    this.onKey = (event) => {
      if (event.key === "Escape" && this.active) this.cancel();
    };
    document.addEventListener("keydown", this.onKey);
    panel.addEventListener("preview-reloaded", () => this.setActive(false));
    this.update();
  }

  destroy() {
    window.removeEventListener("message", this.onMessage);
    document.removeEventListener("keydown", this.onKey);
  }

  /** Whether the project's preview offers select mode (the status's selectMode: a Vite app's dev server). */
  setAvailable(available) {
    this.available = Boolean(available);
    if (!this.available) this.setActive(false);
    this.update();
  }

  start() {
    const target = this.target();
    if (!target) return;
    target.frame.contentWindow.postMessage({ type: "kiln:select" }, target.origin);
    this.setActive(true);
  }

  cancel() {
    const target = this.target();
    if (target) target.frame.contentWindow.postMessage({ type: "kiln:select-cancel" }, target.origin);
    this.setActive(false);
  }

  receive(event) {
    const target = this.target();
    if (!target || event.source !== target.frame.contentWindow || event.origin !== target.origin) return;
    const data = event.data ?? {};
    if (data.type === "kiln:selected" && typeof data.source === "string") {
      this.setActive(false);
      this.onPicked(locationPrompt({ source: data.source, tag: String(data.tag ?? "element"), text: String(data.text ?? "") }));
    } else if (data.type === "kiln:select-cancelled") {
      this.setActive(false);
    }
  }

  target() {
    const frame = this.preview.frame;
    if (!frame?.contentWindow || !this.preview.url) return null;
    return { frame, origin: new URL(this.preview.url).origin };
  }

  setActive(active) {
    this.active = active;
    this.update();
  }

  update() {
    this.button.hidden = !this.available || !this.preview.shown;
    this.button.setAttribute("aria-pressed", String(this.active));
    this.button.title = this.active
      ? "Click an element in the preview (Esc cancels)"
      : "Select an element in the preview to ask for a change to it";
  }
}
