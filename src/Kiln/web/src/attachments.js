// Files attached to a prompt: an Attach button, drag and drop onto the prompt box, and paste (an image copied to
// the clipboard). Images show as thumbnails, other files as chips; each can be removed before sending. Kiln checks
// every file again (type from its bytes, size) and says what it refuses.

import { h, bytes } from "./dom.js";

const accept = ".png,.jpg,.jpeg,.gif,.webp,.txt,.md,.json,.csv,.svg,.html,.css,.js,.ts";
const maxFiles = 8;

/**
 * Adds attachments to a composer form. Returns { files(), clear() }: the files to send with the prompt, and a way to
 * empty the list once they were sent.
 */
export function attachFiles(form, textarea) {
  let files = [];
  const input = h("input", { type: "file", multiple: true, accept, class: "visually-hidden", tabindex: "-1", "aria-hidden": "true" });
  const list = h("ul", { class: "attachments", "aria-label": "Attached files", hidden: true });
  const button = h(
    "button",
    { type: "button", class: "btn btn-ghost btn-small attach-button", title: "Attach images or text files (or drop or paste them here)" },
    "Attach",
  );
  button.addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    add([...input.files]);
    input.value = "";
  });

  const bar = form.querySelector(".composer-bar");
  form.insertBefore(list, bar);
  bar.prepend(button, input);

  form.addEventListener("dragover", (event) => {
    if (![...(event.dataTransfer?.types ?? [])].includes("Files")) return;
    event.preventDefault();
    form.classList.add("dragging");
  });
  form.addEventListener("dragleave", (event) => {
    if (!form.contains(event.relatedTarget)) form.classList.remove("dragging");
  });
  form.addEventListener("drop", (event) => {
    form.classList.remove("dragging");
    if (!event.dataTransfer?.files?.length) return;
    event.preventDefault();
    add([...event.dataTransfer.files]);
  });
  textarea.addEventListener("paste", (event) => {
    const pasted = [...(event.clipboardData?.files ?? [])];
    if (pasted.length === 0) return; // Text pastes as text.
    event.preventDefault();
    add(pasted.map((file, index) => (file.name && file.name !== "image.png" ? file : rename(file, index))));
  });

  function add(more) {
    files = [...files, ...more].slice(0, maxFiles);
    render();
  }

  function remove(file) {
    files = files.filter((candidate) => candidate !== file);
    render();
    textarea.focus();
  }

  function render() {
    for (const image of list.querySelectorAll("img")) URL.revokeObjectURL(image.src);
    list.replaceChildren(
      ...files.map((file) =>
        h(
          "li",
          { class: "attachment", title: `${file.name} (${bytes(file.size)})` },
          file.type.startsWith("image/") && file.type !== "image/svg+xml"
            ? h("img", { class: "attachment-thumb", src: URL.createObjectURL(file), alt: "" })
            : h("span", { class: "attachment-thumb attachment-kind" }, extension(file.name)),
          h("span", { class: "attachment-name" }, file.name),
          h("span", { class: "attachment-size" }, bytes(file.size)),
          h("button", { type: "button", class: "attachment-remove", "aria-label": `Remove ${file.name}`, onclick: () => remove(file) }, "×"),
        ),
      ),
    );
    list.hidden = files.length === 0;
  }

  return {
    files: () => [...files],
    clear() {
      files = [];
      render();
    },
  };
}

function extension(name) {
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).slice(0, 4).toUpperCase() : "FILE";
}

// Pasted screenshots all arrive as "image.png": give each its own name.
function rename(file, index) {
  const type = file.type.split("/")[1] || "png";
  const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
  return new File([file], `pasted-${stamp}${index ? `-${index + 1}` : ""}.${type === "jpeg" ? "jpg" : type}`, { type: file.type });
}
