// The file tree and the editor of the open file. Every open file belongs to one (project, branch,
// path) and one base blob: its saves go only to that workspace, with `base`, so nobody's change is
// overwritten unseen. When someone else's change meets this user's unsaved edits, both are merged
// line by line against the base (as git merges); edits that clash are shown side by side and the
// user chooses, with every other change of both kept. What cannot be saved where it was typed is
// kept as a draft for that branch (see drafts.js), never sent elsewhere.
// A text file is opened as a live document when it can be one (see LiveDocument): everyone on it
// types into the same text, character by character, and every accepted keystroke is the working
// copy's file already; there is nothing to save and nothing to merge. Files that cannot be live
// (binary, too large, mixed line ends) keep the save-and-merge way above.
import { h, fill } from './dom.js';
import { Editor } from './editor.js';
import { Drafts } from './drafts.js';
import { merge3 } from './merge3.js';
import { ask, explain, notify } from './ui.js';
import { LiveDocument } from '../../../../clients/js/src/index.js';

const AUTOSAVE_MS = 800;
/** How often this page tells the others where its cursor is, at most. */
const PRESENCE_MS = 120;
/** After typing stops this long, the panels (changes, Canvas) take the file as saved. */
const SETTLED_MS = 500;
const clientID = () => globalThis.crypto?.randomUUID?.().slice(0, 12) ?? Math.random().toString(36).slice(2, 14);
const decoder = new TextDecoder('utf-8', { fatal: true });

