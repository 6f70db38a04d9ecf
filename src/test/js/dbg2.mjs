import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const ctx = await browser.newContext();
await ctx.addInitScript((token) => sessionStorage.setItem('branchwork.session', JSON.stringify({ user: 'zed', token, expiresAt: Date.now() + 3600e3 })), process.env.TOKEN);
await ctx.addInitScript(() => {
  const WS = window.WebSocket;
  window.__log = [];
  window.WebSocket = class extends WS { constructor(u) { super(u); window.__log.push(['ws-new', performance.now()]); this.addEventListener('open', () => window.__log.push(['ws-open', performance.now()])); }
    send(d) { window.__log.push(['send', performance.now()]); super.send(d); } };
  const f = window.fetch; window.fetch = async (...a) => { window.__log.push(['fetch', performance.now(), String(a[0])]); const r = await f(...a); window.__log.push(['fetched', performance.now()]); return r; };
});
const tab = await ctx.newPage();
for (let i = 0; i < 3; i++) {
  await tab.goto('http://127.0.0.1:18080/#/demo/main');
  await tab.waitForFunction(() => performance.getEntriesByName('branchwork-interactive').length);
  console.log(JSON.stringify(await tab.evaluate(() => ({ nav: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd, res: performance.getEntriesByType('resource').map((r) => [r.name.slice(-20), Math.round(r.startTime), Math.round(r.responseEnd)]), log: window.__log.map((l) => [l[0], Math.round(l[1])]), tti: performance.getEntriesByName('branchwork-interactive')[0].startTime }))));
  await tab.goto('about:blank');
}
await browser.close();
