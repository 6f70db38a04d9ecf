// The file tree and the editor of the open file: saves with `base` (the blob this user last saw),
// so nobody's change is overwritten unseen; another user's change to the open file reloads it
// when this user has not changed it, or asks whose version to keep.
import { h, fill } from './dom.js';
import { Editor } from './editor.js';
import { ask, explain, notify } from './ui.js';

const AUTOSAVE_MS = 800;
const decoder = new TextDecoder('utf-8', { fatal: true });

function text(bytes) {
  if (bytes.includes(0)) return null;
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

export class Files {
  constructor(bench) {
    this.bench = bench;
    this.client = bench.client;
    this.current = undefined; // { path, blob, saved (the text as stored), binary }
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
    this.editorEl = h('section.editor-pane', {},
      h('div.pane-head', {}, this.pathEl, this.saveState, h('div.spacer'),
        h('button', { title: 'save (Ctrl+S)', onclick: () => this.save() }, 'Save'),
        h('button', { title: 'delete this file', onclick: () => this.remove() }, 'Delete')),
      this.banner, mount);
    this.editor = new Editor(mount, () => this.edited(), () => this.save());
  }

  get dirty() {
    return this.current !== undefined && !this.current.binary && this.editor.text !== this.current.saved;
  }

  setSaveState(state, label) {
    this.saveState.dataset.state = state;
    this.saveState.textContent = label;
  }

  async load() {
    const { entries } = await this.client.list('', { recursive: true });
    this.paths = new Set(entries.filter((e) => e.type === 'file').map((e) => e.path));
    fill(this.tree, this.renderTree(entries));
    if (this.current && !this.paths.has(this.current.path) && !this.dirty) this.closeFile();
    if (!this.current) {
      const first = ['main.scad', ...[...this.paths].sort()].find((p) => this.paths.has(p));
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

  /** Opens a file (saving the one open before, if it has changes). */
  open(path) {
    return this.run(async () => {
      if (this.current?.path === path) return;
      if (this.dirty) await this.store();
      if (this.conflict) {
        notify(`Choose which version of ${this.current.path} to keep first.`, 'error');
        return;
      }
      const { content, blob } = await this.client.read(path);
      const t = text(content);
      this.current = { path, blob, saved: t ?? '', binary: t === null };
      this.hideConflict();
      this.pathEl.textContent = path;
      this.editor.open(t ?? `(a binary file of ${content.length} bytes: not shown)`, t !== null && this.bench.writable);
      this.setSaveState('saved', this.bench.writable ? 'saved' : 'read-only');
      this.markCurrentInTree();
      this.bench.panels.fileOpened(path);
    }).catch((e) => notify(explain(e), 'error'));
  }

  closeFile() {
    this.current = undefined;
    this.pathEl.textContent = 'No file open';
    this.editor.open('', false);
    this.setSaveState('none', '');
  }

  /** Runs a step on the open file after the steps before it: a save and a reload never interleave. */
  run(step) {
    const next = this.queue.then(step);
    this.queue = next.catch(() => {});
    return next;
  }

  edited() {
    if (!this.current || this.conflict) return;
    this.setSaveState('dirty', 'unsaved');
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.save(), AUTOSAVE_MS);
  }

  save() {
    clearTimeout(this.timer);
    return this.run(() => this.store()).catch((e) => {
      this.setSaveState('dirty', 'not saved');
      notify(explain(e), 'error');
    });
  }

  /** Writes the editor's text if it changed, with `base` the blob it was made from. */
  async store() {
    if (!this.dirty || this.conflict || !this.bench.writable) return;
    const { path, blob } = this.current;
    const sent = this.editor.text;
    this.setSaveState('saving', 'saving…');
    try {
      const result = await this.client.write(path, sent, { base: blob });
      if (this.current?.path === path) {
        this.current.blob = result.blob;
        this.current.saved = sent;
        this.setSaveState(this.dirty ? 'dirty' : 'saved', this.dirty ? 'unsaved' : 'saved');
        if (this.dirty) this.timer = setTimeout(() => this.save(), AUTOSAVE_MS);
      }
    } catch (e) {
      if (e.code !== 'conflict' || this.current?.path !== path) throw e;
      await this.theirsChanged(undefined); // someone wrote first: show both
    }
  }

  /** Another session changed a file: the tree follows, the open file reloads or asks. */
  onChanged(e) {
    if ((e.blob === null || e.blob === undefined) ? this.paths.has(e.path) : !this.paths.has(e.path)) {
      clearTimeout(this.treeTimer);
      this.treeTimer = setTimeout(() => this.load().catch(() => {}), 100);
    }
    if (e.path === this.current?.path && e.blob !== this.current.blob) {
      this.run(() => this.theirsChanged(e.by)).catch((err) => notify(explain(err), 'error'));
    }
  }

  /** Reads the open file again: takes the stored version if this user has no changes, or asks. */
  async theirsChanged(by) {
    const { path } = this.current ?? {};
    if (!path) return;
    let theirs;
    try {
      theirs = await this.client.read(path);
    } catch (e) {
      if (e.code !== 'not_found') throw e;
      if (this.dirty) this.showConflict(by, null, null);
      else {
        notify(`${by ?? 'Someone'} deleted ${path}`);
        this.closeFile();
      }
      return;
    }
    if (this.current?.path !== path || theirs.blob === this.current.blob) return;
    const t = text(theirs.content);
    if (!this.dirty || this.current.binary) {
      this.current = { path, blob: theirs.blob, saved: t ?? '', binary: t === null };
      this.editor.replace(t ?? `(a binary file of ${theirs.content.length} bytes: not shown)`);
      this.setSaveState('saved', by ? `updated by ${by}` : 'updated');
      return;
    }
    this.showConflict(by, theirs.blob, t);
  }

  showConflict(by, blob, theirs) {
    clearTimeout(this.timer);
    this.conflict = { blob, theirs };
    this.setSaveState('conflict', 'conflict');
    fill(this.banner,
      h('span', {}, blob === null
        ? `${by ?? 'Someone'} deleted this file while you were editing it.`
        : `${by ?? 'Someone'} changed this file while you were editing it.`),
      h('button', { dataset: { choice: 'theirs' }, onclick: () => this.keepTheirs() }, blob === null ? 'Close it' : 'Keep theirs'),
      h('button.primary', { dataset: { choice: 'mine' }, onclick: () => this.keepMine() }, 'Keep mine'));
    this.banner.hidden = false;
  }

  hideConflict() {
    this.conflict = undefined;
    this.banner.hidden = true;
  }

  keepTheirs() {
    return this.run(async () => {
      const { blob, theirs } = this.conflict;
      this.hideConflict();
      if (blob === null) {
        this.closeFile();
        return;
      }
      this.current.blob = blob;
      this.current.saved = theirs;
      this.editor.replace(theirs);
      this.setSaveState('saved', 'saved');
    });
  }

  /** Writes this user's text over theirs, with theirs as `base`: if it moved again, ask again. */
  keepMine() {
    return this.run(async () => {
      const { blob } = this.conflict;
      this.hideConflict();
      this.current.blob = blob === null ? '' : blob; // '' creates it again, unless someone did
      await this.store();
    }).catch((e) => notify(explain(e), 'error'));
  }

  /** After a resync: the tree again, and the open file as under `changed`. */
  async resync() {
    await this.load();
    if (this.current) await this.run(() => this.theirsChanged(undefined));
  }

  async newFile() {
    const v = await ask('New file', [{ name: 'path', label: 'Path (folders with /)', required: true, placeholder: 'parts/new.scad' }], 'Create');
    if (!v) return;
    try {
      await this.client.write(v.path, '', { base: '' });
      await this.load();
      await this.open(v.path);
    } catch (e) {
      notify(e.code === 'conflict' ? `${v.path} exists already` : explain(e), 'error');
    }
  }

  async remove() {
    if (!this.current || !window.confirm(`Delete ${this.current.path}?`)) return;
    const { path, blob } = this.current;
    try {
      await this.run(() => this.client.delete(path, { base: blob }));
      this.closeFile();
      await this.load();
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
