// Page-wide pieces: client-side navigation, the confirm and token dialogs, toasts and the top bar's status line.

import { $, h } from "./dom.js";
import { token } from "./api.js";

let onRoute = () => {};

export function setRouter(route) {
  onRoute = route;
}

// What leaving the page would drop: each check answers a sentence while it holds unsaved work, else null.
const unsaved = new Set();

/** Registers a check of unsaved work; returns the function that removes it again. */
export function holdUnsaved(check) {
  unsaved.add(check);
  return () => unsaved.delete(check);
}

function unsavedWork() {
  for (const check of unsaved) {
    const what = check();
    if (what) return what;
  }
  return null;
}

/** True when nothing unsaved would be lost, or the person chose to drop it. */
export async function mayDropUnsaved() {
  const what = unsavedWork();
  return !what || confirmDialog({ title: "Drop your unsaved edits?", text: `${what} Going on drops them; Ctrl+S in the editor saves them first.`, confirm: "Drop them" });
}

// Where the page is, so Back with unsaved edits can stay here until the person decides.
let shown = location.pathname;

export async function navigate(path, { replace = false } = {}) {
  if (!replace && !(await mayDropUnsaved())) return;
  if (replace) history.replaceState({}, "", path);
  else history.pushState({}, "", path);
  shown = location.pathname;
  onRoute();
}

// Same-origin links marked data-link navigate inside the page; modified clicks keep their browser meaning.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-link]");
  if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (link.origin !== location.origin) return;
  event.preventDefault();
  if (link.pathname !== location.pathname) navigate(link.pathname);
  else document.getElementById("new-prompt")?.focus(); // already there: keep what was typed
});
addEventListener("popstate", async () => {
  if (location.pathname === shown) return;
  if (unsavedWork()) {
    // Back or Forward cannot be refused: stay on this page while the person decides, then go if they agree.
    const target = location.pathname + location.search;
    history.pushState({}, "", shown);
    if (!(await mayDropUnsaved())) return;
    unsaved.clear();
    history.replaceState({}, "", target);
  }
  shown = location.pathname;
  onRoute();
});
// Closing the tab or reloading with unsaved edits: the browser asks.
addEventListener("beforeunload", (event) => {
  if (unsavedWork()) event.preventDefault();
});

/** A modal question; resolves true when confirmed. Escape or "Keep it" resolve false. */
export function confirmDialog({ title, text, confirm = "Delete" }) {
  const dialog = $("#confirm-dialog");
  $("#confirm-title").textContent = title;
  $("#confirm-text").textContent = text;
  $("#confirm-ok").textContent = confirm;
  dialog.returnValue = "";
  const opener = document.activeElement;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok");
      if (opener?.isConnected) opener.focus();
    }, { once: true });
    dialog.showModal();
    $("#confirm-cancel").focus();
  });
}

/** Asks for Kiln's access token; resolves true when one was saved. */
export function askForToken(reason) {
  const dialog = $("#token-dialog");
  const input = $("#token-input");
  const error = $("#token-error");
  input.value = "";
  error.hidden = !reason;
  error.textContent = reason ?? "";
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      const saved = dialog.returnValue === "save" && input.value.trim() !== "";
      if (saved) token.set(input.value.trim());
      resolve(saved);
    }, { once: true });
    $("#token-cancel").onclick = () => dialog.close("cancel");
    dialog.showModal();
    input.focus();
  });
}

export function toast(message, kind = "info") {
  const element = h("div", { class: `toast toast-${kind}` }, message);
  $("#toasts").append(element);
  setTimeout(() => element.classList.add("leaving"), 3600);
  setTimeout(() => element.remove(), 4000);
}

/** The top bar's line about reaching Kiln ("Reconnecting…"); empty when all is well. */
export function topStatus(text, kind = "warning") {
  const element = $("#topbar-status");
  element.textContent = text ?? "";
  element.className = `topbar-status ${text ? `is-${kind}` : ""}`;
}
