// Webhooks from the page (owners): the project's hooks with their events, a form to add one (the
// server's secret is shown once when none is given), and each hook's recent deliveries with every
// attempt, the receiver's answer, and redelivery of one that ended.
import { h, fill } from './dom.js';
import { dialog, explain, notify } from './ui.js';

const EVENTS = ['push', 'commit', 'branch', 'merge', 'tag'];

const when = (ms) => new Date(ms).toLocaleString();

export async function webhooks(bench) {
  const { api, project } = bench;
  const list = h('ul.hooks', { 'aria-label': 'webhooks' });
  const deliveries = h('div.deliveries');
  const shown = h('div.new-secret', { hidden: true });
  const url = h('input', { name: 'hook-url', type: 'url', placeholder: 'https://ci.example.com/branchwork', required: true,
    maxlength: 2048, 'aria-label': 'hook URL' });
  const secret = h('input', { name: 'hook-secret', placeholder: 'secret (empty: made up for you)', maxlength: 256,
    'aria-label': 'hook secret' });
  const boxes = EVENTS.map((e) => h('input', { type: 'checkbox', name: `event-${e}`, value: e, checked: e !== 'branch' }));

  async function refresh() {
    const hooks = await api.hooks(project);
    fill(list, hooks.length ? hooks.map((k) => h('li', { dataset: { hook: k.id } },
      h('span.hook-url', {}, k.url), ' ',
      ...k.events.map((e) => h('span.badge', {}, e)), ' ',
      h('button', { dataset: { deliveries: k.id }, onclick: () => showDeliveries(k) }, 'Deliveries'),
      h('button', { dataset: { remove: k.id }, onclick: () => remove(k) }, 'Delete')))
      : h('li.muted', {}, 'No webhooks yet.'));
  }

  async function showDeliveries(k) {
    try {
      const ds = await api.deliveries(project, k.id);
      fill(deliveries, h('h3', {}, `Deliveries to ${k.url}`),
        ds.length ? h('table.delivery-list', {},
          h('tr', {}, h('th', {}, 'event'), h('th', {}, 'status'), h('th', {}, 'created'), h('th', {}, 'attempts'), h('th')),
          ...ds.map((d) => h('tr', { dataset: { delivery: d.id, status: d.status } },
            h('td', {}, d.event),
            h('td', {}, d.status === 'pending' && d.nextAt ? `pending, next ${when(d.nextAt)}` : d.status),
            h('td', {}, when(d.createdAt)),
            h('td', {}, ...d.attempts.map((a) => h('div.attempt', { title: a.answer ?? '' },
              `#${a.n} ${when(a.at)}: ${a.status ?? a.error} (${a.durationMs} ms)`))),
            h('td', {}, d.status === 'pending' ? ''
              : h('button', { dataset: { redeliver: d.id }, onclick: () => redeliver(k, d) }, 'Redeliver')))))
          : h('p.muted', {}, 'Nothing sent yet.'));
    } catch (e) {
      notify(explain(e), 'error');
    }
  }

  async function redeliver(k, d) {
    try {
      await api.redeliver(project, k.id, d.id);
      notify(`Delivery ${d.id} is queued again.`, 'ok');
      await showDeliveries(k);
    } catch (e) {
      notify(explain(e), 'error');
    }
  }

  async function remove(k) {
    try {
      await api.deleteHook(project, k.id);
      notify(`Webhook to ${k.url} deleted.`, 'ok');
      fill(deliveries);
      await refresh();
    } catch (e) {
      notify(explain(e), 'error');
    }
  }

  async function create(e) {
    e.preventDefault();
    const events = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!events.length) {
      notify('Pick at least one event.', 'error');
      return;
    }
    try {
      const k = await api.createHook(project, url.value.trim(), events, secret.value || undefined);
      if (k.secret) {
        fill(shown,
          h('p', {}, 'The secret that signs this hook\'s deliveries. Copy it now: it is not shown again.'),
          h('input.secret', { readonly: true, value: k.secret, 'aria-label': 'new secret', onfocus: (ev) => ev.target.select() }));
        shown.hidden = false;
      }
      url.value = '';
      secret.value = '';
      await refresh();
    } catch (err) {
      notify(explain(err), 'error');
    }
  }

  dialog(`Webhooks of ${project}`,
    h('p.muted', {}, 'Each change is posted as JSON, signed with X-Branchwork-Signature-256 (HMAC-SHA256 of the body'
      + ' with the secret), retried until it is answered 2xx.'),
    list,
    h('form.hook-form', { onsubmit: create },
      h('div.row', {}, url),
      h('div.row', {}, ...EVENTS.map((e, i) => h('label.check', {}, boxes[i], e))),
      h('div.row', {}, secret, h('button.primary', { type: 'submit' }, 'Add webhook'))),
    shown,
    deliveries);
  await refresh().catch((e) => notify(explain(e), 'error'));
}
