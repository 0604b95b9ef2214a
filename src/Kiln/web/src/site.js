// Publishing: the Publish button in a project's header, the live site's URL beside it once published, and a panel with
// the releases (each built from a version), "Activate" to roll back to one and "Take down". Kiln builds and serves the
// site on its own origin (s-{id}.localhost); the page only asks and shows.

import { ApiError, api } from "./api.js";
import { ago, bytes, h } from "./dom.js";
import { iconNode } from "./icons.js";
import { toast } from "./ui.js";

const base = (id) => `/api/projects/${encodeURIComponent(id)}`;

export const sitesApi = {
  publish: (id) => api(`${base(id)}/publish`, { method: "POST" }),
  takeDown: (id) => api(`${base(id)}/publish`, { method: "DELETE" }),
  releases: (id) => api(`${base(id)}/releases`),
  activate: (id, release) => api(`${base(id)}/releases/${release}/activate`, { method: "POST" }),
};

const changes = new Set(["published", "publish_failed"]);

export class SitePanel {
  /**
   * @param {HTMLElement} root the project view, holding #publish, #site-link and #site-panel
   * @param {string} projectId
   * @param {{ isBusy: () => boolean }} options
   */
  constructor(root, projectId, { isBusy }) {
    this.projectId = projectId;
    this.isBusy = isBusy;
    this.button = root.querySelector("#publish");
    this.link = root.querySelector("#site-link");
    this.panel = root.querySelector("#site-panel");
    this.site = { url: null, active: null, releases: [] };
    this.publishing = false;
    this.failure = null;
    this.destroyed = false;
    this.panel.addEventListener("toggle", (event) => {
      if (event.newState === "open") this.refresh();
    });
    this.refresh();
  }

  destroy() {
    this.destroyed = true;
    this.panel.hidePopover?.();
  }

  /** Every event of the project's stream; a publish made elsewhere (another tab, the API) shows here too. */
  onEvent(event, { replayed }) {
    if (replayed) return;
    if (event.type === "publish_started") this.setPublishing(true);
    if (changes.has(event.type)) {
      this.setPublishing(false);
      this.refresh();
    }
  }

  async refresh() {
    try {
      const site = await sitesApi.releases(this.projectId);
      if (this.destroyed) return;
      this.site = site;
      this.render();
    } catch {
      // Shown again on the next publish event or when the panel opens.
    }
  }

  setPublishing(publishing) {
    this.publishing = publishing;
    this.button.disabled = publishing;
    this.button.querySelector("span").textContent = publishing ? "Publishing…" : "Publish";
    this.render();
  }

  async publish() {
    if (this.isBusy()) {
      this.failure = { title: "Kiln is still working on this app", detail: "Publish when the generation has finished." };
      return this.render();
    }
    this.failure = null;
    this.setPublishing(true);
    try {
      const published = await sitesApi.publish(this.projectId);
      toast(`Published release ${published.release}.`);
    } catch (error) {
      this.failure = error instanceof ApiError
        ? { title: error.title ?? "Publishing failed", detail: error.problem?.detail ?? error.message }
        : { title: "Publishing failed", detail: error.message };
    } finally {
      if (!this.destroyed) {
        this.setPublishing(false);
        await this.refresh();
      }
    }
  }

  async activate(release) {
    try {
      await sitesApi.activate(this.projectId, release);
      toast(`Release ${release} is live again.`);
    } catch (error) {
      toast(`Couldn't activate it: ${error.message}`, "error");
    }
    await this.refresh();
  }

  async takeDown() {
    try {
      await sitesApi.takeDown(this.projectId);
      toast("The site was taken down. Its releases are kept.");
    } catch (error) {
      toast(`Couldn't take it down: ${error.message}`, "error");
    }
    await this.refresh();
  }

  render() {
    const { url, active, releases = [] } = this.site;
    this.link.hidden = !url;
    if (url) {
      this.link.href = url;
      this.link.querySelector(".site-link-text").textContent = new URL(url).host;
    }

    const live = releases.find((release) => release.number === active);
    const [detail, ...lines] = (this.failure?.detail ?? "").split("\n");
    // replaceChildren would write a null as the text "null".
    this.panel.replaceChildren(...[
      h("div", { class: "site-head" },
        h("h2", { class: "site-title" }, "Publish"),
        h("button", { type: "button", class: "btn btn-ghost btn-icon btn-small", "aria-label": "Close", title: "Close", onclick: () => this.panel.hidePopover() }, iconNode("x"))),
      url
        ? h("p", { class: "site-live" }, iconNode("globe"), h("span", {}, "Live at "), h("a", { href: url, target: "_blank", rel: "noopener", class: "site-url" }, url))
        : h("p", { class: "site-live muted" }, releases.length ? "The site is down. Activate a release to serve it again." : "Not published yet. Publishing builds the app and serves it at its own address, without the dev server."),
      live ? h("p", { class: "muted site-serving" }, `Release ${live.number}${live.version ? `, built from version ${live.version}` : ""}`) : null,
      this.failure
        ? h("div", { class: "site-failure", role: "alert" },
          h("strong", {}, this.failure.title),
          h("p", {}, detail),
          lines.length ? h("pre", { class: "site-output" }, lines.join("\n")) : null)
        : null,
      h("div", { class: "site-actions" },
        h("button", { type: "button", class: "btn btn-primary btn-small", disabled: this.publishing, onclick: () => this.publish() },
          this.publishing ? "Publishing…" : releases.length ? "Publish again" : "Publish now"),
        url ? h("button", { type: "button", class: "btn btn-small btn-danger-outline", onclick: () => this.takeDown() }, "Take down") : null),
      releases.length
        ? h("div", { class: "site-releases" },
          h("h3", {}, "Releases"),
          h("ol", { class: "release-list" },
            [...releases].reverse().map((release) => h("li", { class: `release${release.active ? " release-active" : ""}`, dataset: { release: release.number } },
              h("span", { class: "release-name" }, `Release ${release.number}`),
              h("span", { class: "muted release-meta" },
                `${release.version ? `version ${release.version} · ` : ""}${ago(new Date(release.at))} · ${release.files} file${release.files === 1 ? "" : "s"}, ${bytes(release.bytes)}`),
              release.active
                ? h("span", { class: "pill pill-ready" }, "Live")
                : h("button", { type: "button", class: "btn btn-small", onclick: () => this.activate(release.number) }, "Activate")))))
        : null,
    ].filter(Boolean));
  }
}
