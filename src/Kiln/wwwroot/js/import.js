// "Import" on the home page: an existing app, as a zip of its folder, becomes a new project. Drop the zip on the
// panel or choose it; Kiln unpacks it (refusing unsafe entries, and saying which and why), makes it version 1,
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
};

/** Adds the import panel to the end of `container`. */
export function mountImport(container) {
  const input = h("input", { type: "file", accept: ".zip,application/zip", class: "visually-hidden", id: "import-file", tabindex: "-1" });
  const choose = h("button", { type: "button", class: "btn btn-small", id: "import-choose" }, "Choose a zip…");
  const status = h("span", { class: "import-status", id: "import-status", role: "status" });
  const error = h("p", { class: "form-error", id: "import-error", role: "alert", hidden: true });
  const panel = h(
    "section",
    { class: "import-panel", id: "import-panel", "aria-labelledby": "import-title" },
    h("h2", { class: "import-title", id: "import-title" }, "Import an app"),
    h("p", { class: "import-hint" }, "Drop a zip of an app's folder here (a Vite, Next.js or static site; GitHub's “Download ZIP” works), or ", choose, "."),
    input,
    status,
    error,
  );
  container.append(panel);

  choose.addEventListener("click", () => input.click());
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

  async function send(file) {
    error.hidden = true;
    if (!/\.zip$/i.test(file.name)) {
      error.textContent = `“${file.name}” is not a zip. Zip the app's folder and drop the .zip here.`;
      error.hidden = false;
      return;
    }
    choose.disabled = true;
    panel.setAttribute("aria-busy", "true");
    status.textContent = `Importing ${file.name}…`;
    try {
      const started = await importApi.zip(file);
      navigate(`/projects/${encodeURIComponent(started.projectId)}`);
    } catch (failure) {
      status.textContent = "";
      error.textContent = problemMessage(failure);
      error.hidden = false;
    } finally {
      choose.disabled = false;
      panel.removeAttribute("aria-busy");
    }
  }
}
