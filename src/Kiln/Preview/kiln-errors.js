// Kiln's error reporter, added to every HTML page of a preview (served from the preview's own origin as
// /__kiln/errors.js, so an app whose CSP allows only 'self' still runs it). It reports what the page throws,
// promise rejections nobody handled, and console.error calls to /__kiln/errors on the same origin, where Kiln
// collects them for the agent. Identical errors are counted here and sent together, at most once a second.
(() => {
  "use strict";
  if (window.__kilnErrorReporter) return;
  window.__kilnErrorReporter = true;

  const endpoint = "/__kiln/errors";
  const maxPending = 10;
  const maxBytes = 7000;
  const pending = new Map();
  let timer = 0;
  let lastSent = 0;

  const cut = (text, max) => {
    const value = String(text ?? "");
    return value.length > max ? `${value.slice(0, max - 1)}…` : value;
  };

  const describe = (value) => {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    if (typeof value === "string") return value;
    try {
      return JSON.stringify(value) ?? String(value);
    } catch {
      return String(value);
    }
  };

  // The first frame of a stack that names a file: "at f (http://host/src/App.tsx:12:5)" or "f@http://…:12:5".
  const placeOf = (stack) => {
    const match = /((?:https?|file):\/\/[^\s)]+?):(\d+):(\d+)/.exec(String(stack ?? ""));
    return match ? { file: match[1], line: Number(match[2]), column: Number(match[3]) } : {};
  };

  function report(kind, message, place, stack) {
    const text = cut(message, 1000);
    if (!text) return;
    const key = `${kind}\n${text}\n${place.file ?? ""}:${place.line ?? ""}:${place.column ?? ""}`;
    const seen = pending.get(key);
    if (seen) {
      seen.count++;
    } else if (pending.size < maxPending) {
      pending.set(key, { kind, message: text, file: place.file, line: place.line, column: place.column, stack: cut(stack, 2000), count: 1 });
    }
    schedule();
  }

  function schedule() {
    if (timer) return;
    const wait = Math.max(100, lastSent + 1000 - Date.now());
    timer = setTimeout(flush, wait);
  }

  function flush() {
    timer = 0;
    if (pending.size === 0) return;
    const errors = [...pending.values()];
    pending.clear();
    let body = JSON.stringify({ errors });
    if (body.length > maxBytes) {
      for (const error of errors) error.stack = cut(error.stack, 300);
      body = JSON.stringify({ errors });
      while (body.length > maxBytes && errors.length > 1) {
        errors.pop();
        body = JSON.stringify({ errors });
      }
    }
    lastSent = Date.now();
    try {
      fetch(endpoint, { method: "POST", headers: { "content-type": "application/json" }, body, credentials: "omit", keepalive: true }).catch(() => {});
    } catch {
      // Reporting must never break the app.
    }
  }

  window.addEventListener("error", (event) => {
    // Cross-origin scripts report only "Script error.", which no one can act on.
    if (!event.filename && !event.error && /^Script error\.?$/.test(event.message)) return;
    const stack = event.error?.stack ?? "";
    const place = event.filename ? { file: event.filename, line: event.lineno, column: event.colno } : placeOf(stack);
    report("error", event.error ? describe(event.error) : event.message, place, stack);
  });

  window.addEventListener("unhandledrejection", (event) => {
    const reason = event.reason;
    const stack = reason instanceof Error ? reason.stack ?? "" : "";
    report("unhandledrejection", describe(reason), placeOf(stack), stack);
  });

  const original = console.error;
  console.error = function kilnConsoleError(...args) {
    try {
      const error = args.find((arg) => arg instanceof Error);
      const stack = error?.stack ?? new Error().stack?.split("\n").slice(2).join("\n") ?? "";
      report("console", args.map(describe).join(" "), placeOf(stack), stack);
    } catch {
      // As above.
    }
    return original.apply(this, args);
  };
})();
