// The code editor: CodeMirror 6 with an OpenSCAD highlighter, history, search, bracket matching,
// and line marks for compile diagnostics.
import { EditorState, Compartment, StateEffect, StateField, RangeSetBuilder, Transaction } from '@codemirror/state';
import { EditorView, Decoration, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { StreamLanguage, syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentOnInput }
  from '@codemirror/language';
import { searchKeymap, highlightSelectionMatches } from '@codemirror/search';

const KEYWORDS = new Set(['module', 'function', 'if', 'else', 'for', 'intersection_for', 'let', 'each',
  'include', 'use', 'true', 'false', 'undef', 'assert', 'echo']);

/**
 * A line-by-line OpenSCAD tokenizer: comments, strings, numbers, keywords, $special variables;
 * it counts open brackets too, so a new line after `{` (or inside `(`/`[`) is indented one unit
 * more, and a line starting with the closer one unit less.
 */
const openscad = StreamLanguage.define({
  name: 'openscad',
  startState: () => ({ comment: false, depth: 0 }),
  token(stream, state) {
    if (state.comment) {
      if (stream.skipTo('*/')) {
        stream.pos += 2;
        state.comment = false;
      } else {
        stream.skipToEnd();
      }
      return 'comment';
    }
    if (stream.eatSpace()) return null;
    if (stream.match('//')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.match('/*')) {
      state.comment = true;
      return 'comment';
    }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return 'string';
    if (stream.match(/^<[^>\s]*>/) && /(include|use)\s*$/.test(stream.string.slice(0, stream.start))) {
      return 'string';
    }
    if (stream.match(/^(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?/i)) return 'number';
    if (stream.match(/^\$[A-Za-z_]\w*/)) return 'variableName.special';
    if (stream.match(/^[A-Za-z_]\w*/)) {
      return KEYWORDS.has(stream.current()) ? 'keyword' : 'variableName';
    }
    const c = stream.next();
    if (c === '{' || c === '(' || c === '[') state.depth++;
    else if ((c === '}' || c === ')' || c === ']') && state.depth > 0) state.depth--;
    return null;
  },
  indent(state, textAfter, cx) {
    return Math.max(0, state.depth - (/^\s*[}\])]/.test(textAfter) ? 1 : 0)) * cx.unit;
  },
  languageData: { commentTokens: { line: '//', block: { open: '/*', close: '*/' } }, indentOnInput: /^\s*[}\])]$/ },
});

const setMarks = StateEffect.define();
const marks = StateField.define({
  create: () => Decoration.none,
  update(value, tr) {
    for (const e of tr.effects) {
      if (e.is(setMarks)) return e.value;
    }
    // The marks are the last compile's: once the text changes they may point at the wrong line.
    return tr.docChanged ? Decoration.none : value;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export class Editor {
  /** @param parent the element to mount in; @param onEdit called after every change of the text by the user */
  constructor(parent, onEdit, onSave) {
    this.readOnly = new Compartment();
    this.quiet = false;
    this.extensions = [
      lineNumbers(), highlightActiveLineGutter(), history(), drawSelection(), indentOnInput(),
      bracketMatching(), highlightActiveLine(), highlightSelectionMatches(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }), openscad, marks,
      keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => { onSave(); return true; } },
        ...defaultKeymap, ...historyKeymap, ...searchKeymap, indentWithTab]),
      EditorView.updateListener.of((u) => {
        if (u.docChanged && !this.quiet) onEdit();
      }),
      EditorView.contentAttributes.of({ 'aria-label': 'file content' }),
    ];
    this.view = new EditorView({ parent, state: this.state('', false) });
  }

  state(doc, editable) {
    return EditorState.create({ doc, extensions: [...this.extensions, this.readOnly.of(EditorState.readOnly.of(!editable))] });
  }

  get text() {
    return this.view.state.doc.toString();
  }

  /** Makes the open text editable or read-only (a role that changed). */
  setEditable(editable) {
    this.view.dispatch({ effects: this.readOnly.reconfigure(EditorState.readOnly.of(!editable)) });
  }

  /** Shows another file: a fresh state, so undo does not cross into the file before. */
  open(text, editable) {
    this.view.setState(this.state(text, editable));
  }

  /**
   * Puts in what someone else wrote to the open file, keeping the cursor where it can be; not an
   * edit of this user's, and not undoable (undo must not bring back the old version silently).
   */
  replace(text) {
    this.quiet = true;
    try {
      const head = Math.min(this.view.state.selection.main.head, text.length);
      this.view.dispatch({
        changes: { from: 0, to: this.view.state.doc.length, insert: text },
        selection: { anchor: head },
        annotations: Transaction.addToHistory.of(false),
      });
    } finally {
      this.quiet = false;
    }
  }

  /** Moves the cursor to a line (1-based), scrolls it into view and focuses the editor. */
  goToLine(line) {
    const doc = this.view.state.doc;
    const l = doc.line(Math.min(Math.max(1, line), doc.lines));
    this.view.dispatch({ selection: { anchor: l.from }, effects: EditorView.scrollIntoView(l.from, { y: 'center' }) });
    this.view.focus();
  }

  /** Marks lines with a diagnostic's severity ({line, severity}). */
  mark(diagnostics) {
    const doc = this.view.state.doc;
    const builder = new RangeSetBuilder();
    const lines = [...new Set(diagnostics.map((d) => d.line).filter((n) => n >= 1 && n <= doc.lines))]
      .sort((a, b) => a - b);
    for (const n of lines) {
      const severity = diagnostics.find((d) => d.line === n).severity === 'warning' ? 'warning' : 'error';
      builder.add(doc.line(n).from, doc.line(n).from, Decoration.line({ class: `cm-diag-${severity}` }));
    }
    this.view.dispatch({ effects: setMarks.of(builder.finish()) });
  }

  /** The line of the cursor (1-based). */
  get cursorLine() {
    return this.view.state.doc.lineAt(this.view.state.selection.main.head).number;
  }
}
