// A small, safe Markdown renderer for the agent's messages. Everything is escaped first; only the constructs
// below become markup, and links only to http(s), mailto or the same site.

import { escapeHtml } from "./dom.js";
import { highlight, languageOf } from "./highlight.js";

function safeUrl(url) {
  return /^(https?:\/\/|mailto:|\/(?!\/)|#)/i.test(url);
}

function emphasis(escaped) {
  return escaped
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, "<strong>$1</strong>")
    .replace(/__(?=\S)([\s\S]*?\S)__(?!\w)/g, "<strong>$1</strong>")
    .replace(/(^|[^\w*])\*(?=[^\s*])([^*\n]*?[^\s*])\*(?![\w*])/g, "$1<em>$2</em>")
    .replace(/(^|[^\w])_(?=[^\s_])([^_\n]*?[^\s_])_(?!\w)/g, "$1<em>$2</em>")
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "<del>$1</del>");
}

/** One line or paragraph of inline Markdown as HTML. */
export function inline(text) {
  const slots = [];
  const keep = (html) => `\u0000${slots.push(html) - 1}\u0000`;
  let source = String(text).replaceAll("\u0000", "");
  source = source.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_, __, code) => keep(`<code>${escapeHtml(code.trim())}</code>`));
  source = source.replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (whole, label, url) =>
    safeUrl(url)
      ? keep(`<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${emphasis(escapeHtml(label))}</a>`)
      : whole);
  source = source.replace(/https?:\/\/[^\s<>"')\]]+[^\s<>"')\].,;:!?]/g, (url) =>
    keep(`<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(url)}</a>`));
  return emphasis(escapeHtml(source)).replace(/\u0000(\d+)\u0000/g, (_, index) => slots[Number(index)]);
}

/** A Markdown text as HTML: paragraphs, headings, lists, quotes, fenced code, rules and inline marks. */
export function markdown(text) {
  const lines = String(text ?? "").replace(/\r\n?/g, "\n").split("\n");
  const out = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index];
    const fence = /^\s*(```+|~~~+)\s*([\w+#.-]*)/.exec(line);
    if (fence) {
      const body = [];
      index++;
      while (index < lines.length && !lines[index].trim().startsWith(fence[1])) body.push(lines[index++]);
      index++;
      const language = languageOf(fence[2]);
      out.push(`<pre class="code-block"><code${language ? ` class="lang-${language}"` : ""}>${highlight(body.join("\n"), language)}</code></pre>`);
      continue;
    }
    if (!line.trim()) {
      index++;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = Math.min(6, heading[1].length + 2);
      out.push(`<h${level}>${inline(heading[2])}</h${level}>`);
      index++;
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push("<hr>");
      index++;
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quote = [];
      while (index < lines.length && /^\s*>/.test(lines[index])) quote.push(lines[index++].replace(/^\s*>\s?/, ""));
      out.push(`<blockquote>${markdown(quote.join("\n"))}</blockquote>`);
      continue;
    }
    const item = /^\s*(?:([-*+])|(\d+)[.)])\s+/;
    const listStart = item.exec(line);
    if (listStart) {
      const ordered = !listStart[1];
      const items = [];
      while (index < lines.length && (item.test(lines[index]) || (/^\s{2,}\S/.test(lines[index]) && items.length))) {
        const current = lines[index++];
        const match = item.exec(current);
        if (match && (!match[1]) === ordered) items.push(current.slice(match[0].length));
        else if (match) break;
        else items[items.length - 1] += `\n${current.trim()}`;
      }
      const start = ordered && Number(listStart[2]) !== 1 ? ` start="${Number(listStart[2])}"` : "";
      const tag = ordered ? "ol" : "ul";
      out.push(`<${tag}${start}>${items.map((entry) => `<li>${inline(entry).replaceAll("\n", "<br>")}</li>`).join("")}</${tag}>`);
      continue;
    }
    const paragraph = [];
    while (index < lines.length && lines[index].trim() && !/^\s*(```|~~~|#{1,6}\s|>|([-*+]|\d+[.)])\s)/.test(lines[index])) {
      paragraph.push(lines[index++]);
    }
    if (paragraph.length === 0) paragraph.push(lines[index++]);
    out.push(`<p>${paragraph.map(inline).join("<br>")}</p>`);
  }
  return out.join("");
}
