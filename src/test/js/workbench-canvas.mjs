// The Canvas in the page, in real headless Chromium with two users: A opens the Canvas and sees
// the model drawn (pixels of the model's colour in the 3D view, not an empty canvas), moves a
// customizer slider and the model re-renders larger; B, with the Canvas open on the same entry,
// follows A's renders (the `rendered` event); A saves a model with a mistake in an included file
// and the diagnostic's link opens that file at its line. Env: PORT, CHROMIUM, FAILSHOTS, SHOTS.
// Prints "ok" when every check passed.
import { BranchworkClient } from '../../../clients/js/src/index.js';

import { checkErrors, fail, Failure, http, launch, openFile, page, report, step, typeInto, user } from './pages.mjs';

const { PORT, SHOTS } = process.env;
const base = `http://127.0.0.1:${PORT}`;
const shot = (tab, name) => (SHOTS ? tab.screenshot({ path: `${SHOTS}/${name}.png` }) : undefined);
setTimeout(() => report('timed out', 'canvas'), 150000);

const MAIN = '/* [Size] */\n// how wide the block is\nwidth = 20; // [10:60]\nround = false;\n\ninclude <parts/peg.scad>\n'
  + 'cube([width, 20, 10]);\npeg();\n';
const PEG = '// a peg on top\nmodule peg() {\n  translate([5, 5, 10]) cylinder(r = 3, h = 8, $fn = 24);\n}\n';

/** How many pixels of the 3D view show the model (its yellow), read back from the WebGL canvas. */
const modelPixels = (tab) => tab.evaluate(() => {
  const gl = document.querySelector('.viewer canvas');
  if (!gl) return 0;
  const c = document.createElement('canvas');
  c.width = gl.width;
  c.height = gl.height;
  const ctx = c.getContext('2d');
  ctx.drawImage(gl, 0, 0);
  const px = ctx.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i] > 120 && px[i] - px[i + 2] > 60 && px[i + 1] > 60) n++;
  return n;
});
const viewKey = (tab) => tab.evaluate(() => document.querySelector('.viewer')?.dataset.key);

async function main() {
  const ana = await user(base, 'ana');
  const ben = await user(base, 'ben');
  await http(base, 'POST', '/api/projects', ana.token, { id: 'cnv' });
  await http(base, 'POST', '/api/projects/cnv/members', ana.token, { username: 'ben', role: 'writer' });
  const lib = new BranchworkClient({ url: `ws://127.0.0.1:${PORT}/ws`, token: ana.token });
  await lib.open('cnv', 'main');
  await lib.write('main.scad', MAIN);
  await lib.write('parts/peg.scad', PEG);
  await lib.commit('a block with a peg');
  await lib.branchCreate('narrow');
  await lib.open('cnv', 'narrow');
  await lib.write('main.scad', MAIN.replace('width = 20;', 'width = 12;'));
  lib.disconnect();

  const browser = await launch();
  const a = await page(browser, 'A', `${base}/#/cnv/main`, { session: ana });
  const b = await page(browser, 'B', `${base}/#/cnv/main`, { session: ben });
  for (const tab of [a, b]) {
    await tab.waitForFunction(() => window.workbench?.opened !== undefined);
    await openFile(tab, 'main.scad');
  }

  step('A opens the Canvas: the model is rendered and drawn, with its parameters as fields');
  await a.click('button.tab[data-tab=canvas]');
  await a.waitForSelector('.render-info[data-state=ok]');
  await a.waitForSelector('.params input[type=range][name=width]');
  await a.waitForSelector('.params input[type=checkbox][name=round]');
  await a.waitForFunction(() => document.querySelector('.viewer canvas'));
  const first = await modelPixels(a);
  if (first < 500) fail(`the 3D view shows ${first} pixels of the model`);
  const firstKey = await viewKey(a);
  await shot(a, 'canvas');

  step('B opens the Canvas too; A moves the width slider: the model re-renders wider, and B follows');
  await b.click('button.tab[data-tab=canvas]');
  await b.waitForSelector('.render-info[data-state=ok]');
  await a.evaluate(() => {
    const s = document.querySelector('.params input[name=width]');
    s.value = '60';
    s.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await a.waitForFunction((k) => document.querySelector('.viewer')?.dataset.key !== k
    && document.querySelector('.render-info')?.dataset.state === 'ok', firstKey);
  const wider = await modelPixels(a);
  if (wider <= first * 1.3) fail(`the wider model shows ${wider} pixels, the first ${first}`);
  const widerKey = await viewKey(a);
  await b.waitForFunction((k) => document.querySelector('.viewer')?.dataset.key === k, widerKey);
  if (await modelPixels(b) < 500) fail('B\'s view does not show the model');

  step('A saves a mistake in the included file: the Canvas lists it, and its link opens the file at the line');
  await openFile(a, 'parts/peg.scad');
  await typeInto(a, PEG.replace('cylinder(r = 3', 'cylinder(r = radius'));
  const link = '.panel[data-panel=canvas] .diagnostics button.link:has-text("parts/peg.scad:3")';
  await a.waitForSelector(link);
  await openFile(a, 'main.scad');
  await a.click(link);
  await a.waitForFunction(() => {
    const f = window.workbench.files;
    const v = f.editor.view;
    return f.current?.path === 'parts/peg.scad' && v.state.doc.lineAt(v.state.selection.main.head).number === 3;
  });
  await shot(a, 'canvas-diagnostic');

  step('A switches to the narrow branch: the Canvas renders that branch\'s model, then main\'s again on the way back');
  const onMain = await viewKey(a);
  await a.selectOption('select[aria-label=branch]', 'narrow');
  await a.waitForFunction((k) => document.querySelector('.viewer')?.dataset.key !== k
    && document.querySelector('.render-info')?.dataset.state === 'ok', onMain);
  if (await modelPixels(a) < 500) fail('the narrow branch\'s model is not drawn');
  await shot(a, 'canvas-branch');
  await a.selectOption('select[aria-label=branch]', 'main');
  await a.waitForFunction((k) => document.querySelector('.viewer')?.dataset.key === k
    && document.querySelector('.render-info')?.dataset.state === 'ok', onMain);
  checkErrors();
  await browser.close();
  console.log('ok');
  process.exit(0);
}

main().catch((e) => report(e instanceof Failure ? e.message : e.stack, 'canvas'));
