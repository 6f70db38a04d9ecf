// The workbench page: sign in (or register, or sign in with the team's identity provider), then
// the workbench. The token lives in this tab's sessionStorage: a reload keeps the user signed in,
// another tab signs in on its own.
import { h, fill } from './dom.js';
import { Api } from './api.js';
import { Workbench } from './workbench.js';

const app = document.getElementById('app');
const KEY = 'branchwork.session';
/** The provider sign-in under way: its state and PKCE verifier, kept until the provider sends the user back. */
const PENDING = 'branchwork.oidc';

function b64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function random(n) {
  return b64url(crypto.getRandomValues(new Uint8Array(n)));
}

/** The page's own address, without the provider's answer: where the provider sends the user back. */
function here() {
  return location.origin + location.pathname;
}

/** Authorization code with PKCE: the verifier stays in this tab, the provider sees its S256 challenge. */
async function signInWithProvider(api) {
  if (!crypto.subtle) throw new Error('signing in with the identity provider needs https (or localhost)');
  const verifier = random(32);
  const state = random(16);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  const challenge = b64url(new Uint8Array(digest));
  const redirectUri = here();
  sessionStorage.setItem(PENDING, JSON.stringify({ state, verifier, redirectUri }));
  const { url } = await api.providerUrl(redirectUri, state, challenge);
  location.assign(url);
}

/** Back from the provider: the code exchanged for a session (when the state is the one this tab sent). */
async function providerReturn() {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return null;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null');
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', here());
  if (params.has('error')) return `The identity provider said: ${params.get('error_description') ?? params.get('error')}`;
  if (!pending || pending.state !== params.get('state')) return 'That sign-in was not started here; try again.';
  try {
    const s = await new Api().providerSignIn(params.get('code'), pending.verifier, pending.redirectUri);
    sessionStorage.setItem(KEY, JSON.stringify({ user: s.username, token: s.token, expiresAt: s.expiresAt }));
    return '';
  } catch (e) {
    return e.code === 'forbidden' ? e.message : `Signing in with the identity provider failed: ${e.message}`;
  }
}

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
  const provider = h('div.provider');
  const local = h('div.local', {},
    h('label', {}, 'User name', username),
    h('label', {}, 'Password', password),
    h('div.row', {},
      h('button.primary', { type: 'submit' }, 'Sign in'),
      h('button.register', { type: 'button', onclick: () => form.reportValidity() && go(true) }, 'Register')));
  const form = h('form.signin', { onsubmit: (e) => { e.preventDefault(); go(false); } },
    h('h1', {}, 'Branchwork'),
    h('p.muted', {}, 'Live git working copies, shared.'),
    provider,
    local,
    status);
  fill(app, form);
  username.focus();
  api.authMethods().then((m) => {
    if (m.provider) {
      fill(provider, h('button.primary.provider-signin', {
        type: 'button',
        onclick: () => signInWithProvider(api).catch((e) => { status.textContent = e.message; }),
      }, `Sign in with ${m.provider.name}`));
    }
    if (!m.local) {
      local.remove();
    } else if (!m.registration) {
      local.querySelector('button.register')?.remove();
    }
  }).catch(() => {}).finally(markReady);
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

providerReturn().then((message) => {
  if (message) signInView(message);
  else start();
});
