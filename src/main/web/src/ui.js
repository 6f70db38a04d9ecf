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

/** A readable sentence for a failed request. */
export function explain(e) {
  const why = {
    forbidden: 'Your role on this project does not allow that.',
    conflict: 'Someone changed it first.',
    locked: 'Another session holds the lock; try again.',
    too_large: 'That is over the server\'s limit.',
    overloaded: 'The server is busy; try again.',
    timeout: 'The server did not answer in time.',
    unavailable: 'The server cannot be reached.',
  }[e?.code];
  return why ? `${why} (${e.message})` : (e?.message ?? String(e));
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
          accept: f.accept, placeholder: f.placeholder, autocomplete: 'off' });
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
