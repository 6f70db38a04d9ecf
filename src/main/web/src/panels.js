// The side panels: changes (status, diff, commit), history (history.js), the Canvas (canvas.js:
// the rendered model in 3D), compile (output and diagnostics that jump to their line), and activity (the workspace's events as they arrive).
import { h, fill } from './dom.js';
import { HistoryPanel, patchLines } from './history.js';
import { CanvasPanel } from './canvas.js';
import { explain, notify, tabs } from './ui.js';

const ACTIVITY_MAX = 200;

function describe(e) {
  switch (e.event) {
    case 'changed': return `${e.by} ${e.blob ? 'changed' : 'deleted'} ${e.path}`;
    case 'committed': return `${e.by} committed ${String(e.commit).slice(0, 8)}`;
    case 'rendered': return `${e.by} rendered ${e.entry}`;
    case 'saved': return `${e.by} saved version ${e.version}`;
    case 'joined': return `${e.user} joined`;
    case 'left': return `${e.user} left`;
    case 'locked': return `${e.by} locked the workspace`;
    case 'unlocked': return 'the lock was released';
    case 'renamed': return `the branch is now ${e.branch}`;
    case 'closing': return `the workspace closed (${e.reason})`;
    case 'resync': return 'events were missed: everything was read again';
    default: return e.event;
  }
}

export class Panels {
  constructor(bench) {
    this.bench = bench;
    this.client = bench.client;
    this.visible = 'changes';
    this.diffPath = undefined;

    this.statusList = h('ul.status');
    this.diff = h('pre.diff', { 'aria-label': 'diff' });
    this.message = h('textarea', { rows: 3, placeholder: 'Commit message', 'aria-label': 'commit message' });
    const changes = h('div.panel', { dataset: { panel: 'changes' } },
      this.statusList,
      h('div.row', {}, this.message),
      h('div.row', {}, h('button.primary', { onclick: () => this.commit() }, 'Commit'),
        h('button', { onclick: () => this.showDiff(undefined) }, 'Diff all')),
      this.diff);

    this.history = new HistoryPanel(bench);
    const history = this.history.el;

    this.entry = h('input', { 'aria-label': 'compile entry', placeholder: 'main.scad',
      oninput: () => { this.entryTouched = true; } });
    this.output = h('pre.output', { 'aria-label': 'compile output' });
    this.diagnostics = h('ul.diagnostics', { 'aria-label': 'diagnostics' });
    this.compileInfo = h('p.muted');
    const compile = h('div.panel', { dataset: { panel: 'compile' } },
      h('div.row', {}, this.entry, h('button.primary', { onclick: () => this.compile() }, 'Compile')),
      this.compileInfo, this.diagnostics, this.output);

    this.canvas = new CanvasPanel(bench);

    this.feed = h('ol.activity', { 'aria-label': 'activity' });
    const activity = h('div.panel', { dataset: { panel: 'activity' } }, this.feed);

    this.el = h('aside.side');
    tabs(this.el, [
      { id: 'changes', label: 'Changes', panel: changes },
      { id: 'history', label: 'History', panel: history },
      { id: 'canvas', label: 'Canvas', panel: this.canvas.el },
      { id: 'compile', label: 'Compile', panel: compile },
      { id: 'activity', label: 'Activity', panel: activity },
    ], (id) => {
      this.visible = id;
      // the Canvas takes more of the page's width while it is shown
      bench.main?.classList.toggle('wide-side', id === 'canvas');
      if (id !== 'canvas') this.canvas.shown(false).catch(() => {});
      this.refresh().catch(() => {});
    });
  }

  /** Reads what the visible panel shows again. */
  async refresh() {
    if (!this.bench.project) return;
    if (this.visible === 'changes') await this.refreshStatus();
    if (this.visible === 'history') await this.history.refresh();
    // the Canvas renders what the open workspace holds: after a switch, a reload, a commit
    if (this.visible === 'canvas') await this.canvas.shown(true);
  }

  onChanged() {
    if (this.visible !== 'changes') return;
    clearTimeout(this.statusTimer);
    this.statusTimer = setTimeout(() => this.refreshStatus().catch(() => {}), 150);
  }

  /** This page saved `path`. */
  onSaved(path) {
    this.canvas.onSaved(path);
  }

  onCommitted() {
    this.refresh().catch(() => {});
  }

  async refreshStatus() {
    const { clean, changes } = await this.client.status();
    fill(this.statusList, clean ? h('li.muted', {}, 'No changes') : changes.map((c) =>
      h('li', {}, h('span.badge', { dataset: { change: c.change } }, c.change),
        h('button.link', { onclick: () => this.showDiff(c.path) }, c.path))));
    if (this.diff.textContent) await this.showDiff(this.diffPath);
  }

  async showDiff(path) {
    this.diffPath = path;
    const { patch, truncated } = await this.client.diff(path);
    fill(this.diff, patchLines(patch),
      truncated ? h('span.muted', {}, '(diff truncated)') : null);
  }

  async commit() {
    const message = this.message.value.trim();
    if (!message) {
      notify('Write a commit message first.', 'error');
      this.message.focus();
      return;
    }
    try {
      await this.bench.files.save();
      const { commit } = await this.client.commit(message);
      this.message.value = '';
      fill(this.diff);
      notify(`Committed ${commit.slice(0, 8)}`, 'ok');
      await this.refreshStatus();
    } catch (e) {
      notify(e.code === 'nothing_to_commit' ? 'Nothing to commit.' : explain(e), 'error');
    }
  }

  fileOpened(path) {
    if (path.endsWith('.scad') && !this.entryTouched) this.entry.value = path;
    this.canvas.fileOpened(path);
  }

  async compile() {
    const entry = this.entry.value.trim() || this.bench.files.current?.path;
    if (!entry) return;
    try {
      await this.bench.files.save(); // the compile reads what is stored: the text on screen first
      const r = await this.client.compile(entry);
      this.output.textContent = r.output ?? '';
      const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
      this.compileInfo.dataset.ok = String(r.ok);
      this.compileInfo.textContent = `${r.ok ? 'No errors' : `${errors} error${errors === 1 ? '' : 's'}`}:`
        + ` ${r.diagnostics.length} diagnostic${r.diagnostics.length === 1 ? '' : 's'},`
        + ` ${r.graph?.nodes?.length ?? 0} files, ${r.recompiled} parsed anew`;
      fill(this.diagnostics, r.diagnostics.map((d) => h('li', {},
        h('button.link', { dataset: { severity: d.severity }, onclick: () => this.bench.files.goTo(d.path, d.line) },
          `${d.path}:${d.line}`), ` ${d.severity}: ${d.message}`)));
      const open = this.bench.files.current?.path;
      this.bench.files.editor.mark(r.diagnostics.filter((d) => d.path === open));
    } catch (e) {
      notify(explain(e), 'error');
    }
  }

  clearActivity() {
    fill(this.feed);
  }

  activity(e) {
    // Keystrokes and cursors of live documents are shown in the editor, not listed one by one.
    if (e.event === 'state' || e.event === 'doc.update' || e.event === 'doc.presence') return;
    this.feed.prepend(h('li', { dataset: { event: e.event, seq: e.seq ?? '' } }, describe(e)));
    while (this.feed.childElementCount > ACTIVITY_MAX) this.feed.lastChild.remove();
  }
}
