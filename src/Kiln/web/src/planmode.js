// Plan mode: a Plan/Build toggle in the follow-up composer, and a "Build it" button on a plan's answer that sends the
// plan back as the next (build) prompt. A plan prompt's agent only reads the app: it changes nothing and makes no version.

import { h } from "./dom.js";

const labels = { build: "Build", plan: "Plan" };
const titles = {
  build: "Build: the agent changes the app",
  plan: "Plan: the agent reads the app and answers with a plan; nothing changes",
};

/** Adds the toggle to a composer's bar (before its model picker); returns { mode(), set(mode) }. */
export function attachModeToggle(form) {
  let current = "build";
  const buttons = Object.keys(labels).map((mode) =>
    h("button", {
      type: "button", class: "mode-option", title: titles[mode], "aria-pressed": String(mode === current), dataset: { mode },
      onclick: () => set(mode),
    }, labels[mode]));
  const toggle = h("div", { class: "mode-toggle", role: "group", "aria-label": "Mode" }, ...buttons);
  const bar = form.querySelector(".composer-bar");
  bar.insertBefore(toggle, bar.querySelector(".model-picker") ?? bar.querySelector("[type=submit]"));
  const textarea = form.querySelector("textarea");
  const placeholder = textarea?.placeholder ?? "";

  function set(mode) {
    current = mode === "plan" ? "plan" : "build";
    for (const button of buttons) button.setAttribute("aria-pressed", String(button.dataset.mode === current));
    form.dataset.mode = current;
    if (textarea) textarea.placeholder = current === "plan" ? "Ask for a plan: “how would you add accounts?” Nothing changes until you build it." : placeholder;
  }

  set("build");
  return { mode: () => current, set };
}

/**
 * Watches a project's events; when a plan prompt's generation completes, puts a "Build it" button on its answer.
 * onBuild(plan) sends the plan as the next prompt.
 */
export class PlanAnswers {
  constructor(timelineRoot, onBuild) {
    this.root = timelineRoot;
    this.onBuild = onBuild;
    this.planning = false;
    this.lastText = "";
  }

  onEvent(event) {
    const data = event.data ?? {};
    switch (event.type) {
      case "generation_started":
        this.planning = data.mode === "plan";
        this.lastText = "";
        break;
      case "agent_message":
        if (data.text?.trim()) this.lastText = data.text;
        break;
      case "generation_completed": {
        if (!this.planning) break;
        this.planning = false;
        const plan = (data.summary?.trim() ? data.summary : this.lastText).trim();
        const answer = this.root.querySelector(`[data-seq="${event.seq}"]`);
        if (!plan || !answer) break;
        answer.classList.add("ev-plan");
        // Its own row, kept beside the preview too (where the answer's "Show preview" row is hidden).
        const callout = answer.querySelector(".callout") ?? answer;
        callout.append(h("div", { class: "callout-actions keep" }, h("button", {
          type: "button", class: "btn btn-primary btn-small build-plan", title: "Send this plan as the next prompt, to build it",
          onclick: (click) => {
            click.currentTarget.disabled = true;
            this.onBuild(plan);
          },
        }, "Build it")));
        break;
      }
    }
  }
}

/** The prompt that carries out a plan. */
export const buildPrompt = (plan) => `Build this plan:\n\n${plan}`;
