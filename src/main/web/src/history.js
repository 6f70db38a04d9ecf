// The History panel: the branch's commits (updated when anyone commits), each opening its diff
// with "Revert this commit" and, per file, "Restore this file" (as it was after that commit, as
// an uncommitted change); and the project's tags, with "+ Tag" to tag the head.
import { h, fill, ago } from './dom.js';
import { ask, explain, notify } from './ui.js';

/** How a line of a unified diff is shown. */
export function lineKind(line) {
  if (/^(diff |index |--- |\+\+\+ |new file|deleted file|similarity|rename )/.test(line)) return 'meta';
  if (line.startsWith('@@')) return 'hunk';
  if (line.startsWith('+')) return 'add';
  if (line.startsWith('-')) return 'del';
  return 'ctx';
}

/** A patch as lines marked by kind. */
export function patchLines(patch) {
  return patch.split('\n').map((line) => h(`span.${lineKind(line)}`, {}, `${line}\n`));
}

export class HistoryPanel {
  constructor(bench) {
    this.bench = bench;
    this.client = bench.client;
    this.log = h('ol.log', { 'aria-label': 'history' });
    this.tags = h('span.tags', { 'aria-label': 'tags' });
    this.detail = h('div.commit-detail', { hidden: true });
    this.el = h('div.panel', { dataset: { panel: 'history' } },
      h('div.row', {}, h('span.muted', {}, 'Tags:'), this.tags, h('div.spacer'),
        h('button', { title: 'tag the head of this branch', onclick: () => this.tag() }, '+ Tag')),
      this.log, this.detail);
  }

  async refresh() {
    const [{ commits }, { tags }] = await Promise.all([this.client.log({ limit: 50 }), this.client.tags()]);
    fill(this.tags, tags.length ? tags.map((t) => h('code.tag', { title: t.message ?? t.commit, dataset: { tag: t.name } },
      t.name)) : h('span.muted', {}, 'none'));
    fill(this.log, commits.map((c) => h('li', { dataset: { commit: c.commit } },
      h('button.link', { onclick: () => this.open(c) }, h('code', {}, c.commit.slice(0, 8))), ' ',
      h('span.message', {}, c.message.split('\n')[0]),
      h('span.muted', {}, ` ${c.author}, ${ago(c.time)}`))));
  }

  /** A commit's change, against its first parent, with what can be done with it. */
  async open(c) {
    const writable = this.bench.writable;
    try {
      const first = c.parents.length === 0;
      const cmp = first ? null : await this.client.compare(c.parents[0], c.commit);
      fill(this.detail,
        h('div.row', {}, h('strong', {}, c.commit.slice(0, 8)), h('span', {}, c.message.split('\n')[0]), h('div.spacer'),
          writable && !first ? h('button', { dataset: { action: 'revert' }, onclick: () => this.revert(c) }, 'Revert this commit') : null,
          h('button', { onclick: () => { this.detail.hidden = true; } }, 'Close')),
        cmp ? h('ul.commit-files', {}, cmp.files.map((f) => h('li', { dataset: { path: f.path } },
          h('span.badge', { dataset: { change: f.change } }, f.change), ` ${f.path} `,
          h('span.muted', {}, f.binary ? 'binary' : `+${f.additions} −${f.deletions} `),
          writable ? h('button.link', { dataset: { action: 'restore' }, onclick: () => this.restore(f.path, c) },
            f.change === 'deleted' ? 'Restore it as before' : 'Restore this file') : null))) : h('p.muted', {}, 'The first commit.'),
        cmp ? h('pre.diff', {}, patchLines(cmp.patch)) : null);
      this.detail.hidden = false;
    } catch (e) {
      notify(explain(e), 'error');
    }
  }

  async revert(c) {
    try {
      const r = await this.client.revert(c.commit);
      if (r.result === 'conflicts') {
        notify(`Reverting ${c.commit.slice(0, 8)} conflicts with later changes to ${r.conflicts.map((x) => x.path).join(', ')};`
          + ' undo those lines by hand instead.', 'error');
        return;
      }
      notify(`Reverted ${c.commit.slice(0, 8)} (${r.commit.slice(0, 8)}).`, 'ok');
      this.detail.hidden = true;
      await this.bench.reload(); // this session hears no events of its own
    } catch (e) {
      notify(e.code === 'nothing_to_commit' ? 'That change is already undone.' : explain(e), 'error');
    }
  }

  /** The file as that commit left it (or as before it, when the commit deleted it), as an uncommitted change. */
  async restore(path, c) {
    const at = c.parents.length && this.detail.querySelector(`li[data-path="${CSS.escape(path)}"] .badge`)?.dataset.change === 'deleted'
      ? c.parents[0] : c.commit;
    try {
      const { changed } = await this.client.restore([path], at);
      notify(changed.length ? `${path} is back as it was at ${at.slice(0, 8)}, as an uncommitted change.`
        : `${path} is already as it was at ${at.slice(0, 8)}.`, 'ok');
      await this.bench.reload();
    } catch (e) {
      notify(explain(e), 'error');
    }
  }

  async tag() {
    const v = await ask(`Tag the head of ${this.bench.branch}`, [
      { name: 'name', label: 'Tag name', required: true, placeholder: 'v1.0' },
      { name: 'message', label: 'Message (optional: makes an annotated tag)' }], 'Tag');
    if (!v) return;
    try {
      await this.client.tagCreate(v.name, v.message ? { message: v.message } : {});
      notify(`Tagged ${v.name}.`, 'ok');
      await this.refresh();
    } catch (e) {
      notify(e.code === 'conflict' ? `A tag ${v.name} exists already.` : explain(e), 'error');
    }
  }
}
