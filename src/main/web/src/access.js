// Git access from the page: the project's clone URL and command, and personal access tokens
// (named, with an expiry and a scope) to use as git's password or as a Bearer token. A new
// token is shown once, here; the server keeps only its hash.
import { h, fill } from './dom.js';
import { dialog, explain, notify } from './ui.js';

export async function gitAccess(bench) {
  const { api, session, project } = bench;
  const url = `${location.origin}/git/${encodeURIComponent(project ?? 'PROJECT')}.git`;
  const userUrl = url.replace('://', `://${encodeURIComponent(session.user)}@`);
  const list = h('ul.tokens', { 'aria-label': 'access tokens' });
  const shown = h('div.new-token', { hidden: true });
  const name = h('input', { name: 'token-name', placeholder: 'laptop git', maxlength: 64, required: true, 'aria-label': 'token name' });
  const scope = h('select', { name: 'token-scope', 'aria-label': 'token scope' },
    h('option', { value: 'write' }, 'read and write'), h('option', { value: 'read' }, 'read only'));
  const days = h('input', { name: 'token-days', type: 'number', min: 1, max: 365, value: 90, 'aria-label': 'days valid' });

  async function refresh() {
    const tokens = await api.tokens();
    fill(list, tokens.length ? tokens.map((t) => h('li', { dataset: { token: t.id } },
      h('span.token-name', {}, t.name), ' ',
      h('span.badge', {}, t.scope === 'read' ? 'read only' : 'read and write'), ' ',
      h('span.muted', {}, t.expiresAt < Date.now() ? 'expired' : `until ${new Date(t.expiresAt).toLocaleDateString()}`), ' ',
      h('button', { dataset: { revoke: t.id }, onclick: () => revoke(t) }, 'Revoke')))
      : h('li.muted', {}, 'No access tokens yet.'));
  }

  async function revoke(t) {
    try {
      await api.revokeToken(t.id);
      notify(`Token ${t.name} is revoked: nothing can use it any more.`, 'ok');
      await refresh();
    } catch (e) {
      notify(explain(e), 'error');
    }
  }

  async function create(e) {
    e.preventDefault();
    try {
      const t = await api.createToken(name.value.trim(), scope.value, Number(days.value));
      fill(shown,
        h('p', {}, `Your new token ${t.name}, valid until ${new Date(t.expiresAt).toLocaleDateString()}. Copy it now: it is not shown again.`),
        h('input.secret', { readonly: true, value: t.token, 'aria-label': 'new token', onfocus: (ev) => ev.target.select() }),
        h('p.muted', {}, 'Use it as the password when git asks, or as "Authorization: Bearer <token>".'));
      shown.hidden = false;
      name.value = '';
      await refresh();
    } catch (err) {
      notify(explain(err), 'error');
    }
  }

  dialog('Git access',
    h('p', {}, 'Clone this project with git:'),
    h('input.clone-url', { readonly: true, value: url, 'aria-label': 'clone URL', onfocus: (ev) => ev.target.select() }),
    h('pre.command', {}, `git clone ${userUrl}\n# password: an access token from below\n`
      + '# keep it in git\'s credential store:  git config --global credential.helper store'),
    h('h3', {}, 'Access tokens'),
    list,
    h('form.token-form', { onsubmit: create }, h('div.row', {}, name, scope, days, h('span.muted', {}, 'days'),
      h('button.primary', { type: 'submit' }, 'Create token'))),
    shown);
  await refresh().catch((e) => notify(explain(e), 'error'));
}
