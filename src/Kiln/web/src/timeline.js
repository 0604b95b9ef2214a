// The generation timeline: one list item per event, in seq order. Each carries data-seq, so "no gap, no
// duplicate" is checkable in the page itself. Unknown event types still get a neutral line.

import { bytes, duration, h, statusLabels, tokens, usd } from "./dom.js";
import { icon, iconNode } from "./icons.js";
import { markdown } from "./markdown.js";

const clock = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const fullTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const time = (at) => (at ? clock.format(new Date(at)) : "");

const defaultHint = "Send a follow-up prompt to try again, or start a new project. Kiln's log has the details.";

// What to do about the errors people meet most, when the event carries no hint of its own.
const hints = [
  [/prompt is too long|context window|too many tokens/i, "The conversation has outgrown the model's context. Start a new project, with the essentials in one prompt."],
  [/api[ _-]?key|authentication|unauthori[sz]ed|\b401\b/i, "Check ANTHROPIC_API_KEY (or unset it to build with the offline model), restart Kiln, then send the prompt again."],
  [/overloaded|rate.?limit|\b429\b|\b529\b/i, "The model is busy. Wait a minute, then send the prompt again."],
  [/after \d+ turns|max.?turns/i, "The agent used all its turns (Kiln:Agent:MaxTurns). Send a follow-up to let it carry on."],
  [/budget stopped/i, "Raise maxBudgetUsd (or Kiln:Agent:MaxBudgetUsd), or send a follow-up: it starts with a budget of its own."],
  [/Kiln stopped|interrupted/i, "Send the prompt again to carry on where it stopped."],
];

function hintFor(data) {
  if (data.hint) return data.hint;
  const message = String(data.message ?? "");
  return hints.find(([pattern]) => pattern.test(message))?.[1] ?? defaultHint;
}

