// Kiln's select-to-edit, added to every HTML page of a preview (served from the preview's own origin as
// /__kiln/select.js). Kiln's UI frames the preview on another origin, so it cannot read this page's DOM; it asks here
// instead. On {type: "kiln:select"} from one of Kiln's own UI origins (below, filled in by Kiln; any other sender is
// ignored), the page enters select mode: the element under the pointer is outlined, and a click posts back where that
// element is written ({type: "kiln:selected", source: "src/App.tsx:12:5", tag, text}, from the data-kiln-source
// attributes Kiln's dev server adds) to that origin alone, then leaves select mode. Esc, or {type: "kiln:select-cancel"},
// leaves it with {type: "kiln:select-cancelled"}.
(() => {
  "use strict";
  if (window.__kilnSelect) return;
  window.__kilnSelect = true;

  const uiOrigins = /*KILN_UI_ORIGINS*/ [];
  const attribute = "data-kiln-source";
  let session = null;

  const cut = (text, max) => {
    const value = String(text ?? "").replace(/\s+/g, " ").trim();
    return value.length > max ? `${value.slice(0, max - 1)}…` : value;
  };

  const sourceOf = (target) => (target instanceof Element ? target.closest(`[${attribute}]`) : null);

  function start(origin) {
    stop();
    const overlay = document.createElement("div");
    overlay.setAttribute("data-kiln-overlay", "");
    overlay.style.cssText =
      "position:fixed;pointer-events:none;z-index:2147483647;outline:2px solid #f97316;outline-offset:-1px;" +
      "background:rgba(249,115,22,0.12);border-radius:2px;display:none;transition:all 60ms ease-out";
    (document.body ?? document.documentElement).append(overlay);
    const previousCursor = document.documentElement.style.cursor;
    document.documentElement.style.cursor = "crosshair";
    session = { origin, overlay, previousCursor, element: null };
    for (const [type, handler] of listeners) window.addEventListener(type, handler, true);
  }

  function stop() {
    if (!session) return;
    for (const [type, handler] of listeners) window.removeEventListener(type, handler, true);
    session.overlay.remove();
    document.documentElement.style.cursor = session.previousCursor;
    session = null;
  }

  function highlight(element) {
    if (!session) return;
    session.element = element;
    const box = session.overlay.style;
    if (!element) {
      box.display = "none";
      return;
    }
    const rect = element.getBoundingClientRect();
    box.display = "block";
    box.left = `${rect.left}px`;
    box.top = `${rect.top}px`;
    box.width = `${rect.width}px`;
    box.height = `${rect.height}px`;
  }

  // While selecting, the page's own handlers see none of the pointer: a click picks, it does not press the button.
  const swallow = (event) => {
    event.preventDefault();
    event.stopPropagation();
    event.stopImmediatePropagation();
  };

  const listeners = [
    ["pointermove", (event) => highlight(sourceOf(event.target))],
    ["pointerdown", swallow],
    ["pointerup", swallow],
    ["mousedown", swallow],
    ["mouseup", swallow],
    [
      "click",
      (event) => {
        swallow(event);
        const element = sourceOf(event.target) ?? session?.element;
        if (!element || !session) return;
        const origin = session.origin;
        stop();
        window.parent.postMessage(
          {
            type: "kiln:selected",
            source: element.getAttribute(attribute),
            tag: element.tagName.toLowerCase(),
            text: cut(element.innerText ?? element.textContent, 80),
          },
          origin,
        );
      },
    ],
    [
      "keydown",
      (event) => {
        if (event.key !== "Escape" || !session) return;
        swallow(event);
        const origin = session.origin;
        stop();
        window.parent.postMessage({ type: "kiln:select-cancelled" }, origin);
      },
    ],
    ["scroll", () => highlight(session?.element ?? null)],
  ];

  window.addEventListener("message", (event) => {
    // Only Kiln's UI, as the page that frames this one, may start or stop select mode or hear where an element is.
    if (event.source !== window.parent || window.parent === window || !uiOrigins.includes(event.origin)) return;
    const type = event.data?.type;
    if (type === "kiln:select") start(event.origin);
    else if (type === "kiln:select-cancel" && session) {
      stop();
      window.parent.postMessage({ type: "kiln:select-cancelled" }, event.origin);
    }
  });
})();
