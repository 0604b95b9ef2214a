// "Import" on the home page: an existing app, as a zip of its folder or a git repository, becomes a new project. Drop
// the zip on the panel, choose it, or paste the repository's https:// URL; Kiln unpacks it (refusing unsafe entries, and saying which and why), makes it version 1,
// installs it and starts it, and the page moves to the new project while that happens.

import { api } from "./api.js";
import { h } from "./dom.js";
import { problemMessage } from "./home.js";
import { navigate } from "./ui.js";

export const importApi = {
  zip: (file) => {
    const form = new FormData();
    form.append("file", file, file.name);
    return api("/api/import", { method: "POST", body: form });
  },
  git: (gitUrl, branch, token) =>
    api("/api/import", { method: "POST", body: { gitUrl, ...(branch ? { branch } : {}), ...(token ? { token } : {}) } }),
};

/** Adds the import panel to the end of `container`. */
export function mountImport(container) {
  const input = h("input", { type: "file", accept: ".zip,application/zip", class: "visually-hidden", id: "import-file", tabindex: "-1" });
  const choose = h("button", { type: "button", class: "btn btn-small", id: "import-choose" }, "Choose a zip…");
  const status = h("span", { class: "import-status", id: "import-status", role: "status" });
  const error = h("p", { class: "form-error", id: "import-error", role: "alert", hidden: true });
  const gitUrl = h("input", { class: "input", id: "import-git-url", type: "url", placeholder: "https://github.com/you/app.git", "aria-label": "Git repository URL", spellcheck: "false" });
  const gitBranch = h("input", { class: "input import-branch", id: "import-git-branch", placeholder: "branch (default)", "aria-label": "Branch", spellcheck: "false" });
  const gitToken = h("input", { class: "input import-branch", id: "import-git-token", type: "password", placeholder: "token (private repo)", "aria-label": "Access token", autocomplete: "off" });
  const gitSubmit = h("button", { type: "submit", class: "btn btn-small", id: "import-git-submit" }, "Import from git");
  const gitForm = h("form", { class: "import-git", id: "import-git-form", novalidate: true }, gitUrl, gitBranch, gitToken, gitSubmit);
  const panel = h(
    "section",
    { class: "import-panel", id: "import-panel", "aria-labelledby": "import-title" },
    h("h2", { class: "import-title", id: "import-title" }, "Import an app"),
    h("p", { class: "import-hint" }, "Drop a zip of an app's folder here (a Vite, Next.js or static site; GitHub's “Download ZIP” works), ", choose, ", or paste a git URL."),
    input,
    gitForm,
    status,
    error,
  );
  container.append(panel);

  choose.addEventListener("click", () => input.click());
  gitForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!gitUrl.value.trim()) {
      error.textContent = "Paste the repository's https:// URL, such as https://github.com/you/app.git.";
      error.hidden = false;
      return;
    }
    run(`Fetching ${gitUrl.value.trim()}…`, () => importApi.git(gitUrl.value.trim(), gitBranch.value.trim(), gitToken.value));
  });
  input.addEventListener("change", () => {
    if (input.files?.length) send(input.files[0]);
    input.value = "";
  });
  panel.addEventListener("dragover", (event) => {
    if (![...(event.dataTransfer?.types ?? [])].includes("Files")) return;
    event.preventDefault();
    panel.classList.add("dragging");
  });
  panel.addEventListener("dragleave", (event) => {
    if (!panel.contains(event.relatedTarget)) panel.classList.remove("dragging");
  });
  panel.addEventListener("drop", (event) => {
    panel.classList.remove("dragging");
    if (!event.dataTransfer?.files?.length) return;
    event.preventDefault();
    send(event.dataTransfer.files[0]);
  });

  function send(file) {
    if (!/\.zip$/i.test(file.name)) {
      error.textContent = `“${file.name}” is not a zip. Zip the app's folder and drop the .zip here.`;
      error.hidden = false;
      return;
    }
    run(`Importing ${file.name}…`, () => importApi.zip(file));
  }

  async function run(what, call) {
    error.hidden = true;
    choose.disabled = gitSubmit.disabled = true;
    panel.setAttribute("aria-busy", "true");
    status.textContent = what;
    try {
      const started = await call();
      navigate(`/projects/${encodeURIComponent(started.projectId)}`);
    } catch (failure) {
      status.textContent = "";
      error.textContent = problemMessage(failure);
      error.hidden = false;
    } finally {
      choose.disabled = gitSubmit.disabled = false;
      panel.removeAttribute("aria-busy");
    }
  }
}
