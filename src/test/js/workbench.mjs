// The workbench page (served by the node at /) in real headless Chromium, two users in two
// browser contexts: register and sign in, import a repository, share it, edit and see the edit,
// a conflict resolved with "keep mine", commit and see it in the other's history, compile and jump
// to a diagnostic's line, and a connection the server side drops (through a TCP proxy in front of
// page B) while a write's answer is lost: page B reconnects, resumes with every event it missed
// once, and its write is applied once. A page error or a console error fails the run.
// Env: PORT, ARCHIVE (a tar.gz of a repository), WATCHER (a token of user "watcher"),
// CHROMIUM, SCREENSHOT (optional: a PNG of page A at the end). Prints "ok" when every check passed.
import { BranchworkClient } from '../../../clients/js/src/index.js';
import { Failure, checkErrors, editorText, fail, launch, openFile, page as newPage, proxy, report, share as shareWith,
  step, typeInto, waitText } from './pages.mjs';

const { PORT, ARCHIVE, WATCHER, SCREENSHOT } = process.env;
setTimeout(() => report('timed out'), 150000);
const browser = await launch();
const page = (name, port) => newPage(browser, name, `http://127.0.0.1:${port}/`, { classic: true });

async function register(tab, user) {
  await tab.waitForSelector('body[data-ready]');
  if ((await tab.title()) !== 'Branchwork') fail(`the title is ${await tab.title()}`);
  await tab.fill('input[name=username]', user);
  await tab.fill('input[name=password]', `secret of ${user}`);
  await tab.click('text=Register');
  await tab.waitForSelector('.conn[data-state=open]');
}

async function share(tab, user, role) {
  await shareWith(tab, user, role);
  await tab.waitForSelector(`.notice:has-text("${user} is a ${role}")`);
}

