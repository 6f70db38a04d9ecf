// Resume time after a dropped connection, with the client library against a running node:
// N times, the client drops its socket while another client writes K files, then reconnects with
// its first backoff step set to 0; measured from the drop to the moment the client is open again
// with every missed event delivered. Env: URL (ws://host:port/ws), TOKEN_A, TOKEN_B, PROJECT,
// ROUNDS (20), MISSED (5). Prints one JSON line.
import { BranchworkClient } from '../src/index.js';

const { URL: url, TOKEN_A, TOKEN_B, PROJECT } = process.env;
const rounds = Number(process.env.ROUNDS ?? 20);
const missedPerRound = Number(process.env.MISSED ?? 5);
const until = async (predicate) => { while (!predicate()) await new Promise((r) => setTimeout(r, 1)); };

const writer = new BranchworkClient({ url, token: TOKEN_B });
const reader = new BranchworkClient({ url, token: TOKEN_A, backoff: { initialMs: 0, maxMs: 0 } });
await writer.open(PROJECT, 'main');
await reader.open(PROJECT, 'main');
let received = 0;
reader.on('changed', () => { received++; });
const times = [];
for (let round = 0; round < rounds; round++) {
  received = 0;
  // The writes land while the reader is away: held back until the drop has been noticed.
  const dropped = new Promise((r) => { const off = reader.on('state', (e) => { if (e.state === 'reconnecting') { off(); r(); } }); });
  const t0 = performance.now();
  reader.dropConnection();
  await dropped;
  await Promise.all(Array.from({ length: missedPerRound }, (_, i) => writer.write(`r${round}-${i}.txt`, `round ${round}`)));
  await until(() => reader.state === 'open' && received >= missedPerRound);
  times.push(performance.now() - t0);
}
writer.disconnect();
reader.disconnect();
times.sort((a, b) => a - b);
const at = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
console.log(JSON.stringify({ rounds, missedPerRound, p50_ms: +at(0.5).toFixed(1), p90_ms: +at(0.9).toFixed(1),
  max_ms: +times[times.length - 1].toFixed(1) }));
process.exit(0);