function text(bytes) {
  if (bytes.includes(0)) return null;
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

const sameFile = (a, b) => a && b && a.project === b.project && a.branch === b.branch && a.path === b.path;

export class Files {
  constructor(bench) {
    this.bench = bench;
    this.client = bench.client;
    this.drafts = new Drafts(bench.session.user);
    this.current = undefined; // { project, branch, path, blob, saved (the text as stored), binary }
    this.queue = Promise.resolve(); // saves and reloads of the open file, one at a time
    this.conflict = undefined;
    this.timer = undefined;
    this.paths = new Set();
    this.tree = h('ul.tree', { role: 'tree', 'aria-label': 'files' });
    this.treeEl = h('aside.files', {},
      h('div.pane-head', {}, h('span', {}, 'Files'),
        h('button', { title: 'new file', onclick: () => this.newFile() }, '+ File')),
      this.tree);
    this.pathEl = h('span.path', {}, 'No file open');
    this.saveState = h('span.save-state', { dataset: { state: 'none' } });
    this.banner = h('div.banner', { hidden: true, role: 'alert' });
    const mount = h('div.editor');
    /** Whether text files open as live documents (the Live toggle; kept per browser). */
    this.liveEnabled = localStorage.getItem('branchwork.live') !== 'off';
    this.liveToggle = h('button.live-toggle', { title: 'type together: every keystroke is shared and stored as you type',
      'aria-pressed': String(this.liveEnabled), onclick: () => this.toggleLive() }, 'Live');
    this.editorEl = h('section.editor-pane', {},
      h('div.pane-head', {}, this.pathEl, this.saveState, h('div.spacer'), this.liveToggle,
        h('button', { title: 'save (Ctrl+S)', onclick: () => this.save() }, 'Save'),
        h('button', { title: 'delete this file', onclick: () => this.remove() }, 'Delete')),
      this.banner, mount);
    this.editor = new Editor(mount, () => this.edited(), () => this.save(), (sel) => this.moved(sel));
  }

  get dirty() {
    return this.current !== undefined && !this.current.binary && !this.current.live
      && this.editor.text !== this.current.saved;
  }

  /**
   * Joins `path` as a live document, or answers undefined when it cannot be one (the file is
   * binary, too large, has mixed line ends; the server says why) and is edited the classic way.
   */
  async joinLive(path) {
    const id = clientID();
    const doc = new LiveDocument(this.client, path, {
      sendable: () => (this.current?.live === doc ? this.editor.sendable() : []),
      receive: (updates) => {
        if (this.current?.live !== doc) return;
        this.editor.receive(updates);
        if (updates.some((u) => u.clientID !== id)) this.othersTyped(updates);
      },
      resync: ({ text, version }) => {
        if (this.current?.live === doc) this.editor.openLive(text, version, id, this.bench.writable);
      },
      presence: (e) => {
        if (this.current?.live === doc) this.editor.showPeer(e.clientID, e.user, e.selection);
      },
      deleted: () => {
        if (this.current?.live !== doc) return;
        notify(`${this.current.path} was deleted or is no longer a text file.`, 'error');
        this.closeFile();
        this.load().catch(() => {});
      },
      error: (e) => notify(explain(e), 'error'),
    });
    let joined;
    try {
      joined = await doc.join();
    } catch (e) {
      if (e.code === 'bad_request' || e.code === 'too_large' || e.code === 'overloaded') return undefined;
      throw e;
    }
    return { doc, joined, id };
  }

  /** Live on or off: the open file opens again the chosen way (what is unsaved is saved first). */
  toggleLive() {
    this.liveEnabled = !this.liveEnabled;
    localStorage.setItem('branchwork.live', this.liveEnabled ? 'on' : 'off');
    this.liveToggle.setAttribute('aria-pressed', String(this.liveEnabled));
    const path = this.current?.path;
    if (!path) return undefined;
    return this.run(async () => {
      if (this.current?.live) await this.current.live.sync().catch(() => {});
      if (this.dirty) await this.store();
      if (!this.conflict && this.current?.path === path) this.closeFile();
    }).then(() => (this.current ? undefined : this.open(path)));
  }

  /** Others typed in the live document: the panels follow once they pause. */
  othersTyped() {
    clearTimeout(this.othersTimer);
    this.othersTimer = setTimeout(() => this.bench.panels.onChanged(), SETTLED_MS);
  }

  /** This user moved the cursor in a live document: the others see it (throttled). */
  moved(selection) {
    const doc = this.current?.live;
    if (!doc) return;
    this.pendingSelection = selection;
    if (this.presenceTimer) return;
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = undefined;
      if (this.current?.live === doc) doc.presence(this.current.clientID, this.pendingSelection);
    }, PRESENCE_MS);
  }

  setSaveState(state, label) {
    this.saveState.dataset.state = state;
    this.saveState.textContent = label;
  }

  /** Lists the open workspace's files; opens `prefer`, the open file's path, main.scad or the first file. */
  async load(prefer = undefined) {
    const { entries } = await this.client.list('', { recursive: true });
    this.paths = new Set(entries.filter((e) => e.type === 'file').map((e) => e.path));
    fill(this.tree, this.renderTree(entries));
    if (this.current && !this.paths.has(this.current.path) && !this.dirty) this.closeFile();
    if (!this.current) {
      const first = [prefer, 'main.scad', ...[...this.paths].sort()].find((p) => p && this.paths.has(p));
      if (first) await this.open(first);
    }
  }

  renderTree(entries) {
    const root = { dirs: new Map(), files: [] };
    for (const e of entries) {
      const parts = e.path.split('/');
      let node = root;
      for (const dir of parts.slice(0, e.type === 'dir' ? parts.length : -1)) {
        if (!node.dirs.has(dir)) node.dirs.set(dir, { dirs: new Map(), files: [] });
        node = node.dirs.get(dir);
      }
      if (e.type === 'file') node.files.push(e);
    }
    const render = (node) => [
      ...[...node.dirs.keys()].sort().map((name) => h('li', { role: 'treeitem' },
        h('details', { open: true }, h('summary', {}, `${name}/`), h('ul', { role: 'group' }, render(node.dirs.get(name)))))),
      ...node.files.sort((a, b) => a.path.localeCompare(b.path)).map((f) => h('li', { role: 'treeitem' },
        h('button.file', { dataset: { path: f.path }, title: `${f.path} (${f.size} bytes)`,
          'aria-current': this.current?.path === f.path ? 'true' : undefined,
          onclick: () => this.open(f.path) }, f.path.split('/').pop()))),
    ];
    return render(root);
  }

  markCurrentInTree() {
    for (const b of this.tree.querySelectorAll('button.file')) {
      if (b.dataset.path === this.current?.path) b.setAttribute('aria-current', 'true');
      else b.removeAttribute('aria-current');
    }
  }

  /** Opens a file of the open workspace (saving the one open before, if it has changes). */
  open(path) {
    return this.run(async () => {
      const { project, branch } = this.bench;
      if (sameFile(this.current, { project, branch, path })) return;
      if (this.dirty) await this.store();
      if (this.conflict) {
        notify(`Choose which version of ${this.current.path} to keep first.`, 'error');
        return;
      }
      this.leaveLive();
      const { content, blob } = await this.client.read(path);
      const t = text(content);
      const live = t === null || !this.liveEnabled ? undefined : await this.joinLive(path);
      this.hideConflict();
      this.pathEl.textContent = path;
      if (live) {
        this.current = { project, branch, path, blob, saved: live.joined.text, binary: false, live: live.doc, clientID: live.id };
        this.editor.openLive(live.joined.text, live.joined.version, live.id, this.bench.writable);
        for (const p of live.joined.peers) this.editor.showPeer(p.clientID, p.user, p.selection);
        this.setSaveState('live', this.bench.writable ? 'live' : 'read-only');
      } else {
        this.current = { project, branch, path, blob, saved: t ?? '', binary: t === null };
        this.editor.open(t ?? `(a binary file of ${content.length} bytes: not shown)`, t !== null && this.bench.writable);
        this.setSaveState('saved', this.bench.writable ? 'saved' : 'read-only');
      }
      this.markCurrentInTree();
      this.bench.panels.fileOpened(path);
      await this.restoreDraft();
    }).catch((e) => notify(explain(e), 'error'));
  }

  /** Text this user typed on this file of this branch and could not save then: back into the editor, merged. */
  async restoreDraft() {
    const draft = this.drafts.get(this.current);
    if (!draft || this.current.binary || !this.bench.writable) return;
    this.drafts.drop(this.current);
    if (draft.text === this.current.saved) return;
    if (this.current.live) {
      // Typed while the file could not be reached: merged into the live text as this user's edit.
      const { text: merged, conflicts } = merge3(draft.baseText, draft.text, this.editor.text);
      if (conflicts.length) {
        this.drafts.put(this.current, draft.base, draft.baseText, draft.text);
        notify(`Your earlier changes to ${this.current.path} clash with what was typed since; they are kept as a draft.`, 'error');
        return;
      }
      this.editor.replaceTyped(merged);
      notify(`Your unsaved changes to ${this.current.path} on ${this.current.branch} are back.`, 'ok');
      return;
    }
    const stored = { blob: this.current.blob, text: this.current.saved };
    this.current.blob = draft.base;
    this.current.saved = draft.baseText;
    this.editor.replace(draft.text);
    notify(`Your unsaved changes to ${this.current.path} on ${this.current.branch} are back.`, 'ok');
    if (stored.blob === draft.base) {
      this.edited();
    } else {
      this.mergeWith(stored.blob, stored.text, undefined);
    }
  }

  /** Leaves the open live document, if any: the others see this cursor go. */
  leaveLive() {
    const doc = this.current?.live;
    if (doc) {
      doc.leave().catch(() => {});
      this.current.live = undefined;
    }
  }

  closeFile() {
    this.leaveLive();
    this.current = undefined;
    this.pathEl.textContent = 'No file open';
    this.editor.open('', false);
    this.setSaveState('none', '');
    this.hideConflict();
  }

  /** Runs a step on the open file after the steps before it: a save and a reload never interleave. */
  run(step) {
    const next = this.queue.then(step);
    this.queue = next.catch(() => {});
    return next;
  }

  edited() {
    if (this.current?.live) {
      this.typed();
      return;
    }
    if (!this.current || this.conflict) return;
    this.setSaveState('dirty', 'unsaved');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), AUTOSAVE_MS);
  }

  /** A keystroke in a live document: sent now (one push in flight, the rest batched behind it). */
  typed() {
    const file = this.current;
    this.setSaveState('saving', 'sending…');
    file.live.sync().then(() => {
      if (this.current !== file || !file.live || this.editor.sendable().length) return;
      this.setSaveState('live', 'live');
      clearTimeout(this.settledTimer);
      this.settledTimer = setTimeout(() => {
        if (this.current !== file) return;
        this.bench.panels.onChanged();
        this.bench.panels.onSaved(file.path);
      }, SETTLED_MS);
    });
  }

  save() {
    if (this.current?.live) return this.current.live.sync();
    clearTimeout(this.timer);
    return this.run(() => this.store()).catch((e) => {
      this.setSaveState('dirty', 'not saved');
      notify(explain(e), 'error');
    });
  }

  /**
   * Before the workspace changes (another branch or project): what is typed is saved where it
   * was typed, now; what cannot be (a conflict, an error) stays as a draft of that branch.
   */
  leave() {
    clearTimeout(this.timer);
    return this.run(async () => {
      // What was typed in a live document and not confirmed yet goes out before the switch.
      if (this.current?.live) await this.current.live.sync().catch(() => {});
      // Twice: a save that meets someone else's change merges, and the merge is saved next.
      for (let i = 0; i < 2 && this.dirty && !this.conflict; i++) {
        try {
          await this.store();
        } catch {
          break; // kept below
        }
      }
      clearTimeout(this.timer);
      this.keepDraft();
      this.closeFile();
    });
  }

  /** Keeps the open file's unsaved text as a draft of its own branch (on leaving, reloading, or a failed save). */
  keepDraft() {
    if (this.dirty && this.bench.writable) {
      const { blob, saved } = this.current;
      this.drafts.put(this.current, blob, saved, this.editor.text);
    }
  }

  /** Writes the editor's text if it changed, with `base` the blob it was made from, to the file's own workspace. */
  async store() {
    if (!this.dirty || this.conflict || !this.bench.writable) return;
    const file = this.current;
    if (!this.bench.isOpen(file)) {
      this.keepDraft(); // its workspace is not the open one (a switch is under way): never sent elsewhere
      return;
    }
    const sent = this.editor.text;
    this.setSaveState('saving', 'saving…');
    try {
      const result = await this.client.write(file.path, sent, { base: file.blob });
      if (this.current === file) {
        file.blob = result.blob;
        file.saved = sent;
        this.drafts.drop(file);
        this.setSaveState(this.dirty ? 'dirty' : 'saved', this.dirty ? 'unsaved' : 'saved');
        if (this.dirty) this.timer = setTimeout(() => this.save(), AUTOSAVE_MS);
      }
      this.bench.panels.onChanged();
      this.bench.panels.onSaved(file.path);
    } catch (e) {
      if (e.code !== 'conflict' || this.current !== file) throw e;
      await this.theirsChanged(undefined); // someone wrote first: merge, or show both
    }
  }

  /** Another session changed a file: the tree follows, the open file reloads or merges. */
  onChanged(e) {
    if ((e.blob === null || e.blob === undefined) ? this.paths.has(e.path) : !this.paths.has(e.path)) {
      clearTimeout(this.treeTimer);
      this.treeTimer = setTimeout(() => this.load().catch(() => {}), 100);
    }
    if (e.path === this.current?.path && e.blob !== this.current.blob && !this.current.live) {
      const file = this.current;
      this.run(() => (this.current === file ? this.theirsChanged(e.by) : undefined))
        .catch((err) => notify(explain(err), 'error'));
    }
  }

  /** Reads the open file again: takes the stored version if this user has no changes, or merges. */
  async theirsChanged(by) {
    const file = this.current;
    if (!file) return;
    let theirs;
    try {
      theirs = await this.client.read(file.path);
    } catch (e) {
      if (e.code !== 'not_found') throw e;
      if (this.dirty) this.showConflict(by, null, null);
      else {
        notify(`${by ?? 'Someone'} deleted ${file.path}`);
        this.closeFile();
      }
      return;
    }
    if (this.current !== file || theirs.blob === file.blob) return;
    const t = text(theirs.content);
    if (!this.dirty || file.binary || t === null) {
      if (this.dirty) notify(`${file.path} became a binary file; your text is kept as a draft.`, 'error');
      this.keepDraft();
      this.current = { ...file, blob: theirs.blob, saved: t ?? '', binary: t === null };
      this.editor.replace(t ?? `(a binary file of ${theirs.content.length} bytes: not shown)`);
      this.setSaveState('saved', by ? `updated by ${by}` : 'updated');
      return;
    }
    this.mergeWith(theirs.blob, t, by);
  }

  /**
   * This user's edits (on top of the file's base) and theirs (`blob`, `t`) together: merged and
   * saved when no line clashes; otherwise both versions are shown and the user chooses.
   */
  mergeWith(blob, t, by) {
    const base = this.current.saved;
    const { text: merged, conflicts } = merge3(base, this.editor.text, t);
    if (conflicts.length) {
      this.showConflict(by, blob, t, conflicts);
      return;
    }
    this.current.blob = blob;
    this.current.saved = t;
    this.editor.replace(merged);
    notify(`${by ?? 'Someone'} changed ${this.current.path} too: their changes and yours are merged.`, 'ok');
    if (this.dirty) this.edited();
    else this.setSaveState('saved', 'saved');
  }

  showConflict(by, blob, theirs, conflicts = []) {
    clearTimeout(this.timer);
    this.conflict = { blob, theirs, by };
    this.setSaveState('conflict', 'conflict');
    const who = by ?? 'Someone';
    const deleted = blob === null;
    const versions = conflicts.map((c, i) => h('div.versions', { dataset: { conflict: i } },
      h('div', {}, h('div.muted', {}, `${who}'s version`), h('pre.theirs', {}, c.theirs || '(lines removed)')),
      h('div', {}, h('div.muted', {}, 'Your version'), h('pre.mine', {}, c.mine || '(lines removed)'))));
    fill(this.banner,
      h('div.banner-text', {},
        h('span', {}, deleted
          ? `${who} deleted this file while you were editing it.`
          : `${who} changed the same lines of this file as you. Their other changes are kept either way; for`
            + ` ${conflicts.length === 1 ? 'these lines' : `these ${conflicts.length} places`}, keep which version?`),
        versions),
      h('div.row', {},
        h('button', { dataset: { choice: 'theirs' }, onclick: () => this.keepTheirs() }, deleted ? 'Close it' : 'Keep theirs'),
        h('button.primary', { dataset: { choice: 'mine' }, onclick: () => this.keepMine() }, 'Keep mine')));
    this.banner.hidden = false;
  }

  hideConflict() {
    this.conflict = undefined;
    this.banner.hidden = true;
  }

  /** Resolves the conflict: the clashing lines from `prefer`'s side, every other change of both kept. */
  resolve(prefer) {
    return this.run(async () => {
      const { blob, theirs } = this.conflict;
      this.hideConflict();
      if (blob === null) {
        if (prefer === 'theirs') this.closeFile();
        else {
          this.current.blob = ''; // '' creates it again, unless someone did
          await this.store();
        }
        return;
      }
      const { text: merged } = merge3(this.current.saved, this.editor.text, theirs, prefer);
      this.current.blob = blob;
      this.current.saved = theirs;
      this.editor.replace(merged);
      if (this.dirty) await this.store();
      else this.setSaveState('saved', 'saved');
    }).catch((e) => notify(explain(e), 'error'));
  }

  keepTheirs() {
    return this.resolve('theirs');
  }

  keepMine() {
    return this.resolve('mine');
  }

  /** After a resync: the tree again, and the open file as under `changed`. */
  async resync() {
    await this.load();
    // A live document catches up by itself (LiveDocument joins again and pulls).
    if (this.current && !this.current.live) await this.run(() => this.theirsChanged(undefined));
  }

  async newFile() {
    const v = await ask('New file', [{ name: 'path', label: 'Path (folders with /)', required: true, placeholder: 'parts/new.scad' }], 'Create');
    if (!v) return;
    try {
      await this.client.write(v.path, '', { base: '' });
      await this.load();
      await this.open(v.path);
      this.bench.panels.onChanged();
    } catch (e) {
      notify(e.code === 'conflict' ? `${v.path} exists already.` : explain(e), 'error');
    }
  }

  async remove() {
    if (!this.current || !window.confirm(`Delete ${this.current.path}?`)) return;
    const { path, blob } = this.current;
    try {
      await this.run(() => this.client.delete(path, { base: blob }));
      this.closeFile();
      await this.load();
      this.bench.panels.onChanged();
    } catch (e) {
      notify(explain(e), 'error');
    }
  }

  /** Opens a file at a line (from a diagnostic). */
  async goTo(path, line) {
    await this.open(path);
    if (this.current?.path === path) this.editor.goToLine(line);
  }
}