async function main() {
  const proxyB = await proxy(PORT);
  const a = await page('A', PORT);
  const b = await page('B', proxyB.server.address().port);

  step('B registers and has no projects yet');
  await register(b, 'ben');
  await b.waitForSelector('text=No projects yet');

  step('A registers, imports a repository as a new project, shares it');
  await register(a, 'ana');
  await a.click('text=Import');
  await a.fill('.dialog input[name=project]', 'demo');
  await a.setInputFiles('.dialog input[type=file]', ARCHIVE);
  await a.click('.dialog button[type=submit]');
  await a.waitForFunction(() => window.workbench?.files.current?.path === 'main.scad');
  if (!(await editorText(a)).includes('include <parts/base.scad>')) fail(`A shows ${await editorText(a)}`);
  await share(a, 'ben', 'writer');
  await share(a, 'watcher', 'reader');

  // The watcher counts every change it is told of (a library client in Node).
  const watcher = new BranchworkClient({ url: `ws://127.0.0.1:${PORT}/ws`, token: WATCHER, heartbeatMs: 1000 });
  await watcher.open('demo', 'main');
  const changes = new Map();
  watcher.on('changed', (e) => changes.set(e.path, (changes.get(e.path) ?? 0) + 1));
  const seen = async (path, n) => {
    const deadline = Date.now() + 10000;
    while ((changes.get(path) ?? 0) < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    if (changes.get(path) !== n) fail(`the watcher saw ${path} change ${changes.get(path)} times, not ${n}`);
  };

  step('B reloads, finds the project, and both see each other');
  await b.reload();
  await b.waitForFunction(() => window.workbench?.files.current?.path === 'main.scad');
  await a.waitForSelector('.presence [data-user=ben]');
  await b.waitForSelector('.presence [data-user=ana]');

  step('A edits main.scad; B, with no edits of its own, sees the new text');
  const v1 = 'include <parts/base.scad>\nuse <parts/lib.scad>\npeg(size); // edited by ana\ninclude <missing.scad>\n';
  await typeInto(a, v1);
  await waitText(b, v1);
  await a.waitForSelector('.save-state[data-state=saved]');

  step('both edit main.scad: B, whose save reached the server second, chooses "keep mine"');
  proxyB.holdUp = true; // B's save waits in the network
  const mine = `${v1}cube(2); // ben's\n`;
  await typeInto(b, mine);
  await b.waitForSelector('.save-state[data-state=saving]');
  const theirs = `${v1}sphere(3); // ana's\n`;
  await typeInto(a, theirs);
  await a.waitForSelector('.save-state[data-state=saved]');
  await seen('main.scad', 2);
  proxyB.flushUp();
  await b.waitForSelector('.banner:has-text("ana changed the same lines")');
  if ((await editorText(b)) !== mine) fail('B lost its text on the conflict');
  await b.click('.banner button[data-choice=mine]');
  await b.waitForSelector('.save-state[data-state=saved]');
  await waitText(a, mine);
  await seen('main.scad', 3);

  step('A commits; B\'s history shows it');
  await b.click('.tab[data-tab=history]');
  await a.click('.tab[data-tab=changes]');
  await a.waitForSelector('.status button.link:has-text("main.scad")');
  await a.fill('textarea[aria-label="commit message"]', 'peg and cube, from the workbench');
  await a.click('text=Commit');
  await a.waitForSelector('.notice:has-text("Committed")');
  await b.waitForSelector('.log li:has-text("peg and cube, from the workbench")');
  await a.waitForSelector('.status li:has-text("No changes")');

  step('A compiles main.scad and jumps to the diagnostic\'s line');
  await a.click('.tab[data-tab=compile]');
  await a.click('.panel[data-panel=compile] button.primary');
  await a.waitForSelector('.output:has-text("module peg")');
  await a.click('.diagnostics button:has-text("main.scad:4")');
  const line = await a.evaluate(() => window.workbench.files.editor.cursorLine);
  if (line !== 4) fail(`the cursor is on line ${line}, not 4`);

  step('the network drops B while its write\'s answer is on the way; A edits meanwhile');
  await b.click('.tab[data-tab=activity]');
  await b.evaluate(() => window.workbench.panels.clearActivity());
  await openFile(b, 'parts/lib.scad');
  const before = await b.evaluate(() => window.workbench.client.lastSeq);
  proxyB.swallow = true;
  proxyB.hold = true;
  await typeInto(b, 'module peg(r) { cylinder(r = r, h = 4); } // ben\n');
  await seen('parts/lib.scad', 1); // applied; its answer is lost
  proxyB.drop();
  await b.waitForSelector('.conn[data-state=reconnecting]');
  proxyB.swallow = false;
  const away = [];
  for (let i = 0; i < 3; i++) {
    await openFile(a, i === 0 ? 'main.scad' : 'parts/base.scad');
    const text = `size = ${10 + i}; // while ben was away ${i}\n`;
    if (i === 0) await typeInto(a, `${mine}${text}`);
    else await typeInto(a, text);
    away.push(i === 0 ? 'main.scad' : 'parts/base.scad');
    await a.waitForSelector('.save-state[data-state=saved]');
  }
  await seen('parts/base.scad', 2);
  proxyB.release();
  await b.waitForSelector('.conn[data-state=open]');
  await b.waitForSelector('.save-state[data-state=saved]');
  await seen('parts/lib.scad', 1); // the write went again with its key: applied once
  const feed = await b.evaluate(() => [...document.querySelectorAll('.activity li')].reverse()
    .map((li) => ({ event: li.dataset.event, seq: Number(li.dataset.seq), text: li.textContent })));
  // Everything after the last event B saw, in order, once each: its own lost write's event too
  // (the answer that would have counted it never came), its old session leaving, A's edits.
  const changed = feed.filter((e) => e.event === 'changed').map((e) => e.text);
  if (JSON.stringify(changed) !== JSON.stringify(['ben changed parts/lib.scad', ...away.map((p) => `ana changed ${p}`)])) {
    fail(`B's activity after the resume: ${JSON.stringify(feed)}`);
  }
  feed.forEach((e, i) => { if (e.seq !== before + 1 + i) fail(`a gap or a repeat after ${before}: ${JSON.stringify(feed)}`); });
  if (feed.some((e) => e.event === 'resync')) fail('B had to resync: the events were not replayed');
  await openFile(b, 'parts/base.scad');
  await waitText(b, 'size = 12; // while ben was away 2\n');

  step('the page keeps its assets cached and every answer carries the security headers');
  const res = await a.evaluate(async () => {
    const r = await fetch(document.querySelector('script[type=module]').src);
    return { cache: r.headers.get('cache-control'), csp: r.headers.get('content-security-policy') };
  });
  if (!res.cache.includes('immutable') || !res.csp.includes("script-src 'self'")) fail(JSON.stringify(res));

  if (SCREENSHOT) {
    await openFile(a, 'main.scad');
    await a.click('.tab[data-tab=changes]');
    await a.click('text=Diff all');
    await a.waitForSelector('.diff .add');
    await a.screenshot({ path: SCREENSHOT });
  }
  checkErrors();
  watcher.disconnect();
  await browser.close();
  proxyB.server.close();
  console.log('ok');
  process.exit(0);
}

main().catch((e) => report(e instanceof Failure ? e.message : e.stack ?? String(e)));
