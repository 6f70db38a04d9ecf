// The workbench page: sign in (or register), then the workbench. The token lives in this tab's
// sessionStorage: a reload keeps the user signed in, another tab signs in on its own.
import { h, fill } from './dom.js';
import { Api } from './api.js';
import { Workbench } from './workbench.js';

const app = document.getElementById('app');
const KEY = 'branchwork.session';

function saved() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    return s && s.token && s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

function signInView(message) {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, maxlength: 64 });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const status = h('p.form-status', { role: 'alert' }, message ?? '');
  const api = new Api();
  async function go(register) {
    status.textContent = '';
    const u = username.value.trim();
    try {
      if (register) await api.register(u, password.value);
      const session = await api.signIn(u, password.value);
      sessionStorage.setItem(KEY, JSON.stringify({ user: u, token: session.token, expiresAt: session.expiresAt }));
      start();
    } catch (e) {
      status.textContent = e.code === 'conflict' ? 'That user name is taken.'
        : e.code === 'unauthenticated' ? 'Wrong user name or password.' : e.message;
    }
  }
  const form = h('form.signin', { onsubmit: (e) => { e.preventDefault(); go(false); } },
    h('h1', {}, 'Branchwork'),
    h('p.muted', {}, 'Live git working copies, shared.'),
    h('label', {}, 'User name', username),
    h('label', {}, 'Password', password),
    h('div.row', {},
      h('button.primary', { type: 'submit' }, 'Sign in'),
      h('button', { type: 'button', onclick: () => form.reportValidity() && go(true) }, 'Register')),
    status);
  fill(app, form);
  username.focus();
  markReady();
}

function start() {
  const session = saved();
  if (!session) {
    signInView();
    return;
  }
  const bench = new Workbench(app, session, (why) => {
    sessionStorage.removeItem(KEY);
    signInView(why);
  });
  window.workbench = bench; // for the browser tests and for debugging from the console
  bench.start().then(markReady);
}

/** Interactive: a measure for the benchmark, and a hook for tests. */
function markReady() {
  if (!document.body.dataset.ready) {
    performance.mark('branchwork-interactive');
    document.body.dataset.ready = 'true';
  }
}

start();
