// Live-document load: DOCS documents, EDITORS editors in each, every editor typing RATE keystrokes a
// second for SECONDS (after WARMUP seconds not counted), each editor a real @codemirror/collab
// state driven by the client library's LiveDocument over its own WebSocket, as the page does (one
// push in flight per editor, what is typed meanwhile goes in the next). Measured, for every update
// and every other editor of its document:
// - push → peer: from the moment the push that carried the update was sent to the moment another
//   editor received it in a doc.update event (the issue's keystroke-to-peer latency);
// - keystroke → peer: from the keystroke itself (so also the wait behind the push in flight).
// At the end everyone stops, sends what is left and pulls; every editor, a fresh join and the file
// must hold the same text (divergence counts the documents where they do not).
// LAYOUT=spread puts each document in a project of its own (a workspace each); LAYOUT=shared puts
// them all in one workspace. Env: BASE (http://127.0.0.1:port), DOCS, EDITORS, RATE, SECONDS,
// WARMUP, LAYOUT. Prints one JSON line.
import { EditorState, ChangeSet } from '@codemirror/state';
import { collab, receiveUpdates, sendableUpdates, getSyncedVersion } from '@codemirror/collab';
import { BranchworkClient, LiveDocument } from '../../clients/js/src/index.js';

const base = process.env.BASE;
const docs = Number(process.env.DOCS ?? 50);
const editors = Number(process.env.EDITORS ?? 4);
const rate = Number(process.env.RATE ?? 5);
const seconds = Number(process.env.SECONDS ?? 20);
const warmup = Number(process.env.WARMUP ?? 3);
const layout = process.env.LAYOUT ?? 'spread';
const url = base.replace(/^http/, 'ws') + '/ws';
/** Project names of this run: another run on the same server uses others. */
const run = Date.now().toString(36);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function api(method, path, token, body) {
  const res = await fetch(base + path, { method, body: body && JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? {} : res.json();
}

async function userToken(name) {
  await api('POST', '/api/users', null, { username: name, password: `password-${name}` }).catch((e) => {
    if (!String(e.message).includes(': 409 ')) throw e; // there from an earlier run on the same server
  });
  return (await api('POST', '/api/sessions', null, { username: name, password: `password-${name}` })).token;
}

/** Per update (document, version): when its push was sent and when it was typed. */
const sent = new Map();
/** Per receipt: [document, version, count, time]. */
const received = [];
let measuring = false;

class Editor {
  constructor(client, project, path, name) {
    this.client = client;
    this.key = `${project}/${path}`;
    this.id = name;
    this.typedAt = [];
    this.doc = new LiveDocument(client, path, {
      sendable: () => sendableUpdates(this.state).map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })),
      receive: (updates) => {
        const own = updates.filter((u) => u.clientID === this.id).length;
        if (own > 0 && own === updates.length) {
          // Accepted: this editor's updates are the versions just before doc.version.
          const times = this.typedAt.splice(0, own);
          for (let i = 0; i < own; i++) {
            sent.set(`${this.key}@${this.doc.version - own + 1 + i}`, { push: this.pushedAt, typed: times[i] });
          }
        } else if (own > 0) {
          this.typedAt.splice(0, own);
        }
        this.state = receiveUpdates(this.state, updates.map((u) => ({ clientID: u.clientID,
          changes: ChangeSet.fromJSON(u.changes) }))).state;
      },
      resync: ({ text, version }) => {
        this.resyncs = (this.resyncs ?? 0) + 1;
        this.typedAt = [];
        this.start(text, version);
      },
      error: (e) => { this.error = e; },
    });
    // The time the push in flight was sent: LiveDocument sends one at a time per document.
    const push = client.docPush.bind(client);
    client.docPush = (...args) => {
      this.pushedAt = performance.now();
      return push(...args).then((r) => {
        if (measuring) {
          this.pushes = (this.pushes ?? 0) + 1;
          if (!r.accepted) this.refused = (this.refused ?? 0) + 1;
        }
        return r;
      });
    };
    client.on('doc.update', (e) => {
      if (measuring && e.path === path && !e.deleted) received.push([this.key, e.version, e.updates.length, performance.now()]);
    });
  }

  start(text, version) {
    this.state = EditorState.create({ doc: text, extensions: [collab({ startVersion: version, clientID: this.id })] });
  }

  async join() {
    const r = await this.doc.join();
    this.start(r.text, r.version);
  }

  type() {
    const len = this.state.doc.length;
    const at = Math.floor(Math.random() * (len + 1));
    const del = len > 200 && Math.random() < 0.4;
    const change = del ? { from: Math.min(at, len - 1), to: Math.min(at, len - 1) + 1 } : { from: at, insert: ['a', 'é', '😀', ' ', '\n'][Math.floor(Math.random() * 5)] };
    // No edits inside an emoji: as a cursor would be.
    const text = this.state.doc.sliceString(Math.max(0, change.from - 1), Math.min(len, (change.to ?? change.from) + 1));
    if (/[\ud800-\udfff]/.test(text)) return;
    this.state = this.state.update({ changes: change }).state;
    this.typedAt.push(performance.now());
    this.doc.sync();
    // The page tells the others where the cursor went (throttled there; one per keystroke here).
    this.doc.presence(this.id, this.state.selection.toJSON());
  }
}

function percentile(sorted, p) {
  return sorted.length === 0 ? null : +sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1);
}

