// Notices and small forms shared by the workbench's parts.
import { h, fill } from './dom.js';

let notices;

/** A short notice at the bottom of the page (role=status); `kind` is info, ok or error. */
export function notify(message, kind = 'info') {
  if (!notices) {
    notices = h('div.notices', { role: 'status' });
    document.body.append(notices);
  }
  const n = h(`div.notice.${kind}`, {}, message);
  notices.append(n);
  setTimeout(() => n.remove(), kind === 'error' ? 8000 : 4000);
}

/** Server reasons that name a rule in its own terms, said as a person would. */
const REASONS = [
  [/^project id must match/, 'A project id has 1 to 64 letters, digits, - or _ (no spaces or dots).'],
  [/^not a valid branch name/, 'That is not a valid branch name: use letters, digits and - _ . /, without spaces, "..", or a "/" or ".lock" at the end.'],
  [/^username must match/, 'A user name has 1 to 64 letters, digits, ".", "-" or "_".'],
  [/^path /, 'That is not a valid file path: use names separated by /, without "..", a leading / or .git.'],
  [/^'(\w+)' is required/, 'Something required is missing: $1.'],
];

/** A readable sentence for a failed request: what happened, in words, never a code or a pattern. */
export function explain(e) {
  const why = {
    forbidden: 'Your role on this project does not allow that.',
    conflict: 'Someone changed it first.',
    locked: 'Another session holds the lock; try again.',
    too_large: 'That is over the server\'s limit.',
    overloaded: 'The server is busy; try again.',
    timeout: 'The server did not answer in time.',
    unavailable: 'The server cannot be reached.',
    rate_limited: 'Too many attempts; wait a little and try again.',
    unauthenticated: 'Your session has ended; sign in again.',
    internal: 'Something went wrong on the server.',
    unsupported: 'This server cannot do that.',
  }[e?.code];
  const reason = String(e?.reason ?? e?.message ?? e ?? '').trim();
  for (const [pattern, sentence] of REASONS) {
    const m = reason.match(pattern);
    if (m) return sentence.replace('$1', m[1] ?? '');
  }
  const said = reason && !/[[\]{}]/.test(reason) ? `${reason[0].toUpperCase()}${reason.slice(1)}${/[.!?]$/.test(reason) ? '' : '.'}` : '';
  if (why && e.code === 'internal') return `${why} ${said}`.trim();
  return why ? (said && e.code !== 'conflict' && e.code !== 'forbidden' ? `${why} ${said}` : why) : (said || 'That did not work.');
}

/**
 * A modal form: `fields` is [{ name, label, type?, value?, required?, accept?, options? }]; resolves
 * with { name: value } (a file input gives its File), or null when cancelled.
 */
export function ask(title, fields, submit = 'OK') {
  return new Promise((resolve) => {
    const inputs = {};
    const close = (value) => {
      overlay.remove();
      resolve(value);
    };
    const rows = fields.map((f) => {
      const input = f.options
        ? h('select', { name: f.name }, f.options.map((o) => h('option', { value: o, selected: o === f.value }, o)))
        : h('input', { name: f.name, type: f.type ?? 'text', value: f.value, required: f.required,
          accept: f.accept, placeholder: f.placeholder, autocomplete: 'off', pattern: f.pattern, title: f.title,
          min: f.min, max: f.max });
      inputs[f.name] = input;
      return h('label', {}, f.label, input);
    });
    const form = h('form.dialog', {
      onsubmit: (e) => {
        e.preventDefault();
        const out = {};
        for (const [name, input] of Object.entries(inputs)) {
          out[name] = input.type === 'file' ? input.files[0] : input.value.trim();
        }
        close(out);
      },
      onkeydown: (e) => { if (e.key === 'Escape') close(null); },
    }, h('h2', {}, title), rows,
    h('div.row', {}, h('button.primary', { type: 'submit' }, submit),
      h('button', { type: 'button', onclick: () => close(null) }, 'Cancel')));
    const overlay = h('div.overlay', { role: 'dialog', 'aria-modal': 'true', 'aria-label': title }, form);
    document.body.append(overlay);
    Object.values(inputs)[0]?.focus();
  });
}

/** A modal panel of `children` with a Close button; answers a function that closes it. */
export function dialog(title, ...children) {
  const close = () => overlay.remove();
  const box = h('div.dialog.wide', { onkeydown: (e) => { if (e.key === 'Escape') close(); } },
    h('h2', {}, title), ...children,
    h('div.row', {}, h('button', { type: 'button', dataset: { close: '' }, onclick: close }, 'Close')));
  const overlay = h('div.overlay', { role: 'dialog', 'aria-modal': 'true', 'aria-label': title }, box);
  document.body.append(overlay);
  box.querySelector('input, select, button')?.focus();
  close.box = box;
  return close;
}

/** A tab strip over panels: [{ id, label, panel }]; answers a function that shows one by id. */
export function tabs(parent, items, onShow) {
  const strip = h('div.tabs', { role: 'tablist' });
  const body = h('div.tab-body');
  const buttons = new Map();
  const show = (id) => {
    for (const it of items) {
      buttons.get(it.id).setAttribute('aria-selected', String(it.id === id));
      it.panel.hidden = it.id !== id;
    }
    onShow?.(id);
  };
  for (const it of items) {
    const b = h('button.tab', { role: 'tab', dataset: { tab: it.id }, onclick: () => show(it.id) }, it.label);
    buttons.set(it.id, b);
    strip.append(b);
    body.append(it.panel);
  }
  fill(parent, strip, body);
  show(items[0].id);
  return show;
}