function humanize(type) {
  const words = String(type).replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function item(event, className, ...children) {
  return h("li", { class: `ev ${className}`, dataset: { seq: event.seq, type: event.type }, title: `#${event.seq} · ${event.at ? fullTime.format(new Date(event.at)) : ""}` }, ...children);
}

function line(event, iconName, tone, ...children) {
  return item(event, `ev-line ${tone ?? ""}`, h("span", { class: "ev-icon", html: icon(iconName) }), h("div", { class: "ev-text" }, ...children));
}

function outputText(data) {
  return String(data.text ?? data.output ?? data.chunk ?? data.line ?? data.data ?? "");
}

export class Timeline {
  /**
   * @param {HTMLOListElement} list
   * @param {{ onOpenFile(path: string): void, onShowPreview(): void, onShowVersion(number: number): void }} actions
   */
  constructor(list, actions) {
    this.list = list;
    this.actions = actions;
    this.seqs = new Set();
    this.lastAgentText = "";
  }

  clear() {
    this.list.replaceChildren();
    this.seqs.clear();
  }

  get isEmpty() {
    return this.seqs.size === 0;
  }

  add(event) {
    if (this.seqs.has(event.seq)) return;
    this.seqs.add(event.seq);
    const data = event.data ?? {};
    if (event.type === "command_output" && this.appendOutput(event, data)) return;
    const element = this.render(event, data);
    this.list.append(element);
  }

  render(event, data) {
    switch (event.type) {
      case "generation_queued":
        return item(event, "ev-prompt",
          h("div", { class: "bubble bubble-user" },
            h("div", { class: "bubble-who" }, data.promptNumber > 1 ? `You · follow-up ${data.promptNumber - 1}` : "You", h("span", { class: "muted" }, ` · ${time(event.at)}`)),
            h("div", { class: "bubble-text" }, data.prompt ?? "")),
          data.position > 1 ? h("p", { class: "ev-note" }, `Waiting for a free slot (position ${data.position}).`) : null);

      case "generation_started":
        return line(event, "play", "muted", "Started", h("span", { class: "muted" }, ` · ${data.model ?? ""}${data.runtime ? ` on ${data.runtime}` : ""}`));

      case "agent_message":
        this.lastAgentText = data.text ?? "";
        return item(event, "ev-agent",
          h("div", { class: "avatar", "aria-hidden": "true", html: icon("spark") }),
          h("div", { class: "bubble bubble-agent" },
            h("div", { class: "bubble-who" }, "Kiln", h("span", { class: "muted" }, ` · ${time(event.at)}`)),
            h("div", { class: "md", html: markdown(data.text ?? "") })));

      case "tool_executed":
        return this.tool(event, data);

      case "file_created":
      case "file_updated":
      case "file_deleted": {
        const verb = { file_created: "Created", file_updated: "Updated", file_deleted: "Deleted" }[event.type];
        const glyph = { file_created: "+", file_updated: "~", file_deleted: "−" }[event.type];
        const path = data.path ?? "";
        const name = event.type === "file_deleted"
          ? h("span", { class: "file-name deleted" }, path)
          : h("button", { type: "button", class: "link file-name", onclick: () => this.actions.onOpenFile(path), title: `Open ${path}` }, path);
        return item(event, `ev-file ev-${event.type}`,
          h("span", { class: "file-glyph", "aria-hidden": "true" }, glyph),
          h("span", { class: "visually-hidden" }, `${verb} `), name,
          data.size !== undefined ? h("span", { class: "muted" }, ` ${bytes(data.size)}`) : null);
      }

      case "attachments_received":
        return line(event, "file", "muted", "Attached",
          h("span", { class: "attachment-list" }, (data.files ?? []).map((file) => `${file.name} (${bytes(file.size)})`).join(", ")));

      case "command_output":
        return this.output(event, data);

      case "server_started":
        return line(event, "terminal", "info",
          "Dev server started",
          data.url ? h("span", { class: "muted" }, ` at ${data.url}`) : data.port ? h("span", { class: "muted" }, ` on port ${data.port}`) : null);

      case "preview_ready":
        return line(event, "eye", "success",
          "Preview ready",
          data.url ? h("span", { class: "muted" }, ` · ${data.url}`) : null,
          h("button", { type: "button", class: "link inline-action", onclick: () => this.actions.onShowPreview() }, "Show preview"));

      case "error_occurred": {
        // A failure that ends a generation says what its prompt spent, as "Done" does.
        const usage = data.usage ?? {};
        const facts = [
          usage.inputTokens ? `${tokens(usage.inputTokens)} in · ${tokens(usage.outputTokens)} out tokens` : null,
          data.costUsd !== undefined && data.costUsd !== null ? usd(data.costUsd) : null,
        ].filter(Boolean);
        return item(event, "ev-callout",
          h("div", { class: "callout callout-error", role: "alert" },
            h("div", { class: "callout-title" }, iconNode("alert"), "Something went wrong",
              facts.length ? h("span", { class: "callout-facts" }, facts.join(" · ")) : null),
            h("p", { class: "callout-body" }, data.message ?? "An error occurred."),
            h("p", { class: "callout-hint" }, h("strong", {}, "What to do: "), hintFor(data))));
      }

      case "generation_completed": {
        const usage = data.usage ?? {};
        const facts = [
          data.durationMs !== undefined ? duration(data.durationMs) : null,
          data.turns ? `${data.turns} turn${data.turns === 1 ? "" : "s"}` : null,
          usage.inputTokens !== undefined ? `${tokens(usage.inputTokens)} in · ${tokens(usage.outputTokens)} out tokens` : null,
          usage.cacheReadTokens ? `${tokens(usage.cacheReadTokens)} cached` : null,
          data.costUsd !== undefined && data.costUsd !== null ? usd(data.costUsd) : null,
          data.model ?? null,
        ].filter(Boolean);
        const summary = data.summary && data.summary.trim() !== this.lastAgentText.trim() ? data.summary : null;
        return item(event, "ev-callout",
          h("div", { class: "callout callout-success" },
            h("div", { class: "callout-title" }, iconNode("check"), "Done", h("span", { class: "callout-facts" }, facts.join(" · "))),
            summary ? h("div", { class: "md callout-body", html: markdown(summary) }) : null,
            h("div", { class: "callout-actions" },
              h("button", { type: "button", class: "btn btn-small", onclick: () => this.actions.onShowPreview() }, iconNode("eye"), "Show preview"))));
      }

      case "generation_cancelled":
        return item(event, "ev-callout",
          h("div", { class: "callout callout-warning" },
            h("div", { class: "callout-title" }, iconNode("stop"), "Stopped"),
            h("p", { class: "callout-body" }, data.reason ?? "The generation was cancelled."),
            h("p", { class: "callout-hint" }, "The files written so far are kept. Send a prompt to carry on.")));

      case "version_created":
        return line(event, "check", "info",
          `Saved as version ${data.version}`,
          data.filesChanged !== undefined
            ? h("span", { class: "muted" }, ` · ${data.filesChanged} file${data.filesChanged === 1 ? "" : "s"} changed, +${data.insertions ?? 0} −${data.deletions ?? 0}`)
            : null);

      case "version_restored":
        return line(event, "info", "info",
          `Restored version ${data.from}`,
          h("span", { class: "muted" }, ` as version ${data.version}`));

      case "status_changed":
        // Kept for the record (and the seq), but shown by the status pill and the events around it.
        return item(event, "ev-status quiet",
          h("span", { class: `status-rule status-${data.status}` }, statusLabels[data.status] ?? humanize(data.status ?? "")),
          data.reason ? h("span", { class: "muted" }, ` · ${data.reason}`) : null);

      case "preview_error":
        // A regression's open error is told by its regression_found, just before it.
        if (data.source === "regression") return item(event, "ev-status quiet");
        return line(event, "alert", "error",
          `${{ build: "Build error", dev_server: "Compile error", runtime: "Error in the page" }[data.source] ?? "Error"}: `,
          h("span", { class: "ev-error-message" }, data.message ?? ""),
          data.file ? h("code", { class: "muted" }, ` ${[data.file, data.line, data.column].filter((part) => part !== null && part !== undefined).join(":")}`) : null,
          data.count > 1 ? h("span", { class: "muted" }, ` · seen ${data.count} times`) : null);

      case "app_checked": {
        const errors = data.errors ?? 0;
        return line(event, "eye", errors > 0 ? "error" : "success",
          `Checked ${data.path ?? "/"} in the browser`,
          h("span", { class: "muted" },
            ` · ${data.status ?? "no answer"} · ${errors > 0 ? `${errors} error${errors === 1 ? "" : "s"}` : "no errors"}` +
            (data.durationMs !== undefined ? ` · ${duration(data.durationMs)}` : "")));
      }

      case "regression_found": {
        const errors = data.errors ?? [];
        return item(event, "ev-callout",
          h("div", { class: "callout callout-error" },
            h("div", { class: "callout-title" }, iconNode("alert"), h("span", {}, h("code", {}, data.path ?? "/"), " broke")),
            h("p", { class: "callout-body" },
              `It rendered without errors in version ${data.renderedIn} and fails in version ${data.version}, as Kiln found when it opened the page again:`),
            errors.length ? h("ul", { class: "callout-list" }, errors.map((error) => h("li", {}, error))) : null,
            h("div", { class: "callout-actions keep" },
              h("button", { type: "button", class: "btn btn-small", onclick: () => this.actions.onShowVersion?.(data.version) }, "Compare the screenshots"))));
      }

      case "publish_started":
        return line(event, "globe", "info", data.version ? `Publishing version ${data.version}` : "Publishing");

      case "published":
        return line(event, "globe", "success", `Release ${data.release} is live`,
          h("span", { class: "muted" }, data.version ? ` · version ${data.version} · ` : " · "),
          h("a", { href: data.url, target: "_blank", rel: "noopener" }, data.url ?? ""));

      case "publish_failed":
        return item(event, "ev-callout",
          h("div", { class: "callout callout-error" },
            h("div", { class: "callout-title" }, iconNode("alert"), h("span", {}, "Publishing failed")),
            h("p", { class: "callout-body" }, data.message ?? "The build failed."),
            h("p", { class: "callout-hint" }, "The site is as it was. Fix the errors (“Fix it” sends them to the agent), then publish again.")));

      case "git_pushed":
        return line(event, "check", "success",
          data.commits ? `Pushed ${data.commits} commit${data.commits === 1 ? "" : "s"} to ${data.branch}` : `${data.branch} was already up to date`,
          h("span", { class: "muted" }, ` · ${data.remote ?? ""}`));

      case "git_push_failed":
        return line(event, "alert", "error", `The push to ${data.branch} failed`, h("span", { class: "muted" }, ` · ${(data.reason ?? "").split("\n")[0]}`));

      case "app_imported":
        return line(event, "folder", "info", `Imported ${data.source ?? "an app"}`,
          h("span", { class: "muted" },
            ` · ${data.files ?? 0} file${data.files === 1 ? "" : "s"}, ${bytes(data.bytes ?? 0)}${data.kind ? ` · ${data.kind}` : ""}`));

      case "auto_fix_started":
        return line(event, "tool", "info", `Fixing the errors by itself (${data.attempt} of ${data.maxAttempts})`);

      case "auto_fix_stopped":
        return line(event, "info", "muted", data.message ?? "Stopped fixing by itself.");

      default: {
        const json = JSON.stringify(data);
        return line(event, "info", "muted", humanize(event.type),
          json && json !== "{}" ? h("code", { class: "ev-json" }, json.length > 240 ? `${json.slice(0, 240)}…` : json) : null);
      }
    }
  }

  tool(event, data) {
    const ok = data.ok !== false;
    const details = h("details", { class: `tool ${ok ? "tool-ok" : "tool-failed"}`, open: !ok },
      h("summary", {},
        h("span", { class: "tool-status", html: icon(ok ? "check" : "x") }),
        h("span", { class: "visually-hidden" }, ok ? "Tool succeeded: " : "Tool failed: "),
        h("span", { class: "tool-name" }, data.tool ?? "tool"),
        h("code", { class: "tool-input" }, data.input ?? ""),
        data.durationMs !== undefined ? h("span", { class: "tool-time" }, duration(data.durationMs)) : null),
      h("div", { class: "tool-body" },
        h("div", { class: "tool-label" }, "Input"),
        h("pre", { class: "tool-pre" }, data.input || "(none)"),
        ok ? null : h("div", { class: "tool-label" }, "Error"),
        ok ? null : h("pre", { class: "tool-pre tool-error" }, data.error ?? "The tool failed."),
        ok ? null : h("p", { class: "tool-note" }, "The agent gets this error back and usually corrects course.")));
    return item(event, "ev-tool", details);
  }

  output(event, data) {
    const pre = h("pre", { class: "output" }, h("span", { class: data.stream === "stderr" ? "stderr" : "" }, outputText(data)));
    const label = data.command ?? data.name ?? "Command output";
    return item(event, "ev-output",
      h("details", { class: "output-fold", dataset: { key: String(data.command ?? data.processId ?? "") } },
        h("summary", {}, h("span", { class: "ev-icon", html: icon("terminal") }), h("code", {}, label), h("span", { class: "output-lines muted" }, "")),
        pre));
  }

  /** Output of the same command, arriving in pieces, goes into the one fold. */
  appendOutput(event, data) {
    const last = this.list.lastElementChild;
    const fold = last?.classList.contains("ev-output") ? last.querySelector(".output-fold") : null;
    if (!fold || fold.dataset.key !== String(data.command ?? data.processId ?? "")) return false;
    const pre = fold.querySelector(".output");
    pre.append(h("span", { class: data.stream === "stderr" ? "stderr" : "", dataset: { seq: event.seq } }, outputText(data)));
    const lines = pre.textContent.split("\n").filter(Boolean).length;
    fold.querySelector(".output-lines").textContent = ` ${lines} line${lines === 1 ? "" : "s"}`;
    return true;
  }
}
