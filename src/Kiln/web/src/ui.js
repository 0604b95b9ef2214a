// Page-wide pieces: client-side navigation, the confirm and token dialogs, toasts and the top bar's status line.

import { $, h } from "./dom.js";
import { token } from "./api.js";

let onRoute = () => {};

export function setRouter(route) {
  onRoute = route;
}

export function navigate(path, { replace = false } = {}) {
  if (replace) history.replaceState({}, "", path);
  else history.pushState({}, "", path);
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
addEventListener("popstate", () => onRoute());

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
