// The file view's editor: CodeMirror 6 with the language of the file (TS/TSX, JS, CSS, HTML, JSON, Markdown),
// highlighted with the same tok-* classes and colours (kiln.css's --tok-* variables) as the rest of the page.
//
// It lives in a shadow root: CodeMirror adds its styles at run time, as a <style> element in a document (which the
// page's CSP, style-src 'self', refuses) or as a constructed stylesheet in a shadow root (which it allows). So the
// editor's look is CodeMirror's theme below, not kiln.css; the page's CSS variables reach into it.

import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { bracketMatching, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import {
  EditorView, drawSelection, highlightActiveLine, highlightActiveLineGutter, highlightSpecialChars, keymap, lineNumbers,
} from "@codemirror/view";
import { codeMirrorLanguage, tokenClasses } from "./highlight.js";

/**
 * An editor on `text`. onChange(dirty) after every edit; onSave() on Ctrl/Cmd+S. `readOnly` for what cannot be
 * saved (a truncated large file).
 */
export function createEditor(host, { text, language, label, readOnly = false, onChange = () => {}, onSave = () => {} }) {
  const mode = codeMirrorLanguage(language);
  let saved = text;
  const root = host.attachShadow({ mode: "open" });
  const view = new EditorView({
    root,
    parent: root,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        syntaxHighlighting(tokenClasses),
        kilnTheme,
        mode ? mode.extension : [],
        EditorState.tabSize.of(2),
        EditorState.readOnly.of(readOnly),
        EditorView.editable.of(!readOnly),
        EditorView.contentAttributes.of({ "aria-label": label }),
        keymap.of([
          { key: "Mod-s", preventDefault: true, run: () => (onSave(), true) },
          ...defaultKeymap, ...historyKeymap, indentWithTab,
        ]),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString() !== saved);
        }),
      ],
    }),
  });
  return {
    view,
    text: () => view.state.doc.toString(),
    get dirty() {
      return view.state.doc.toString() !== saved;
    },
    /** What was saved (or loaded) last: the editor is clean when it shows this. */
    markSaved(content) {
      saved = content;
      onChange(view.state.doc.toString() !== saved);
    },
    focus: () => view.focus(),
    scroll: () => [view.scrollDOM.scrollTop, view.scrollDOM.scrollLeft],
    restoreScroll([top, left]) {
      view.scrollDOM.scrollTop = top;
      view.scrollDOM.scrollLeft = left;
    },
    destroy: () => view.destroy(),
  };
}

const token = (name) => ({ color: `var(--tok-${name})` });

const kilnTheme = EditorView.theme({
  "&": { flex: "1", minWidth: "0", height: "100%", color: "var(--text)", fontSize: "12.5px" },
  "&.cm-focused": { outline: "2px solid var(--focus)", outlineOffset: "-2px" },
  ".cm-scroller": { fontFamily: "var(--mono)", lineHeight: "1.6" },
  ".cm-content": { padding: "12px 0", caretColor: "var(--text)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--text)" },
  ".cm-gutters": { borderRight: "1px solid var(--border)", background: "var(--surface)", color: "var(--muted)" },
  ".cm-lineNumbers .cm-gutterElement": { padding: "0 12px 0 16px" },
  "&.cm-focused .cm-activeLine, &.cm-focused .cm-activeLineGutter": { background: "var(--accent-soft)" },
  ".cm-activeLine, .cm-activeLineGutter": { background: "transparent" },
  "&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection":
    { background: "var(--info-soft)" },
  ".cm-matchingBracket, &.cm-focused .cm-matchingBracket": { outline: "1px solid var(--border-strong)", background: "transparent" },
  ".tok-keyword, .tok-selector, .tok-heading": token("keyword"),
  ".tok-string": token("string"),
  ".tok-number, .tok-literal": token("number"),
  ".tok-comment": { ...token("comment"), fontStyle: "italic" },
  ".tok-function, .tok-link": token("function"),
  ".tok-type": token("type"),
  ".tok-property": token("property"),
  ".tok-tag": token("tag"),
  ".tok-attr": token("attr"),
  ".tok-punct": token("punct"),
  ".tok-heading, .tok-strong": { fontWeight: "650" },
  ".tok-emphasis": { fontStyle: "italic" },
});
