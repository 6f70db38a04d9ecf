// The workbench's promises about where work goes, in real headless Chromium with two users:
// a branch switch shows the branch switched to; typing just before a switch is saved where it
// was typed; edits of two people on one file merge line by line, and clashing lines show both
// versions; the changes panel follows one's own saves; typing survives a reload; a project shared
// appears without a reload, and sharing with an unknown name says so; compile errors are found
// and their marks go with the line; errors read as sentences; the page fits 800 px; presence
// clears while disconnected; Enter after '{' indents; personal access tokens work with git and
// stop when revoked. Env: PORT, ARCHIVE (a tar.gz of a repository: main.scad, parts/base.scad,
// parts/lib.scad), CHROMIUM, FAILSHOTS. Prints "ok" when every check passed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BranchworkClient } from '../../../clients/js/src/index.js';
import { checkErrors, editorText, expectedStatuses, fail, Failure, launch, openFile, page, proxy,
  report, share, step, team, typeInto, waitText } from './pages.mjs';

const { PORT, ARCHIVE, SHOTS } = process.env;
/** With SHOTS (a folder), pictures of the moments a person would look at. */
const shot = (tab, name) => (SHOTS ? tab.screenshot({ path: `${SHOTS}/${name}.png` }) : undefined);
const base = `http://127.0.0.1:${PORT}`;
setTimeout(() => report('timed out', 'flows'), 170000);

/** What a file holds on a branch, read by a library client of its own. */
async function stored(token, branch, file) {
  const c = new BranchworkClient({ url: `ws://127.0.0.1:${PORT}/ws`, token });
  try {
    await c.open('flows', branch);
    return new TextDecoder().decode((await c.read(file)).content);
  } finally {
    c.disconnect();
  }
}
async function until(what, check) {
  const deadline = Date.now() + 10000;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last === true) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  fail(`${what}: ${JSON.stringify(last)}`);
}
const opened = (tab, branch, file) => tab.waitForFunction(([b, f]) => window.workbench?.opened?.branch === b
  && window.workbench.files.current?.path === f && window.workbench.files.current?.branch === b, [branch, file]);
const switchBranch = (tab, branch) => tab.selectOption('select[aria-label=branch]', branch);
const noticeText = (tab) => tab.evaluate(() => document.querySelector('.notices')?.innerText ?? '');
const git = (args, cwd) => spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });

