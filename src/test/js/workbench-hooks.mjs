// Webhooks in the page, in real headless Chromium: the owner sees the Hooks button (a writer does
// not), adds a hook to a receiver run by this script on loopback and is shown the secret the server
// made up, once; a commit's delivery arrives signed with that secret; the deliveries list shows it
// delivered with its attempt; Redeliver sends it again under the same delivery id; Delete removes
// the hook.
// Env: PORT, CHROMIUM, FAILSHOTS, SHOTS. Prints "ok" when every check passed.
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { BranchworkClient } from '../../../clients/js/src/index.js';

import { checkErrors, fail, http, launch, page, report, step, user } from './pages.mjs';

const { PORT, SHOTS } = process.env;
const base = `http://127.0.0.1:${PORT}`;
setTimeout(() => report('timed out', 'hooks'), 90000);

const arrivals = [];
let waiting = null;
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', () => {
    arrivals.push({ headers: req.headers, body });
    res.writeHead(204).end();
    waiting?.();
  });
});

async function nextArrival(n) {
  const deadline = Date.now() + 15000;
  while (arrivals.length < n) {
    if (Date.now() > deadline) fail(`only ${arrivals.length} of ${n} deliveries arrived`);
    await new Promise((r) => { waiting = r; setTimeout(r, 200); });
  }
  return arrivals[n - 1];
}

async function main() {
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const hookUrl = `http://127.0.0.1:${receiver.address().port}/in`;
  const ana = await user(base, 'ana');
  const ben = await user(base, 'ben');
  await http(base, 'POST', '/api/projects', ana.token, { id: 'hooked' });
  await http(base, 'POST', '/api/projects/hooked/members', ana.token, { username: 'ben', role: 'writer' });
  await http(base, 'POST', '/api/projects', ben.token, { id: 'bens' });
  await http(base, 'POST', '/api/projects/bens/members', ben.token, { username: 'ana', role: 'writer' });

  const browser = await launch();
  const b = await page(browser, 'B', `${base}/#/hooked/main`, { session: ben });
  await b.waitForFunction(() => window.workbench?.opened !== undefined);
  step('a writer has no Hooks button');
  if (await b.isVisible('button[title^=webhooks]')) fail('the writer sees the Hooks button');

  const a = await page(browser, 'A', `${base}/#/hooked/main`, { session: ana });
  await a.waitForFunction(() => window.workbench?.opened !== undefined);
  step('switching project midway: the button follows the role (owner of hooked, writer of bens)');
  if (!await a.isVisible('button[title^=webhooks]')) fail('the owner has no Hooks button');
  await a.selectOption('select[aria-label=project]', 'bens');
  await a.waitForFunction(() => window.workbench?.opened?.project === 'bens');
  if (await a.isVisible('button[title^=webhooks]')) fail('the Hooks button stayed on a project ana only writes to');
  await a.selectOption('select[aria-label=project]', 'hooked');
  await a.waitForFunction(() => window.workbench?.opened?.project === 'hooked');
  await a.waitForSelector('button[title^=webhooks]', { state: 'visible' });
  step('the owner adds a hook; the made-up secret is shown once');
  await a.click('button[title^=webhooks]');
  await a.fill('.dialog input[name=hook-url]', hookUrl);
  await a.click('.dialog button[type=submit]');
  await a.waitForSelector('.dialog .hooks li[data-hook]');
  const secret = await a.inputValue('.dialog .new-secret input.secret');
  if (secret.length < 32) fail(`the secret shown is ${secret}`);

  step('a commit is delivered, signed with that secret');
  const lib = new BranchworkClient({ url: `ws://127.0.0.1:${PORT}/ws`, token: ana.token });
  await lib.open('hooked', 'main');
  await lib.write('a.scad', 'cube(1);\n');
  const { commit } = await lib.commit('a cube');
  const first = await nextArrival(1);
  const body = JSON.parse(first.body);
  if (body.event !== 'commit' || body.after !== commit) fail(`delivered ${first.body}`);
  const signature = `sha256=${createHmac('sha256', secret).update(first.body).digest('hex')}`;
  if (first.headers['x-branchwork-signature-256'] !== signature) fail('the signature does not match the secret shown');

  step('the deliveries list shows it delivered; Redeliver sends it again under the same id');
  await a.click('.dialog button[data-deliveries]');
  await a.waitForSelector('.dialog tr[data-status=delivered]');
  if (SHOTS) await a.screenshot({ path: `${SHOTS}/hooks-dialog.png` });
  await a.click('.dialog button[data-redeliver]');
  const again = await nextArrival(2);
  if (again.headers['x-branchwork-delivery'] !== first.headers['x-branchwork-delivery']) fail('redelivered under another id');

  step('Delete removes the hook');
  await a.click('.dialog button[data-remove]');
  await a.waitForSelector('.dialog .hooks li.muted');
  const left = await http(base, 'GET', '/api/projects/hooked/hooks', ana.token);
  if (left.length) fail(`hooks left: ${JSON.stringify(left)}`);
  checkErrors();
  lib.close?.();
  await browser.close();
  receiver.close();
  console.log('ok');
  process.exit(0);
}

main().catch((e) => report(e, 'hooks'));
