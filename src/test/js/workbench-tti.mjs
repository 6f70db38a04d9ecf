// Time to interactive of the workbench page, in headless Chromium against a running node: from
// navigation start to the page's `branchwork-interactive` mark (the sign-in form ready; or, signed
// in, the projects listed, the workspace open and its first file in the editor). Cold: a new
// browser context (empty cache) each round; warm: a reload in the same context (assets cached).
// Env: BASE (http://127.0.0.1:port), TOKEN, USER, PROJECT, ROUNDS (15), CHROMIUM. Prints one JSON line.
import { chromium } from 'playwright-core';

const { BASE, TOKEN, USER, PROJECT } = process.env;
const rounds = Number(process.env.ROUNDS ?? 15);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
const interactive = (tab) => tab.evaluate(async () => {
  while (!performance.getEntriesByName('branchwork-interactive').length) await new Promise((r) => setTimeout(r, 5));
  return performance.getEntriesByName('branchwork-interactive')[0].startTime;
});

async function round(signedIn) {
  const ctx = await browser.newContext();
  if (signedIn) {
    await ctx.addInitScript(([user, token]) => sessionStorage.setItem('branchwork.session',
      JSON.stringify({ user, token, expiresAt: Date.now() + 3600e3 })), [USER, TOKEN]);
  }
  const tab = await ctx.newPage();
  await tab.goto(`${BASE}/#/${PROJECT}/main`);
  const cold = await interactive(tab);
  if (signedIn) {
    const file = await tab.evaluate(() => window.workbench.files.current?.path);
    if (!file) throw new Error('no file open: the workbench did not load');
  }
  await tab.reload();
  const warm = await interactive(tab);
  await ctx.close();
  return { cold, warm };
}

const runs = { signin: [], workbench: [] };
await round(true); // the JIT of the server and of the browser warms up once, not counted
for (let i = 0; i < rounds; i++) {
  runs.signin.push(await round(false));
  runs.workbench.push(await round(true));
}
await browser.close();
const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50_ms: +s[Math.floor(s.length / 2)].toFixed(1), p90_ms: +s[Math.min(s.length - 1, Math.floor(s.length * 0.9))].toFixed(1) };
};
console.log(JSON.stringify({
  rounds,
  signin_cold: stat(runs.signin.map((r) => r.cold)),
  signin_warm: stat(runs.signin.map((r) => r.warm)),
  workbench_cold: stat(runs.workbench.map((r) => r.cold)),
  workbench_warm: stat(runs.workbench.map((r) => r.warm)),
}));
process.exit(0);
