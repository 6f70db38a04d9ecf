// Live documents in the page, in real headless Chromium with two users: both open main.scad,
// which opens live; each sees the other's cursor with their name; they type into the same line at
// the same time, one at its start and one at its end, and both editors end with the same text,
// which is what `read` answers and what the next commit holds. A write from outside (the client
// library) replaces the text in both editors; A switches to another branch midway, types there and
// comes back, and each branch holds what was typed on it; a file with mixed line ends opens the
// classic way.
// Env: PORT, CHROMIUM, FAILSHOTS, SHOTS. Prints "ok" when every check passed.
import { BranchworkClient } from '../../../clients/js/src/index.js';

import { checkErrors, editorText, fail, Failure, http, launch, openFile, page, report, step, user, waitText }
  from './pages.mjs';

const { PORT, SHOTS } = process.env;
const base = `http://127.0.0.1:${PORT}`;
const shot = (tab, name) => (SHOTS ? tab.screenshot({ path: `${SHOTS}/${name}.png` }) : undefined);
setTimeout(() => report('timed out', 'live'), 150000);

const MAIN = 'cube(10);\n// a second line 😀\n';

/** Puts the cursor at `pos` of the open file and focuses the editor, as a click there would. */
const cursorAt = (tab, pos) => tab.evaluate((p) => {
  const v = window.workbench.files.editor.view;
  v.dispatch({ selection: { anchor: p } });
  v.focus();
}, pos);

async function main() {
  const ana = await user(base, 'ana');
  const ben = await user(base, 'ben');
  await http(base, 'POST', '/api/projects', ana.token, { id: 'live' });
  await http(base, 'POST', '/api/projects/live/members', ana.token, { username: 'ben', role: 'writer' });
  const lib = new BranchworkClient({ url: `ws://127.0.0.1:${PORT}/ws`, token: ana.token });
  await lib.open('live', 'main');
  await lib.write('main.scad', MAIN);
  await lib.write('mixed.txt', 'a\r\nb\n');
  await lib.commit('start');
  await lib.branchCreate('side');

  const browser = await launch();
  const a = await page(browser, 'A', `${base}/#/live/main`, { session: ana });
  const b = await page(browser, 'B', `${base}/#/live/main`, { session: ben });
  for (const tab of [a, b]) {
    await tab.waitForFunction(() => window.workbench?.opened !== undefined);
    await openFile(tab, 'main.scad');
  }

  step('both open main.scad live; each sees the other\'s cursor with their name');
  for (const tab of [a, b]) await tab.waitForSelector('.save-state[data-state=live]');
  await cursorAt(a, 4);
  await b.waitForSelector('.cm-peer-cursor[data-user=ana]');
  await cursorAt(b, 2);
  await a.waitForSelector('.cm-peer-cursor[data-user=ben]');
  await shot(b, 'live-cursors');

  step('both type into the first line at the same time: A at its start, B at its end');
  await cursorAt(a, 0);
  await cursorAt(b, 'cube(10);'.length);
  await Promise.all([
    a.keyboard.type('/* ana */ ', { delay: 15 }),
    b.keyboard.type(' // ben was here', { delay: 15 }),
  ]);
  const expected = `/* ana */ cube(10); // ben was here\n// a second line 😀\n`;
  await waitText(a, expected);
  await waitText(b, expected);
  for (const tab of [a, b]) await tab.waitForSelector('.save-state[data-state=live]');
  await shot(a, 'live-typed');

  step('the file is what both see: read answers it, and the next commit holds it');
  const stored = new TextDecoder().decode((await lib.read('main.scad')).content);
  if (stored !== expected) fail(`read answers ${JSON.stringify(stored)}`);
  await lib.commit('typed together');
  if ((await lib.diff()).patch !== '') fail('the commit does not hold what was typed');

  step('a write from outside replaces the text in both editors');
  const written = 'sphere(5);\n';
  await lib.write('main.scad', written);
  await waitText(a, written);
  await waitText(b, written);
  await cursorAt(b, written.length);
  await b.keyboard.type('cube(1);');
  await waitText(a, `${written}cube(1);`);

  step('A switches to the side branch midway: its main.scad opens live there, typing stays on side, and main is untouched');
  const onMain = await editorText(a);
  await a.selectOption('select[aria-label=branch]', 'side');
  await a.waitForFunction(() => window.workbench.branch === 'side' && window.workbench.files.current?.path === 'main.scad'
    && window.workbench.files.current?.live);
  await a.waitForSelector('.save-state[data-state=live]');
  await waitText(a, 'cube(10);\n// a second line 😀\n');
  await cursorAt(a, 0);
  await a.keyboard.type('// side ');
  await waitText(a, '// side cube(10);\n// a second line 😀\n');
  await shot(a, 'live-side');
  await a.selectOption('select[aria-label=branch]', 'main');
  await a.waitForFunction(() => window.workbench.branch === 'main' && window.workbench.files.current?.live);
  await waitText(a, onMain);
  if ((await editorText(b)) !== onMain) fail('B\'s main changed while A typed on side');
  const side = new BranchworkClient({ url: `ws://127.0.0.1:${PORT}/ws`, token: ana.token });
  await side.open('live', 'side');
  const sideText = new TextDecoder().decode((await side.read('main.scad')).content);
  if (sideText !== '// side cube(10);\n// a second line 😀\n') fail(`side holds ${JSON.stringify(sideText)}`);
  side.disconnect();
  await cursorAt(b, onMain.length);
  await b.keyboard.type('!');
  await waitText(a, `${onMain}!`);

  step('a file with mixed line ends opens the classic way (saved, not live)');
  await openFile(a, 'mixed.txt');
  await a.waitForSelector('.save-state[data-state=saved]');
  if ((await editorText(a)) !== 'a\r\nb\n' && (await editorText(a)) !== 'a\nb\n') fail('mixed.txt is not shown');

  lib.disconnect();
  checkErrors();
  await browser.close();
  console.log('ok');
  process.exit(0);
}

main().catch((e) => report(e instanceof Failure ? e.message : e.stack, 'live'));
