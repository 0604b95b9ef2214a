// Syntax highlighting for the languages generated apps are made of, from CodeMirror's own parsers (Lezer): TS/TSX,
// JS/JSX, CSS, HTML (with its <script> and <style>), JSON and Markdown. The file view's editor and the static
// highlighting of diffs and the agent's code blocks share the classes below, styled in kiln.css (.tok-*).

import { javascriptLanguage, jsxLanguage, tsxLanguage, typescriptLanguage } from "@codemirror/lang-javascript";
import { cssLanguage } from "@codemirror/lang-css";
import { htmlLanguage } from "@codemirror/lang-html";
import { jsonLanguage } from "@codemirror/lang-json";
import { markdownLanguage } from "@codemirror/lang-markdown";
import { highlightCode, tagHighlighter, tags } from "@lezer/highlight";
import { escapeHtml } from "./dom.js";

/** Lezer's highlighting tags as Kiln's token classes; a tag without a rule of its own takes its parent's. */
export const tokenClasses = tagHighlighter([
  { tag: tags.comment, class: "tok-comment" },
  { tag: [tags.string, tags.regexp, tags.character, tags.attributeValue, tags.url], class: "tok-string" },
  { tag: [tags.number, tags.color, tags.unit], class: "tok-number" },
  { tag: [tags.bool, tags.null, tags.atom, tags.self], class: "tok-literal" },
  { tag: [tags.keyword, tags.modifier, tags.operatorKeyword], class: "tok-keyword" },
  { tag: [tags.typeName, tags.className, tags.namespace], class: "tok-type" },
  { tag: [tags.function(tags.variableName), tags.function(tags.propertyName)], class: "tok-function" },
  { tag: tags.propertyName, class: "tok-property" },
  { tag: tags.tagName, class: "tok-tag" },
  { tag: tags.attributeName, class: "tok-attr" },
  { tag: [tags.labelName, tags.constant(tags.className)], class: "tok-selector" },
  { tag: [tags.punctuation, tags.bracket, tags.angleBracket, tags.separator], class: "tok-punct" },
  { tag: tags.heading, class: "tok-heading" },
  { tag: tags.emphasis, class: "tok-emphasis" },
  { tag: tags.strong, class: "tok-strong" },
  { tag: tags.link, class: "tok-link" },
]);

const languages = {
  js: javascriptLanguage, jsx: jsxLanguage, ts: typescriptLanguage, tsx: tsxLanguage,
  css: cssLanguage, html: htmlLanguage, json: jsonLanguage, markdown: markdownLanguage,
};

const extensions = {
  js: "js", mjs: "js", cjs: "js", jsx: "jsx", ts: "ts", mts: "ts", cts: "ts", tsx: "tsx",
  css: "css", scss: "css", less: "css",
  html: "html", htm: "html", svg: "html", xml: "html", vue: "html", svelte: "html",
  json: "json", jsonc: "json", webmanifest: "json",
  md: "markdown", markdown: "markdown", mdx: "markdown",
};

const aliases = { javascript: "js", typescript: "ts", md: "markdown" };

/** The language of a file name or a Markdown fence's tag ("ts", "tsx", "css"…), or null for plain text. */
export function languageOf(nameOrTag) {
  const value = String(nameOrTag ?? "").toLowerCase();
  if (aliases[value]) return aliases[value];
  if (languages[value]) return value;
  const extension = value.includes(".") ? value.slice(value.lastIndexOf(".") + 1) : value;
  return extensions[extension] ?? null;
}

/** The CodeMirror language for a languageOf() answer, or null. */
export function codeMirrorLanguage(language) {
  return languages[language] ?? null;
}

/** The code as HTML with highlight spans; plain escaped text for an unknown language. */
export function highlight(code, language) {
  const parser = languages[language]?.parser;
  if (!parser) return escapeHtml(code);
  let out = "";
  highlightCode(
    code,
    parser.parse(code),
    tokenClasses,
    (text, classes) => {
      out += classes ? `<span class="${classes}">${escapeHtml(text)}</span>` : escapeHtml(text);
    },
    () => {
      out += "\n";
    },
  );
  return out;
}
