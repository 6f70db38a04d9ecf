// The client library (clients/js) in real headless Chromium against a live node, with a second
// client in Node: events both ways, a dropped connection during a burst of keyed writes (each
// applied once), and a resume that replays what was missed. A page error or a console error fails.
// Env: PORT, TOKEN_A, TOKEN_B, PROJECT. Exits 0 and prints "ok" when every check passed.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { BranchworkClient } from '../../../clients/js/src/index.js';

const { PORT, TOKEN_A, TOKEN_B, PROJECT } = process.env;
const here = path.dirname(fileURLToPath(import.meta.url));
const lib = path.resolve(here, '../../../clients/js');
const fail = (why) => { console.error(why); process.exit(1); };
setTimeout(() => fail('timed out'), 60000);

// The page and the library's modules, as a site would serve them (an import map for the one dependency).
const page = `<!doctype html><html><head><title>client</title>
<script type="importmap">{"imports":{"@msgpack/msgpack":"/msgpack/index.mjs"}}</script>
<script type="module">import { BranchworkClient } from '/lib/index.js'; window.BranchworkClient = BranchworkClient;
window.dispatchEvent(new Event('lib-ready'));</script></head><body></body></html>`;
const server = http.createServer(async (req, res) => {
  try {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    } else if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
    } else if (req.url.startsWith('/lib/')) {
      res.writeHead(200, { 'content-type': 'text/javascript' })
        .end(await readFile(path.join(lib, 'src', path.basename(req.url))));
    } else if (req.url.startsWith('/msgpack/')) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(await readFile(path.join(lib,
        'node_modules/@msgpack/msgpack/dist.esm', req.url.slice('/msgpack/'.length))));
    } else {
      res.writeHead(404).end();
    }
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run'],
});
const errors = [];
const tab = await browser.newPage();
tab.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
tab.on('console', (m) => { if (m.type() === 'error') errors.push(`console error: ${m.text()}`); });
await tab.goto(`http://127.0.0.1:${server.address().port}/`);
await tab.waitForFunction(() => window.BranchworkClient !== undefined);

const other = new BranchworkClient({ url: `ws://127.0.0.1:${PORT}/ws`, token: TOKEN_B, heartbeatMs: 1000 });
await other.open(PROJECT, 'main');
const changes = new Map();
other.on('changed', (e) => changes.set(e.path, (changes.get(e.path) ?? 0) + 1));

// In the page: open, see an edit made elsewhere, a burst of writes across a dropped connection.
await tab.evaluate(async ({ port, token, project }) => {
  const c = new window.BranchworkClient({ url: `ws://127.0.0.1:${port}/ws`, token, heartbeatMs: 1000,
    backoff: { initialMs: 50, maxMs: 200 } });
  window.c = c;
  window.seen = [];
  c.on('*', (e) => window.seen.push(e));
  await c.open(project, 'main');
}, { port: PORT, token: TOKEN_A, project: PROJECT });
await other.write('from-node.txt', 'written in Node');
await tab.waitForFunction(() => window.seen.some((e) => e.event === 'changed' && e.path === 'from-node.txt'));
const burst = await tab.evaluate(async () => {
  const writes = [];
  for (let i = 0; i < 30; i++) {
    writes.push(window.c.write(`burst/${i}.txt`, `write ${i}`));
    if (i === 10) window.c.dropConnection();
  }
  return (await Promise.all(writes)).length;
});
if (burst !== 30) fail(`only ${burst} writes resolved`);
const deadline = Date.now() + 10000;
while ([...changes.keys()].filter((p) => p.startsWith('burst/')).length < 30 && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 50));
}
await other.status();
for (let i = 0; i < 30; i++) {
  const n = changes.get(`burst/${i}.txt`);
  if (n !== 1) fail(`burst/${i}.txt was applied ${n} times`);
}

// The page drops its connection; what Node writes meanwhile is replayed to it on resume, no gap.
const before = await tab.evaluate(() => {
  window.seen = [];
  window.c.backoff = { initialMs: 800, maxMs: 800 };
  const last = window.c.lastSeq;
  window.c.dropConnection();
  return last;
});
for (let i = 0; i < 3; i++) {
  await other.write(`away-${i}.txt`, `while the page was away ${i}`);
}
await tab.waitForFunction(() => window.seen.filter((e) => e.event === 'changed').length >= 3, null, { timeout: 10000 });
const resumed = await tab.evaluate(() => ({ state: window.c.state, seen: window.seen }));
// Its own writes are not replayed: their answers told the page their numbers.
const paths = resumed.seen.filter((e) => e.event === 'changed').map((e) => e.path);
if (JSON.stringify(paths) !== JSON.stringify(['away-0.txt', 'away-1.txt', 'away-2.txt'])) fail(`replayed ${paths}`);
const seqs = resumed.seen.map((e) => e.seq).filter((s) => typeof s === 'number');
if (seqs[0] !== before + 1) fail(`the first replayed seq is ${seqs[0]}, not ${before + 1}`);
for (let i = 1; i < seqs.length; i++) {
  if (seqs[i] !== seqs[i - 1] + 1) fail(`a gap in ${seqs}`);
}

if (errors.length) fail(errors.join('\n'));
await tab.evaluate(() => window.c.disconnect());
other.disconnect();
await browser.close();
server.close();
console.log('ok');
process.exit(0);
