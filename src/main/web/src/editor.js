// The code editor: CodeMirror 6 with an OpenSCAD highlighter, history, search, bracket matching,
// and line marks for compile diagnostics.
import { EditorState, Compartment, StateEffect, StateField, RangeSetBuilder, Transaction, ChangeSet }
  from '@codemirror/state';
import { EditorView, Decoration, WidgetType, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection } from '@codemirror/view';
import { collab, receiveUpdates, sendableUpdates } from '@codemirror/collab';
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

// --- other people's cursors in a live document

const setPeer = StateEffect.define();
const clearPeers = StateEffect.define();

/** A user's colour: the same hue for the same name on every page. */
function hue(user) {
  let n = 0;
  for (const c of user) n = (n * 31 + c.charCodeAt(0)) >>> 0;
  return n % 360;
}

class PeerCursor extends WidgetType {
  constructor(user) {
    super();
    this.user = user;
  }

  eq(other) {
    return other.user === this.user;
  }

  toDOM() {
    const el = document.createElement('span');
    el.className = 'cm-peer-cursor';
    el.style.setProperty('--peer', `hsl(${hue(this.user)} 70% 45%)`);
    el.dataset.user = this.user;
    const name = document.createElement('span');
    name.className = 'cm-peer-name';
    name.textContent = this.user;
    el.append(name);
    return el;
  }

  ignoreEvent() {
    return true;
  }
}

/** Where the others are: clientID → {user, ranges}, moved along with every change of the text. */
const peers = StateField.define({
  create: () => new Map(),
  update(value, tr) {
    let next = value;
    if (tr.docChanged && value.size) {
      next = new Map();
      for (const [id, p] of value) {
        next.set(id, { ...p, ranges: p.ranges.map((r) => ({ anchor: tr.changes.mapPos(r.anchor), head: tr.changes.mapPos(r.head) })) });
      }
    }
    for (const e of tr.effects) {
      if (e.is(clearPeers)) next = new Map();
      if (e.is(setPeer)) {
        next = new Map(next);
        const len = tr.state.doc.length;
        if (e.value.selection) {
          next.set(e.value.clientID, { user: e.value.user, ranges: e.value.selection.ranges
            .map((r) => ({ anchor: Math.min(r.anchor, len), head: Math.min(r.head, len) })) });
        } else {
          next.delete(e.value.clientID);
        }
      }
    }
    return next;
  },
  provide: (f) => EditorView.decorations.from(f, (value) => {
    const ranges = [];
    for (const { user, ranges: rs } of value.values()) {
      const style = `--peer: hsl(${hue(user)} 70% 45%)`;
      for (const r of rs) {
        const from = Math.min(r.anchor, r.head);
        const to = Math.max(r.anchor, r.head);
        if (from < to) ranges.push(Decoration.mark({ class: 'cm-peer-selection', attributes: { style } }).range(from, to));
        ranges.push(Decoration.widget({ widget: new PeerCursor(user), side: 1 }).range(r.head));
      }
    }
    return Decoration.set(ranges, true);
  }),
});

export class Editor {
  /** @param parent the element to mount in; @param onEdit called after every change of the text by the user */
  constructor(parent, onEdit, onSave, onSelection = () => {}) {
    this.readOnly = new Compartment();
    this.quiet = false;
    this.live = false;
    this.extensions = [
      lineNumbers(), highlightActiveLineGutter(), history(), drawSelection(), indentOnInput(),
      bracketMatching(), highlightActiveLine(), highlightSelectionMatches(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }), openscad, marks,
      keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => { onSave(); return true; } },
        ...defaultKeymap, ...historyKeymap, ...searchKeymap, indentWithTab]),
      EditorView.updateListener.of((u) => {
        if (u.docChanged && !this.quiet) onEdit();
        if (this.live && (u.selectionSet || u.docChanged) && !this.quiet) onSelection(u.state.selection.toJSON());
      }),
      peers,
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
    this.live = false;
    this.view.setState(this.state(text, editable));
  }

  /**
   * Shows a live document: the text at `version`, typed together through @codemirror/collab as
   * `clientID` (see LiveDocument in the client library, which sends and receives the updates).
   */
  openLive(text, version, clientID, editable) {
    this.live = true;
    this.view.setState(EditorState.create({ doc: text, extensions: [...this.extensions,
      this.readOnly.of(EditorState.readOnly.of(!editable)), collab({ startVersion: version, clientID })] }));
  }

  /** This editor's updates not confirmed yet, as the server takes them. */
  sendable() {
    return sendableUpdates(this.view.state).map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() }));
  }

  /** Updates of the live document in order (others' applied, this editor's own confirmed). */
  receive(updates) {
    this.quiet = true;
    try {
      this.view.dispatch(receiveUpdates(this.view.state, updates.map((u) => ({
        clientID: u.clientID, changes: ChangeSet.fromJSON(u.changes) }))));
    } finally {
      this.quiet = false;
    }
  }

  /** Someone's cursors (`selection` null: they left). */
  showPeer(clientID, user, selection) {
    if (clientID) this.view.dispatch({ effects: setPeer.of({ clientID, user, selection }) });
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

  /** Replaces the text as this user's own edit (undoable, and sent in a live document). */
  replaceTyped(text) {
    this.view.dispatch({ changes: { from: 0, to: this.view.state.doc.length, insert: text } });
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