async function main() {
  const users = [];
  for (let i = 0; i < editors; i++) users.push(await userToken(`bench${i}`));
  const projects = layout === 'spread' ? Array.from({ length: docs }, (_, i) => `live${run}x${i}`) : [`live${run}`];
  for (const p of projects) {
    await api('POST', '/api/projects', users[0], { id: p });
    for (let i = 1; i < editors; i++) await api('POST', `/api/projects/${p}/members`, users[0], { username: `bench${i}`, role: 'writer' });
  }
  const seeder = new BranchworkClient({ url, token: users[0] });
  const placeOf = (d) => (layout === 'spread' ? { project: `live${run}x${d}`, path: 'doc.txt' } : { project: `live${run}`, path: `doc${d}.txt` });
  for (let d = 0; d < docs; d++) {
    const { project, path } = placeOf(d);
    if (seeder.workspace?.project !== project) await seeder.open(project, 'main');
    await seeder.write(path, 'module part() {\n  cube(10);\n}\n');
  }
  const all = [];
  for (let d = 0; d < docs; d++) {
    const { project, path } = placeOf(d);
    for (let i = 0; i < editors; i++) {
      const client = new BranchworkClient({ url, token: users[i], requestTimeoutMs: 30000 });
      await client.open(project, 'main');
      const e = new Editor(client, project, path, `d${d}e${i}`);
      await e.join();
      all.push(e);
    }
  }
  const log = (what) => process.stderr.write(`${new Date().toISOString()} ${what}\n`);
  log(`${all.length} editors joined`);
  const t0 = performance.now();
  const stopAt = t0 + (warmup + seconds) * 1000;
  setTimeout(() => { measuring = true; }, warmup * 1000);
  let keystrokes = 0;
  await Promise.all(all.map(async (e) => {
    await sleep(Math.random() * 1000 / rate);
    while (performance.now() < stopAt) {
      e.type();
      if (measuring) keystrokes++;
      await sleep((0.5 + Math.random()) * 1000 / rate);
    }
  }));
  measuring = false;
  log(`typing stopped: ${keystrokes} keystrokes measured`);
  const elapsed = seconds;
  // Settle, then compare.
  const deadline = Date.now() + 60000;
  for (;;) {
    const stuck = setTimeout(() => log(`still syncing: ${all.filter((e) => e.doc._running).map((e) => `${e.id} v${e.doc.version} wanted=${e.doc._wanted} behind=${e.doc._behind} pending=${sendableUpdates(e.state).length}`).slice(0, 5)}`), 5000);
    await Promise.all(all.map((e) => e.doc.sync()));
    clearTimeout(stuck);
    for (const e of all) e.doc._behind = true;
    await Promise.all(all.map((e) => e.doc.sync()));
    const byDoc = new Map();
    for (const e of all) byDoc.set(e.key, [...(byDoc.get(e.key) ?? []), getSyncedVersion(e.state)]);
    const agreed = [...byDoc.values()].every((vs) => new Set(vs).size === 1);
    if (agreed && all.every((e) => sendableUpdates(e.state).length === 0)) break;
    if (Date.now() > deadline) {
      log('did not settle in 60 s');
      break;
    }
    await sleep(50);
  }
  log('settled');
  let divergent = 0;
  const checker = new BranchworkClient({ url, token: users[0] });
  for (let d = 0; d < docs; d++) {
    const { project, path } = placeOf(d);
    if (checker.workspace?.project !== project) await checker.open(project, 'main');
    const texts = new Set(all.filter((e) => e.key === `${project}/${path}`).map((e) => e.state.doc.toString()));
    const fresh = (await checker.docJoin(path)).text;
    const file = new TextDecoder().decode((await checker.read(path)).content);
    if (texts.size !== 1 || !texts.has(fresh) || fresh !== file) divergent++;
    await checker.docLeave(path);
  }
  const push = [];
  const typed = [];
  for (const [key, version, count, at] of received) {
    for (let v = version - count + 1; v <= version; v++) {
      const s = sent.get(`${key}@${v}`);
      if (s) {
        push.push(at - s.push);
        typed.push(at - s.typed);
      }
    }
  }
  push.sort((a, b) => a - b);
  typed.sort((a, b) => a - b);
  console.log(JSON.stringify({
    layout, docs, editors, rate, seconds: elapsed,
    keystrokes_per_s: +(keystrokes / elapsed).toFixed(0),
    deliveries: push.length,
    push_to_peer_ms: { p50: percentile(push, 0.5), p99: percentile(push, 0.99), max: percentile(push, 1) },
    keystroke_to_peer_ms: { p50: percentile(typed, 0.5), p99: percentile(typed, 0.99), max: percentile(typed, 1) },
    pushes: all.reduce((n, e) => n + (e.pushes ?? 0), 0),
    refused: all.reduce((n, e) => n + (e.refused ?? 0), 0),
    accepted_per_editor: (() => {
      const a = all.map((e) => (e.pushes ?? 0) - (e.refused ?? 0)).sort((x, y) => x - y);
      return { min: a[0], p50: a[Math.floor(a.length / 2)], max: a[a.length - 1] };
    })(),
    divergent_docs: divergent,
    resyncs: all.reduce((n, e) => n + (e.resyncs ?? 0), 0),
    errors: all.filter((e) => e.error).map((e) => e.error.message).slice(0, 3),
  }));
  for (const e of all) e.client.disconnect();
  seeder.disconnect();
  checker.disconnect();
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
