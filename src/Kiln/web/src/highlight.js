// A small syntax highlighter for the languages generated apps are made of: HTML (with its <script> and <style>),
// CSS, JavaScript/TypeScript and JSON. It escapes everything it emits; classes are styled in kiln.css (.tok-*).

import { escapeHtml } from "./dom.js";

const jsKeywords =
  "abstract as async await break case catch class const continue debugger declare default delete do else enum export " +
  "extends finally for from function get if implements import in instanceof interface keyof let namespace new of " +
  "private protected public readonly return satisfies set static super switch this throw try type typeof var void while with yield";

const rules = {
  js: [
    ["comment", /\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/y],
    ["string", /`(?:\\[\s\S]|[^\\`])*`?|"(?:\\.|[^\\"\n])*"?|'(?:\\.|[^\\'\n])*'?/y],
    ["number", /(?:0[xXbBoO][\da-fA-F_]+|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?n?)(?![\w$])/y],
    ["literal", /(?:true|false|null|undefined|NaN|Infinity)(?![\w$])/y],
    ["keyword", new RegExp(`(?:${jsKeywords.split(" ").join("|")})(?![\\w$])`, "y")],
    ["type", /[A-Z][\w$]*/y],
    ["function", /[a-z_$][\w$]*(?=\s*\()/y],
    [null, /[A-Za-z_$][\w$]*/y],
    ["punct", /=>|[{}()[\];,.:?]/y],
  ],
  css: [
    ["comment", /\/\*[\s\S]*?(?:\*\/|$)/y],
    ["string", /"(?:\\.|[^\\"\n])*"?|'(?:\\.|[^\\'\n])*'?/y],
    ["keyword", /@[\w-]+/y],
    // A declaration's name: followed by a colon and a value that ends before any '{' (so not a:hover {).
    ["property", /--[\w-]+(?=\s*:)|[a-zA-Z-]+(?=\s*:[^;{}]*(?:[;}]|$))/y],
    ["number", /#[\da-fA-F]{3,8}(?![\w-])|-?(?:\d+\.?\d*|\.\d+)(?:%|[a-zA-Z]+)?/y],
    ["function", /[\w-]+(?=\()/y],
    ["selector", /[.#][a-zA-Z_-][\w-]*|::?[\w-]+/y],
    [null, /[\w-]+/y],
    ["punct", /[{}();:,]/y],
  ],
  json: [
    ["property", /"(?:\\.|[^\\"\n])*"(?=\s*:)/y],
    ["string", /"(?:\\.|[^\\"\n])*"?/y],
    ["number", /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y],
    ["literal", /(?:true|false|null)(?!\w)/y],
    ["punct", /[{}[\],:]/y],
  ],
};

function tokenize(code, language) {
  const list = rules[language];
  let out = "";
  let plain = "";
  let index = 0;
  const flush = () => {
    if (plain) out += escapeHtml(plain);
    plain = "";
  };
  while (index < code.length) {
    let matched = false;
    for (const [name, pattern] of list) {
      pattern.lastIndex = index;
      const match = pattern.exec(code);
      if (!match || match[0].length === 0) continue;
      if (name) {
        flush();
        out += `<span class="tok-${name}">${escapeHtml(match[0])}</span>`;
      } else {
        plain += match[0];
      }
      index += match[0].length;
      matched = true;
      break;
    }
    if (!matched) plain += code[index++];
  }
  flush();
  return out;
}

const attribute = /([^\s"'>/=]+)(\s*=\s*)?("[^"]*"?|'[^']*'?|[^\s"'=<>`]+)?/y;

function tag(text) {
  const match = /^(<\/?)([^\s/>]*)([\s\S]*?)(\/?>)?$/.exec(text);
  let out = `<span class="tok-punct">${escapeHtml(match[1])}</span><span class="tok-tag">${escapeHtml(match[2])}</span>`;
  const rest = match[3];
  let index = 0;
  while (index < rest.length) {
    attribute.lastIndex = index;
    const part = /\s/.test(rest[index]) ? null : attribute.exec(rest);
    if (!part || part[0].length === 0) {
      out += escapeHtml(rest[index++]);
      continue;
    }
    out += `<span class="tok-attr">${escapeHtml(part[1])}</span>`;
    if (part[2]) out += escapeHtml(part[2]);
    if (part[3]) out += `<span class="tok-string">${escapeHtml(part[3])}</span>`;
    index += part[0].length;
  }
  if (match[4]) out += `<span class="tok-punct">${escapeHtml(match[4])}</span>`;
  return out;
}

const markup = /<!--[\s\S]*?(?:-->|$)|<![^>]*>?|<\/?[A-Za-z][\w:.-]*(?:[^>"']|"[^"]*"|'[^']*')*>?/y;

function html(code) {
  let out = "";
  let index = 0;
  while (index < code.length) {
    const next = code.indexOf("<", index);
    if (next < 0) {
      out += escapeHtml(code.slice(index));
      break;
    }
    out += escapeHtml(code.slice(index, next));
    markup.lastIndex = next;
    const match = markup.exec(code);
    if (!match) {
      out += "&lt;";
      index = next + 1;
      continue;
    }
    const text = match[0];
    index = next + text.length;
    if (text.startsWith("<!")) {
      out += `<span class="tok-comment">${escapeHtml(text)}</span>`;
      continue;
    }
    out += tag(text);
    // The bodies of <script> and <style> are code in their own language.
    const embedded = /^<(script|style)\b/i.exec(text);
    if (embedded && !text.endsWith("/>")) {
      const close = code.toLowerCase().indexOf(`</${embedded[1].toLowerCase()}`, index);
      const end = close < 0 ? code.length : close;
      const isJson = /type\s*=\s*["']?application\/(ld\+)?json/i.test(text);
      out += tokenize(code.slice(index, end), embedded[1].toLowerCase() === "style" ? "css" : isJson ? "json" : "js");
      index = end;
    }
  }
  return out;
}

const extensions = {
  html: "html", htm: "html", svg: "html", xml: "html", vue: "html", svelte: "html",
  css: "css", scss: "css", less: "css",
  js: "js", mjs: "js", cjs: "js", jsx: "js", ts: "js", tsx: "js", mts: "js", cts: "js",
  json: "json", jsonc: "json", webmanifest: "json",
};

const aliases = { javascript: "js", typescript: "js", jsx: "js", tsx: "js", ts: "js", css: "css", html: "html", xml: "html", json: "json" };

/** The language of a file name or a Markdown fence's tag, or null for plain text. */
export function languageOf(nameOrTag) {
  const value = String(nameOrTag ?? "").toLowerCase();
  if (aliases[value]) return aliases[value];
  const extension = value.includes(".") ? value.slice(value.lastIndexOf(".") + 1) : value;
  return extensions[extension] ?? null;
}

/** The code as HTML with highlight spans; plain escaped text for an unknown language. */
export function highlight(code, language) {
  if (language === "html") return html(code);
  if (rules[language]) return tokenize(code, language);
  return escapeHtml(code);
}
