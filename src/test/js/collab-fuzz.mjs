// Many editors typing into live documents at once, each a real @codemirror/collab state driven by
// the client library's LiveDocument against a live node: random inserts and deletes (multi-byte
// letters, emoji and line breaks included), random pauses, a dropped connection in the middle.
// When the typing stops every editor, a fresh join and the file itself must hold the same text.
// Run by the Java test CollabFuzzTest: env PORT, TOKEN_A, TOKEN_B, PROJECT, EDITORS, EDITS, SEED.
import { EditorState, ChangeSet } from '@codemirror/state';
import { collab, receiveUpdates, sendableUpdates, getSyncedVersion } from '@codemirror/collab';
import { BranchworkClient, LiveDocument } from '../../../clients/js/src/index.js';

const port = process.env.PORT;
const project = process.env.PROJECT;
const editors = Number(process.env.EDITORS ?? 8);
const edits = Number(process.env.EDITS ?? 120);
let seed = Number(process.env.SEED ?? 7);
const paths = ['a.txt', 'dir/b.scad'];
/** Keystrokes per path: each is one update, so each document's final version must be this. */
const typed = {};

function random() {
  // mulberry32: the same run for the same seed
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Moves a position off the middle of a surrogate pair, as a cursor in an editor never sits there. */
function boundary(text, pos) {
  const c = text.charCodeAt(pos);
  return pos > 0 && pos < text.length && c >= 0xdc00 && c <= 0xdfff ? pos + 1 : pos;
}

class Editor {
  constructor(client, path, clientID) {
    this.client = client;
    this.path = path;
    this.clientID = clientID;
    this.state = undefined;
    this.doc = new LiveDocument(client, path, {
      sendable: () => sendableUpdates(this.state).map((u) => ({ clientID: u.clientID, changes: u.changes.toJSON() })),
      receive: (updates) => {
        this.state = receiveUpdates(this.state, updates.map((u) => ({
          clientID: u.clientID, changes: ChangeSet.fromJSON(u.changes) }))).state;
      },
      resync: ({ text, version }) => this._start(text, version),
      error: (e) => { this.failed = e; },
    });
  }

  _start(text, version) {
    this.state = EditorState.create({ doc: text, extensions: [collab({ startVersion: version, clientID: this.clientID })] });
  }

  async join() {
    const r = await this.doc.join();
    this._start(r.text, r.version);
  }

  type() {
    const text = this.state.doc.toString();
    let change;
    const from = boundary(text, Math.floor(random() * text.length));
    if (from < text.length && random() < 0.3) {
      const to = boundary(text, Math.min(text.length, from + 1 + Math.floor(random() * 4)));
      change = { from, to };
    } else {
      const at = boundary(text, Math.floor(random() * (text.length + 1)));
      change = { from: at, insert: pick(['a', 'b', 'é', '漢', '😀', '🎉', '\n', ' ', 'word']) };
    }
    this.state = this.state.update({ changes: change }).state;
    typed[this.path] = (typed[this.path] ?? 0) + 1;
    this.doc.sync();
  }

  get text() {
    return this.state.doc.toString();
  }
}

async function main() {
  const clients = [];
  const all = [];
  for (let i = 0; i < editors; i++) {
    const client = new BranchworkClient({ url: `ws://127.0.0.1:${port}/ws`, token: i % 2 ? process.env.TOKEN_B : process.env.TOKEN_A,
      requestTimeoutMs: 20000 });
    await client.open(project, 'main');
    clients.push(client);
    for (const path of paths) {
      const e = new Editor(client, path, `c${i}-${path}`);
      await e.join();
      all.push(e);
    }
  }
  const typing = all.map(async (e, n) => {
    for (let k = 0; k < edits; k++) {
      e.type();
      if (n === 0 && k === Math.floor(edits / 2)) {
        e.client.dropConnection(); // reconnects, joins again, sends again what was in flight
      }
      await sleep(random() * 12);
    }
  });
  await Promise.all(typing);
  // Settle: everyone sends what is left and pulls until nobody is behind.
  const deadline = Date.now() + 60000;
  for (;;) {
    await Promise.all(all.map((e) => e.doc.sync()));
    for (const e of all) {
      e.doc._behind = true;
    }
    await Promise.all(all.map((e) => e.doc.sync()));
    const pending = all.filter((e) => sendableUpdates(e.state).length > 0);
    const versions = new Set(paths.map((p) => all.filter((e) => e.path === p).map((e) => getSyncedVersion(e.state)).join()));
    const agreed = [...versions].every((v) => new Set(v.split(',')).size === 1);
    if (pending.length === 0 && agreed) {
      break;
    }
    if (Date.now() > deadline) {
      throw new Error(`no convergence: ${pending.length} editors with unsent updates, versions ${[...versions]}`);
    }
    await sleep(50);
  }
  const failed = all.filter((e) => e.failed);
  if (failed.length > 0) {
    throw new Error(`editors failed: ${failed.map((e) => e.failed.message)}`);
  }
  const checker = new BranchworkClient({ url: `ws://127.0.0.1:${port}/ws`, token: process.env.TOKEN_A });
  await checker.open(project, 'main');
  const report = {};
  for (const path of paths) {
    const texts = new Set(all.filter((e) => e.path === path).map((e) => e.text));
    const fresh = (await checker.docJoin(path)).text;
    const file = new TextDecoder('utf-8', { fatal: true }).decode((await checker.read(path)).content);
    if (texts.size !== 1 || !texts.has(fresh) || fresh !== file) {
      throw new Error(`${path} diverged: ${texts.size} editor texts, fresh join ${JSON.stringify(fresh.slice(0, 80))}, `
        + `file ${JSON.stringify(file.slice(0, 80))}`);
    }
    const version = getSyncedVersion(all.find((e) => e.path === path).state);
    report[path] = { version, typed: typed[path], length: fresh.length, astral: [...fresh].filter((c) => c.length === 2).length };
  }
  for (const c of [...clients, checker]) {
    c.disconnect();
  }
  console.log(`converged ${JSON.stringify(report)}`);
}

main().then(() => process.exit(0), (e) => {
  console.error(e);
  process.exit(1);
});
