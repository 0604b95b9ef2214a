// The agent's messages as HTML: Markdown by markdown-it with raw HTML off (any HTML in a message stays text),
// then DOMPurify over the result. Links open in a new tab, and only to http(s), mailto or this site.

import DOMPurify from "dompurify";
import MarkdownIt from "markdown-it";
import { highlight, languageOf } from "./highlight.js";

const renderer = new MarkdownIt({
  html: false,
  linkify: true,
  breaks: true,
  highlight: (code, tag) => {
    const language = languageOf(tag);
    const body = highlight(code.replace(/\n$/, ""), language);
    return `<pre class="code-block"><code${language ? ` class="lang-${language}"` : ""}>${body}</code></pre>`;
  },
});
// Only full URLs become links; "file.ts" or "example.com" in a sentence stays text.
renderer.linkify.set({ fuzzyLink: false, fuzzyEmail: false });
// An image would load from wherever the model pointed; the page's CSP would refuse it anyway.
renderer.disable("image");
// A message's headings sit inside the timeline, under the page's own: # is the page's h3.
renderer.core.ruler.push("kiln_heading_levels", (state) => {
  for (const token of state.tokens) {
    if (token.type === "heading_open" || token.type === "heading_close") {
      token.tag = `h${Math.min(6, Number(token.tag.slice(1)) + 2)}`;
    }
  }
});

const purify = DOMPurify(window);
const safeLink = /^(https?:\/\/|mailto:|\/(?!\/)|#)/i;
purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName !== "A") return;
  if (!safeLink.test(node.getAttribute("href") ?? "")) node.removeAttribute("href");
  node.setAttribute("target", "_blank");
  node.setAttribute("rel", "noopener noreferrer");
});

/** A Markdown text as safe HTML. */
export function markdown(text) {
  return purify.sanitize(renderer.render(String(text ?? "")), { USE_PROFILES: { html: true } });
}
