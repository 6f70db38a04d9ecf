// Merging from the page: pick a branch, see what it brings (compare) and what the merge would do
// (dryRun), merge, or settle each conflict side by side (@codemirror/merge) by keeping ours,
// taking theirs, or editing the result, then complete the merge with those resolutions.
import { MergeView } from '@codemirror/merge';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { h, fill } from './dom.js';
import { Editor } from './editor.js';
import { dialog, explain, notify } from './ui.js';

const encoder = new TextEncoder();

/** Ours and theirs out of a text with git's conflict markers. */
export function sides(text) {
  const ours = [];
  const theirs = [];
  let at = 'both';
  for (const line of text.split(/(?<=\n)/)) {
    if (line.startsWith('<<<<<<< ')) at = 'ours';
    else if (at === 'ours' && /^=======\r?\n?$/.test(line)) at = 'theirs';
    else if (at === 'theirs' && line.startsWith('>>>>>>> ')) at = 'both';
    else {
      if (at !== 'theirs') ours.push(line);
      if (at !== 'ours') theirs.push(line);
    }
  }
  return { ours: ours.join(''), theirs: theirs.join('') };
}

const readOnly = [EditorState.readOnly.of(true), EditorView.editable.of(false)];

/** One conflict's panel: both sides, an editable result, and the choice made. */
function conflictPanel(c, ours, theirs, onChoice) {
  const choice = { value: undefined };
  const buttons = [];
  const pick = (value, label, why) => {
    const b = h('button', { dataset: { choose: value }, onclick: () => {
      choice.value = value;
      for (const x of buttons) x.setAttribute('aria-pressed', String(x === b));
      onChoice();
    } }, label);
    b.title = why;
    buttons.push(b);
    return b;
  };
  const body = h('div.conflict-body');
  let result;
  if (c.text !== undefined) {
    const { ours: o, theirs: t } = sides(c.text);
    body.append(h('div.sides', {}, h('span', {}, `${ours}'s`), h('span', {}, `${theirs}'s`)));
    new MergeView({ a: { doc: o, extensions: readOnly }, b: { doc: t, extensions: readOnly }, parent: body });
    const mount = h('div.conflict-result', { 'aria-label': `result of ${c.path}` });
    result = new Editor(mount, () => {}, () => {});
    result.open(c.text, true);
    body.append(h('div.muted', {}, 'The result (edit it, then choose "Use this result"):'), mount);
  } else {
    body.append(h('p.muted', {}, c.kind === 'binary' ? 'A binary file: keep one side.' : `${c.kind}: keep one side.`));
  }
  const el = h('section.conflict', { dataset: { path: c.path, kind: c.kind } },
    h('div.row', {}, h('strong', {}, c.path), h('span.badge', {}, c.kind), h('div.spacer'),
      pick('ours', `Keep ${ours}'s`, `the file as it is on ${ours}${c.ours ? '' : ' (deleted)'}`),
      pick('theirs', `Take ${theirs}'s`, `the file as it is on ${theirs}${c.theirs ? '' : ' (deleted)'}`),
      result ? pick('edited', 'Use this result', 'the result as edited below') : null),
    body);
  return {
    el,
    chosen: () => choice.value !== undefined,
    resolution: () => {
      if (choice.value === 'edited') return { content: encoder.encode(result.text) };
      return { take: choice.value };
    },
  };
}

/** The merge dialog for the open branch. */
export async function mergeDialog(bench) {
  const client = bench.client;
  const into = bench.branch;
  let branches;
  try {
    ({ branches } = await client.branches());
  } catch (e) {
    notify(explain(e), 'error');
    return;
  }
  const others = branches.map((b) => b.name).filter((n) => n !== into);
  if (!others.length) {
    notify('There is no other branch to merge from.', 'error');
    return;
  }
  const source = h('select', { name: 'merge-from', 'aria-label': 'merge from' }, others.map((n) => h('option', { value: n }, n)));
  const preview = h('div.merge-preview', { 'aria-live': 'polite' });
  let close;

  async function complete(resolutions) {
    const from = source.value;
    try {
      const r = await client.merge(from, resolutions ? { resolutions } : {});
      if (r.result === 'conflicts') {
        notify(`${from} changed again meanwhile: look at the conflicts once more.`, 'error');
        show(r);
        return;
      }
      notify(r.result === 'up-to-date' ? `${into} already has everything of ${from}.`
        : `Merged ${from} into ${into} (${r.result}${r.commit ? `, ${r.commit.slice(0, 8)}` : ''}).`, 'ok');
      close();
      // This session hears no events of its own: what is open is read again.
      bench.reload().catch(() => {});
    } catch (e) {
      notify(explain(e), 'error');
    }
  }

  function show(dry, cmp) {
    const parts = [];
    if (cmp) {
      parts.push(h('p', {}, `${from()} brings ${cmp.commits.length} commit${cmp.commits.length === 1 ? '' : 's'}`
        + ` and changes ${cmp.files.length} file${cmp.files.length === 1 ? '' : 's'}:`),
      h('ul.merge-files', {}, cmp.files.map((f) => h('li', {}, h('span.badge', { dataset: { change: f.change } }, f.change),
        ` ${f.path} `, h('span.muted', {}, f.binary ? 'binary' : `+${f.additions} −${f.deletions}`)))));
    }
    if (dry.result === 'up-to-date') {
      parts.push(h('p.merge-result', { dataset: { result: dry.result } }, `${into} already has everything of ${from()}.`));
    } else if (dry.result !== 'conflicts') {
      parts.push(h('p.merge-result', { dataset: { result: dry.result } },
        dry.result === 'fast-forward' ? `${into} can simply move forward to ${from()}.`
          : `The merge is clean: ${dry.changed.length} file${dry.changed.length === 1 ? '' : 's'} change on ${into}.`),
      h('button.primary', { dataset: { action: 'merge' }, onclick: () => complete() }, `Merge ${from()} into ${into}`));
    } else {
      const panels = dry.conflicts.map((c) => conflictPanel(c, into, from(), () => {
        done.disabled = !panels.every((p) => p.chosen());
      }));
      const done = h('button.primary', { dataset: { action: 'complete' }, disabled: true, onclick: () => {
        const resolutions = {};
        dry.conflicts.forEach((c, i) => { resolutions[c.path] = panels[i].resolution(); });
        complete(resolutions);
      } }, 'Complete the merge');
      parts.push(h('p.merge-result', { dataset: { result: 'conflicts' } },
        `${dry.conflicts.length} file${dry.conflicts.length === 1 ? '' : 's'} changed on both branches in the same places.`
        + ' For each, keep one side or edit the result; everything else merges as is.'),
      ...panels.map((p) => p.el), done);
    }
    fill(preview, ...parts);
  }

  const from = () => source.value;
  async function load() {
    fill(preview, h('p.muted', {}, 'Looking at what the merge would do…'));
    try {
      const [cmp, dry] = await Promise.all([client.compare(into, from()), client.merge(from(), { dryRun: true })]);
      show(dry, cmp);
    } catch (e) {
      fill(preview, h('p.form-status', {}, explain(e)));
    }
  }
  source.addEventListener('change', load);
  close = dialog(`Merge into ${into}`, h('label', {}, 'From branch', source), preview);
  close.box.classList.add('merge-dialog');
  await load();
}
