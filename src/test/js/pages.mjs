// What the browser scripts share: Chromium, a page per user, a TCP proxy standing for the network
// in front of a page, and the steps a user takes in the workbench (typing, opening, sharing).
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { chromium } from 'playwright-core';

export class Failure extends Error {}
/** Fails the run from inside it (the report follows). */
export const fail = (why) => { throw new Failure(why); };
export const step = (what) => console.log(`- ${what}`);

export const pages = [];
export const errors = [];
/**
 * HTTP statuses a script provokes on purpose (sharing with an unknown user answers 404): Chromium
 * logs every failed fetch as a console error, and these are not the page's errors.
 */
export const expectedStatuses = new Set();

/** Says why the run failed, what each page last noticed, and keeps screenshots (FAILSHOTS, a folder). */
export async function report(why, name = 'workbench') {
  console.error(`FAILED: ${why}`);
  for (const [page, tab] of pages) {
    const notices = await tab.evaluate(() => document.querySelector('.notices')?.innerText ?? '').catch(() => '?');
    console.error(`page ${page}: notices: ${notices}`);
    if (process.env.FAILSHOTS) await tab.screenshot({ path: `${process.env.FAILSHOTS}/${name}-${page}.png` }).catch(() => {});
  }
  process.exit(1);
}

export const checkErrors = () => { if (errors.length) fail(errors.join('\n')); };

/**
 * A TCP proxy to the node, standing for the network between a page and the server: `swallow`
 * drops what the server sends (answers lost on the way), `holdUp` keeps what the page sends,
 * `hold` parks new connections (a reconnect waits, as on a slow network), `drop()` cuts every
 * connection as a server or network failure would.
 */
export function proxy(port) {
  const p = { swallow: false, holdUp: false, hold: false, conns: new Set(), parked: [] };
  const wire = (client, buffered) => {
    const up = net.connect(Number(port), '127.0.0.1');
    const conn = { client, up, pending: [] };
    p.conns.add(conn);
    for (const d of buffered) up.write(d);
    client.on('data', (d) => (p.holdUp ? conn.pending.push(d) : up.write(d)));
    up.on('data', (d) => { if (!p.swallow) client.write(d); });
    const end = () => { client.destroy(); up.destroy(); p.conns.delete(conn); };
    client.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
  };
  p.server = net.createServer((client) => {
    if (!p.hold) {
      wire(client, []);
      return;
    }
    const buffered = [];
    client.on('data', (d) => buffered.push(d));
    p.parked.push(() => { client.removeAllListeners('data'); wire(client, buffered); });
  });
  p.drop = () => { for (const c of p.conns) { c.client.destroy(); c.up.destroy(); } };
  p.release = () => { p.hold = false; for (const go of p.parked.splice(0)) go(); };
  p.flushUp = () => { p.holdUp = false; for (const c of p.conns) for (const d of c.pending.splice(0)) c.up.write(d); };
  return new Promise((r) => p.server.listen(0, '127.0.0.1', () => r(p)));
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
}

/**
 * A page of user `name` at `url` in a context of its own; with `session` ({ user, token }) it
 * starts signed in. Page errors and console errors are collected and fail the run.
 */
export async function page(browser, name, url, { viewport = { width: 1400, height: 860 }, session, classic } = {}) {
  const ctx = await browser.newContext({ viewport });
  if (classic) {
    // The save-and-merge editing these scenarios are about: live documents off (the page's Live toggle).
    await ctx.addInitScript(() => localStorage.setItem('branchwork.live', 'off'));
  }
  if (session) {
    await ctx.addInitScript((s) => {
      if (!sessionStorage.getItem('branchwork.session')) {
        sessionStorage.setItem('branchwork.session', JSON.stringify({ ...s, expiresAt: Date.now() + 3600e3 }));
      }
    }, session);
  }
  const tab = await ctx.newPage();
  tab.on('pageerror', (e) => errors.push(`${name}: page error: ${e.message}`));
  tab.on('console', (m) => {
    const status = /^Failed to load resource: the server responded with a status of (\d+)/.exec(m.text())?.[1];
    if (m.type() === 'error' && !expectedStatuses.has(Number(status))) errors.push(`${name}: console error: ${m.text()}`);
  });
  tab.setDefaultTimeout(15000);
  pages.push([name, tab]);
  await tab.goto(url);
  return tab;
}

/** An HTTP call to the node at `base`, JSON unless `type` says otherwise; a failure fails the run. */
export async function http(base, method, url, token, body, type = 'application/json') {
  const res = await fetch(`${base}${url}`, { method, body: type === 'application/json' && body ? JSON.stringify(body) : body,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': type } : {}) } });
  const text = await res.text();
  if (!res.ok) fail(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

/** Registers `name` (password "secret of <name>") and signs in: { user, token }. */
export async function user(base, name) {
  await http(base, 'POST', '/api/users', null, { username: name, password: `secret of ${name}` });
  const { token } = await http(base, 'POST', '/api/sessions', null, { username: name, password: `secret of ${name}` });
  return { user: name, token };
}

/**
 * The two-user set-up the page scenarios start from: ana makes project `id` from the archive at
 * `archive` and shares it with ben as a writer. Answers { ana, ben }, each { user, token }.
 */
export async function team(base, id, archive) {
  const ana = await user(base, 'ana');
  const ben = await user(base, 'ben');
  await http(base, 'POST', '/api/projects', ana.token, { id });
  await http(base, 'POST', `/api/projects/${id}/import`, ana.token, readFileSync(archive), 'application/gzip');
  await http(base, 'POST', `/api/projects/${id}/members`, ana.token, { username: 'ben', role: 'writer' });
  return { ana, ben };
}

/** Replaces the open file's text by typing, as a user would, then saves with Ctrl+S (unless `save` is false). */
export async function typeInto(tab, text, save = true) {
  await tab.click('.cm-content');
  await tab.keyboard.press('Control+A');
  await tab.keyboard.type(text);
  if (save) await tab.keyboard.press('Control+S');
}
export const editorText = (tab) => tab.evaluate(() => window.workbench.files.editor.text);
export const waitText = (tab, text) => tab.waitForFunction((t) => window.workbench?.files.editor.text === t, text);
export async function openFile(tab, path) {
  await tab.click(`button.file[data-path="${path}"]`);
  await tab.waitForFunction((p) => window.workbench.files.current?.path === p, path);
}
export async function share(tab, user, role) {
  await tab.click('text=Share');
  await tab.fill('.dialog input[name=username]', user);
  await tab.selectOption('.dialog select[name=role]', role);
  await tab.click('.dialog button[type=submit]');
}
