// Branches coming back together in the page, in real headless Chromium with two users: A merges
// a branch whose change conflicts with main's, sees the conflict side by side, takes the other
// branch's side and completes the merge; B, on main, sees the merged text and the merge commit
// live. Then A reverts the merge from the history, restores a file from an earlier commit, and
// tags the head. Env: PORT, ARCHIVE (main.scad, parts/base.scad, parts/lib.scad), CHROMIUM,
// FAILSHOTS, SHOTS (optional pictures). Prints "ok" when every check passed.
import { BranchworkClient } from '../../../clients/js/src/index.js';

import { checkErrors, fail, Failure, launch, page, report, step, team, waitText } from './pages.mjs';

const { PORT, ARCHIVE, SHOTS } = process.env;
const base = `http://127.0.0.1:${PORT}`;
const shot = (tab, name) => (SHOTS ? tab.screenshot({ path: `${SHOTS}/${name}.png` }) : undefined);
setTimeout(() => report('timed out', 'merge'), 150000);

const text = (bytes) => new TextDecoder().decode(bytes);

async function main() {
  const { ana, ben } = await team(base, 'mrg', ARCHIVE);

  // The branches, made as a script would: feature and main change line 3 of main.scad differently.
  const lib = new BranchworkClient({ url: `ws://127.0.0.1:${PORT}/ws`, token: ana.token });
  await lib.open('mrg', 'main');
  const original = text((await lib.read('main.scad')).content);
  const lines = original.split('\n');
  await lib.branchCreate('feature');
  await lib.open('mrg', 'feature');
  const featureText = [...lines.slice(0, 2), 'peg(size * 2); // feature', ...lines.slice(3)].join('\n');
  await lib.write('main.scad', featureText);
  await lib.write('parts/new.scad', 'module fresh() { cube(1); }\n');
  await lib.commit('feature: bigger peg, a new part');
  await lib.open('mrg', 'main');
  const mainText = [...lines.slice(0, 2), 'peg(size + 1); // main', ...lines.slice(3)].join('\n');
  await lib.write('main.scad', mainText);
  await lib.commit('main: peg one bigger');

  const browser = await launch();
  const a = await page(browser, 'A', `${base}/#/mrg/main`, { session: ana, classic: true });
  const b = await page(browser, 'B', `${base}/#/mrg/main`, { session: ben, classic: true });
  for (const tab of [a, b]) await tab.waitForFunction(() => window.workbench?.files.current?.path === 'main.scad');
  await waitText(b, mainText);

  step('A opens Merge, picks feature: the preview shows the commit, the files and the conflict side by side');
  await a.click('button:has-text("Merge")');
  await a.waitForSelector('.merge-dialog select[name=merge-from]');
  await a.selectOption('.merge-dialog select[name=merge-from]', 'feature');
  await a.waitForSelector('.merge-result[data-result=conflicts]');
  await a.waitForSelector('.merge-files li:has-text("parts/new.scad")');
  await a.waitForSelector('.conflict[data-path="main.scad"] .cm-mergeView');
  const shown = await a.textContent('.conflict[data-path="main.scad"]');
  if (!shown.includes('peg(size + 1); // main') || !shown.includes('peg(size * 2); // feature')) fail(`both sides: ${shown}`);
  await shot(a, 'merge-conflict');
  if (!(await a.isDisabled('button[data-action=complete]'))) fail('the merge could complete before every conflict was settled');
  if (text((await lib.read('main.scad')).content) !== mainText) fail('looking at a merge changed main');

  step('A takes feature\'s side and completes the merge; B sees the merged text and the merge commit live');
  await a.click('.conflict[data-path="main.scad"] button[data-choose=theirs]');
  await a.click('button[data-action=complete]');
  await a.waitForSelector('.notice:has-text("Merged feature into main")');
  await waitText(b, featureText);
  await waitText(a, featureText);
  await b.click('.tab[data-tab=history]');
  await b.waitForSelector('.log li:has-text("Merge feature into main")');
  const merged = await lib.log({ limit: 1 });
  if (merged.commits[0].parents.length !== 2) fail(`the merge commit has parents ${merged.commits[0].parents}`);
  if (text((await lib.read('parts/new.scad')).content) !== 'module fresh() { cube(1); }\n') fail('the new part did not merge');

  step('A reverts the merge from its history entry; B sees main\'s text again');
  await a.click('.tab[data-tab=history]');
  await a.click('.log li:has-text("Merge feature into main") button.link');
  await a.waitForSelector('.commit-detail .commit-files li[data-path="main.scad"]');
  await shot(a, 'history-detail');
  await a.click('.commit-detail button[data-action=revert]');
  await a.waitForSelector('.notice:has-text("Reverted")');
  await waitText(b, mainText);
  await waitText(a, mainText);

  step('A restores main.scad as the feature commit left it, as an uncommitted change; then tags the head');
  await a.waitForSelector('.log li:has-text("feature: bigger peg")');
  await a.click('.log li:has-text("feature: bigger peg") button.link');
  await a.click('.commit-detail li[data-path="main.scad"] button[data-action=restore]');
  await a.waitForSelector('.notice:has-text("main.scad is back")');
  await waitText(b, featureText);
  await waitText(a, featureText);
  const status = await lib.status();
  if (!status.changes.some((c) => c.path === 'main.scad')) fail('the restore is not an uncommitted change');
  a.once('dialog', (d) => d.accept());
  await a.click('button:has-text("+ Tag")');
  await a.fill('.dialog input[name=name]', 'v1');
  await a.fill('.dialog input[name=message]', 'first release');
  await a.click('.dialog button[type=submit]');
  await a.waitForSelector('.tags code.tag[data-tag=v1]');
  if ((await lib.tags()).tags[0]?.message !== 'first release\n') fail('the tag is not annotated');

  checkErrors();
  lib.disconnect();
  await browser.close();
  console.log('ok');
  process.exit(0);
}

main().catch((e) => report(e instanceof Failure ? e.message : e.stack ?? String(e), 'merge'));