async function main() {
  const { ana, ben } = await team(base, 'flows', ARCHIVE);
  const original = await stored(ana.token, 'main', 'main.scad');

  const browser = await launch();
  const proxyB = await proxy(PORT);
  const a = await page(browser, 'A', `${base}/#/flows/main`, { session: ana, classic: true });
  const b = await page(browser, 'B', `http://127.0.0.1:${proxyB.server.address().port}/#/flows/main`,
    { session: ben, classic: true, viewport: { width: 800, height: 700 } });
  await opened(a, 'main', 'main.scad');
  await opened(b, 'main', 'main.scad');

  step('1. on feature: edit, save, commit; back on main the editor shows main\'s text, and typing there is no conflict');
  await a.click('button:has-text("+ Branch")');
  await a.fill('.dialog input[name=name]', 'feature');
  await a.click('.dialog button[type=submit]');
  await opened(a, 'feature', 'main.scad');
  const featureText = `${original}// feature work\n`;
  await typeInto(a, featureText);
  await a.waitForSelector('.save-state[data-state=saved]');
  await a.click('.tab[data-tab=changes]');
  await a.fill('textarea[aria-label="commit message"]', 'feature work');
  await a.click('text=Commit');
  await a.waitForSelector('.notice:has-text("Committed")');
  await switchBranch(a, 'main');
  await opened(a, 'main', 'main.scad');
  if ((await editorText(a)) !== original) fail(`on main A sees ${JSON.stringify(await editorText(a))}`);
  if ((await a.textContent('.save-state')) !== 'saved') fail(`main's file is "${await a.textContent('.save-state')}"`);
  const onMain = `${original}// on main\n`;
  await typeInto(a, onMain);
  await a.waitForSelector('.save-state[data-state=saved]');
  if (await a.isVisible('.banner')) fail('typing on main after the switch raised a conflict');
  if ((await stored(ana.token, 'feature', 'main.scad')) !== featureText) fail('the feature branch changed');
  if ((await stored(ana.token, 'main', 'main.scad')) !== onMain) fail('main does not have the edit typed on main');

  step('2. typing, then switching within the autosave delay: saved on the branch it was typed on, never the other');
  const typed = `${onMain}// typed just before the switch\n`;
  await typeInto(a, typed, false);
  await switchBranch(a, 'feature');
  await opened(a, 'feature', 'main.scad');
  if ((await editorText(a)) !== featureText) fail(`on feature A sees ${JSON.stringify(await editorText(a))}`);
  await until('main has the typing', async () => (await stored(ana.token, 'main', 'main.scad')) === typed || 'not yet');
  if ((await stored(ana.token, 'feature', 'main.scad')) !== featureText) fail('the typing reached feature');
  await switchBranch(a, 'main');
  await opened(a, 'main', 'main.scad');
  await waitText(a, typed);
  await waitText(b, typed);

  step('3. two people on different lines: the second save merges both, nothing dropped');
  const lines = typed.split('\n');
  proxyB.holdUp = true; // B's save waits in the network while A saves first
  const benText = [`// ben was here ${lines[0]}`, ...lines.slice(1)].join('\n');
  await typeInto(b, benText);
  await b.waitForSelector('.save-state[data-state=saving]');
  const anaText = [...lines.slice(0, 2), `${lines[2]} // ana`, ...lines.slice(3)].join('\n');
  await typeInto(a, anaText);
  await a.waitForSelector('.save-state[data-state=saved]');
  proxyB.flushUp();
  const both = [`// ben was here ${lines[0]}`, lines[1], `${lines[2]} // ana`, ...lines.slice(3)].join('\n');
  await until('the merge of both is stored', async () => (await stored(ana.token, 'main', 'main.scad')) === both
    || await stored(ana.token, 'main', 'main.scad'));
  await waitText(b, both);
  await waitText(a, both);
  if (await b.isVisible('.banner')) fail('a merge without clashes asked B to choose');

  step('3b. a change that lands while B types (a library client, as a push would) merges into B\'s typing');
  const writer = new BranchworkClient({ url: `ws://127.0.0.1:${PORT}/ws`, token: ana.token });
  await writer.open('flows', 'main');
  const benTyping = `${both}// ben types on\n`;
  await typeInto(b, benTyping, false);
  const { blob } = await writer.read('main.scad');
  const landed = both.replace('// ben was here', '// ben was HERE');
  await writer.write('main.scad', landed, { base: blob });
  const merged = `${landed}// ben types on\n`;
  await until('B\'s typing merged with what landed', async () => (await stored(ana.token, 'main', 'main.scad')) === merged
    || await stored(ana.token, 'main', 'main.scad'));
  await waitText(b, merged);

  step('3c. the same line changed by both: B sees both versions; "keep mine" keeps every other change of theirs');
  proxyB.holdUp = true;
  const mLines = merged.split('\n');
  await typeInto(b, [mLines[0], '// line two, ben\'s way', ...mLines.slice(2)].join('\n'));
  await b.waitForSelector('.save-state[data-state=saving]');
  await typeInto(a, [mLines[0], '// line two, ana\'s way', ...mLines.slice(2, 4), `${mLines[4]} // ana again`, ...mLines.slice(5)].join('\n'));
  await a.waitForSelector('.save-state[data-state=saved]');
  proxyB.flushUp();
  await b.waitForSelector('.banner .versions pre.theirs:has-text("line two, ana\'s way")');
  await b.waitForSelector('.banner .versions pre.mine:has-text("line two, ben\'s way")');
  await shot(b, 'conflict-800px');
  await b.click('.banner button[data-choice=mine]');
  const kept = [mLines[0], '// line two, ben\'s way', ...mLines.slice(2, 4), `${mLines[4]} // ana again`, ...mLines.slice(5)].join('\n');
  await until('mine kept, and ana\'s other line too', async () => (await stored(ana.token, 'main', 'main.scad')) === kept
    || await stored(ana.token, 'main', 'main.scad'));
  await waitText(a, kept);

  step('4. the changes panel follows one\'s own saves');
  await a.click('.tab[data-tab=changes]');
  await openFile(a, 'parts/base.scad');
  if (await a.isVisible('.status button.link:has-text("parts/base.scad")')) fail('parts/base.scad was changed already');
  await typeInto(a, 'size = 11;\n');
  await a.waitForSelector('.status button.link:has-text("parts/base.scad")');

  step('5. typing is not lost on a reload within the autosave delay');
  await openFile(a, 'parts/lib.scad');
  const beforeReload = 'module peg(r) { cylinder(r = r, h = 5); } // typed, then reloaded\n';
  await typeInto(a, beforeReload, false);
  a.once('dialog', (d) => d.accept());
  await a.reload();
  await opened(a, 'main', 'main.scad');
  await openFile(a, 'parts/lib.scad');
  await waitText(a, beforeReload);
  await until('the typing is stored', async () => (await stored(ana.token, 'main', 'parts/lib.scad')) === beforeReload || 'not yet');

  step('6. sharing with an unknown name says so; a project shared appears in the other\'s list without a reload');
  expectedStatuses.add(404);
  await share(a, 'nobody', 'reader');
  await a.waitForSelector('.notice:has-text("There is no user named nobody")');
  checkErrors();
  expectedStatuses.delete(404);
  await a.click('button:has-text("+ Project")');
  await a.fill('.dialog input[name=id]', 'second');
  await a.click('.dialog button[type=submit]');
  await a.waitForFunction(() => window.workbench?.opened?.project === 'second');
  await share(a, 'ben', 'reader');
  await a.waitForSelector('.notice:has-text("ben is a reader of second")');
  await b.waitForSelector('select[aria-label=project] option[value=second]', { state: 'attached' });
  await a.selectOption('select[aria-label=project]', 'flows');
  await opened(a, 'main', 'main.scad');

  step('7. compile finds cube([1, 2, 3]; and its mark goes when the line does');
  await openFile(a, 'main.scad');
  await typeInto(a, 'cube([1, 2, 3];\n');
  await a.waitForSelector('.save-state[data-state=saved]');
  await a.click('.tab[data-tab=compile]');
  await a.fill('input[aria-label="compile entry"]', 'main.scad');
  await a.click('.panel[data-panel=compile] button.primary');
  await a.waitForSelector('.diagnostics button:has-text("main.scad:1")');
  await a.waitForSelector('[data-ok=false]');
  await a.waitForSelector('.cm-diag-error');
  await shot(a, 'compile-error');
  await typeInto(a, 'cube([1, 2, 3]);\n', false);
  if (await a.$('.cm-diag-error')) fail('the error mark stayed after its line was replaced');
  await a.click('.panel[data-panel=compile] button.primary');
  await a.waitForSelector('[data-ok=true]');
  if ((await a.$$('.diagnostics li')).length) fail('a fixed model still has diagnostics');

  step('8. errors read as sentences; Enter after { indents; 800 px fits; presence clears while disconnected');
  await a.click('button:has-text("+ Branch")');
  await a.fill('.dialog input[name=name]', 'two..dots');
  await a.click('.dialog button[type=submit]');
  await a.waitForSelector('.notice:has-text("not a valid branch name")');
  const said = await noticeText(a);
  if (/bad_request|\[A-Za-z|check-ref-format/.test(said)) fail(`the error reads as code: ${said}`);
  await openFile(b, 'parts/lib.scad');
  await b.click('.cm-content');
  await b.keyboard.press('Control+A');
  await b.keyboard.type('module m() {');
  await b.keyboard.press('Enter');
  if ((await editorText(b)) !== 'module m() {\n  ') fail(`Enter after { gave ${JSON.stringify(await editorText(b))}`);
  await b.keyboard.type('cube(1);');
  await b.keyboard.press('Enter');
  await b.keyboard.type('}');
  if ((await editorText(b)) !== 'module m() {\n  cube(1);\n}') fail(`the closing brace: ${JSON.stringify(await editorText(b))}`);
  const fits = await b.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out = [...document.querySelectorAll('.topbar > *, .topbar button, .tab, .pane-head button, .cm-editor')]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5).map((el) => el.textContent.slice(0, 20));
    return { width, scroll: document.documentElement.scrollWidth, out,
      editor: document.querySelector('.cm-editor').getBoundingClientRect().width };
  });
  if (fits.width !== 800 || fits.scroll > 800 || fits.out.length || fits.editor < 250) fail(`at 800 px: ${JSON.stringify(fits)}`);
  await b.waitForSelector('.presence [data-user=ana]');
  proxyB.hold = true;
  proxyB.drop();
  await b.waitForSelector('.conn[data-state=reconnecting]');
  if ((await b.$$('.presence li')).length) fail('presence still shows users while disconnected');
  proxyB.release();
  await b.waitForSelector('.conn[data-state=open]');
  await b.waitForSelector('.presence [data-user=ana]');

  step('9. a personal access token from the page clones with git; read-only cannot push; revoked, it stops');
  await a.click('button:has-text("Git")');
  await a.fill('input[name=token-name]', 'laptop git');
  await a.selectOption('select[name=token-scope]', 'read');
  await a.click('.token-form button[type=submit]');
  const token = await a.inputValue('input.secret');
  await shot(a, 'git-access');
  const url = await a.inputValue('input.clone-url');
  if (!token.startsWith('bwp_') || url !== `${base}/git/flows.git`) fail(`token ${token}, url ${url}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'pat-'));
  try {
    const authed = url.replace('://', `://ana:${token}@`);
    const clone = git(['clone', '-q', authed, path.join(dir, 'c')]);
    if (clone.status !== 0) fail(`git clone with the token: ${clone.stderr}`);
    if (readFileSync(path.join(dir, 'c/main.scad'), 'utf8') !== original) fail('the clone is not main\'s last commit');
    execFileSync('git', ['-C', path.join(dir, 'c'), '-c', 'user.name=ana', '-c', 'user.email=a@x', 'commit', '-q', '--allow-empty', '-m', 'x']);
    const push = git(['-C', path.join(dir, 'c'), 'push', '-q', 'origin', 'HEAD:refs/heads/from-token']);
    if (push.status === 0) fail('a read-only token pushed');
    await a.click('.tokens button[data-revoke]');
    await a.waitForSelector('.tokens li.muted:has-text("No access tokens")');
    const again = git(['clone', '-q', authed, path.join(dir, 'd')]);
    if (again.status === 0) fail('a revoked token still clones');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  checkErrors();
  writer.disconnect();
  await browser.close();
  proxyB.server.close();
  console.log('ok');
  process.exit(0);
}

main().catch((e) => report(e instanceof Failure ? e.message : e.stack ?? String(e), 'flows'));
