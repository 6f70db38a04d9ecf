// The client against a live Branchwork node (started by ClientLibraryTest, which passes PORT,
// TOKEN_A, TOKEN_B and PROJECT_* in the environment; the node keeps 8 events per workspace).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BranchworkClient, BranchworkError } from '../src/index.js';

const { PORT, TOKEN_A, TOKEN_B } = process.env;
const url = `ws://127.0.0.1:${PORT}/ws`;
const text = (bytes) => new TextDecoder().decode(bytes);

function client(token, options = {}) {
  return new BranchworkClient({ url, token, heartbeatMs: 1000, requestTimeoutMs: 15000, ...options });
}

/** Resolves once `predicate()` holds (checked every 20 ms), or fails after `ms`. */
async function until(what, predicate, ms = 10000) {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('ops resolve with their results, errors carry the contract code, events reach the other client', async () => {
  const a = client(TOKEN_A);
  const b = client(TOKEN_B);
  try {
    await a.open(process.env.PROJECT_BASIC, 'main');
    await b.open(process.env.PROJECT_BASIC, 'main');
    const seen = [];
    b.on('changed', (e) => seen.push(e));
    const { blob } = await a.write('hello.txt', 'hi from the client');
    assert.equal(text((await b.read('hello.txt')).content), 'hi from the client');
    await until('the changed event', () => seen.some((e) => e.path === 'hello.txt' && e.blob === blob));
    await assert.rejects(a.write('hello.txt', 'stale', { base: '0'.repeat(40) }),
      (e) => e instanceof BranchworkError && e.code === 'conflict');
    const { commit } = await a.commit('from the client');
    assert.equal((await b.log({ limit: 1 })).commits[0].commit, commit);
    await a.write('model.scad', 'cube(1);\ninclude <missing.scad>\n');
    const compiled = await b.compile('model.scad');
    assert.equal(compiled.output.includes('cube(1);'), true);
    assert.deepEqual(compiled.diagnostics.map((d) => [d.path, d.line]), [['model.scad', 2]]);
    assert.equal(a.state, 'open');
  } finally {
    a.disconnect();
    b.disconnect();
  }
});

test('a connection dropped during a burst of keyed writes: every write resolves and is applied once', async () => {
  const a = client(TOKEN_A, { backoff: { initialMs: 50, maxMs: 200 } });
  const observer = client(TOKEN_B);
  try {
    await a.open(process.env.PROJECT_BURST, 'main');
    await observer.open(process.env.PROJECT_BURST, 'main');
    const changes = new Map();
    observer.on('changed', (e) => changes.set(e.path, (changes.get(e.path) ?? 0) + 1));
    const states = [];
    a.on('state', (e) => states.push(e.state));
    const writes = [];
    for (let i = 0; i < 40; i++) {
      writes.push(a.write(`burst/${i}.txt`, `write ${i}`));
      if (i === 15) {
        a.dropConnection();
      }
    }
    const results = await Promise.all(writes);
    assert.equal(results.length, 40);
    assert.ok(states.includes('reconnecting'), `states: ${states}`);
    await until('a changed event per write', () => changes.size === 40);
    // Give a duplicate (a write applied twice) time to show; none may.
    await a.status();
    await observer.status();
    for (const [path, n] of changes) {
      assert.equal(n, 1, `${path} was applied ${n} times`);
    }
    for (let i = 0; i < 40; i++) {
      assert.equal(text((await observer.read(`burst/${i}.txt`)).content), `write ${i}`);
    }
  } finally {
    a.disconnect();
    observer.disconnect();
  }
});

test('after a reconnect the missed events are replayed (since), in order and without gaps', async () => {
  const a = client(TOKEN_A);
  const b = client(TOKEN_B, { backoff: { initialMs: 1500, maxMs: 1500 } });
  try {
    await a.open(process.env.PROJECT_SINCE, 'main');
    await b.open(process.env.PROJECT_SINCE, 'main');
    const events = [];
    b.on('*', (e) => events.push(e));
    let resynced = false;
    b.on('resync', () => { resynced = true; });
    const before = b.lastSeq;
    b.dropConnection();
    await until('b to notice', () => b.state === 'reconnecting');
    for (let i = 0; i < 3; i++) {
      await a.write(`away-${i}.txt`, `while b was away ${i}`);
    }
    await until('b to resume', () => b.state === 'open');
    const changed = events.filter((e) => e.event === 'changed').map((e) => e.path);
    assert.deepEqual(changed, ['away-0.txt', 'away-1.txt', 'away-2.txt']);
    const seqs = events.filter((e) => typeof e.seq === 'number').map((e) => e.seq);
    assert.equal(seqs[0], before + 1, `events: ${JSON.stringify(events)}`);
    for (let i = 1; i < seqs.length; i++) {
      assert.equal(seqs[i], seqs[i - 1] + 1, `a gap in ${seqs}`);
    }
    assert.equal(resynced, false);
    await a.write('live.txt', 'after');
    await until('the live event', () => events.some((e) => e.path === 'live.txt'));
  } finally {
    a.disconnect();
    b.disconnect();
  }
});

test('a client that made more changes than the workspace keeps resumes without a resync (its answers carry the seq of its own events)', async () => {
  const a = client(TOKEN_A, { backoff: { initialMs: 50, maxMs: 200 } });
  try {
    await a.open(process.env.PROJECT_SOLO, 'main');
    let resynced = false;
    a.on('resync', () => { resynced = true; });
    const replayed = [];
    a.on('changed', (e) => replayed.push(e.path));
    for (let i = 0; i < 12; i++) {
      await a.write(`solo-${i}.txt`, `mine ${i}`);
    }
    const before = a.lastSeq;
    a.dropConnection();
    await until('a to notice', () => a.state === 'reconnecting');
    await until('a to resume', () => a.state === 'open');
    assert.equal(resynced, false, 'its own events are counted as seen');
    assert.deepEqual(replayed, [], 'nothing of its own comes back');
    assert.ok(a.lastSeq >= before);
  } finally {
    a.disconnect();
  }
});

test('after a reconnect that missed more than the workspace keeps, the client is told to resync', async () => {
  const a = client(TOKEN_A);
  const b = client(TOKEN_B, { backoff: { initialMs: 1500, maxMs: 1500 } });
  try {
    await a.open(process.env.PROJECT_RESYNC, 'main');
    await b.open(process.env.PROJECT_RESYNC, 'main');
    let resync;
    b.on('resync', (e) => { resync = e; });
    b.dropConnection();
    await until('b to notice', () => b.state === 'reconnecting');
    for (let i = 0; i < 12; i++) {
      await a.write(`many-${i}.txt`, `x${i}`);
    }
    await until('the resync', () => resync !== undefined);
    await until('b to be open again', () => b.state === 'open');
    assert.equal(typeof resync.seq, 'number');
    // Reloading works: the files written meanwhile are there.
    const { entries } = await b.list('', {});
    assert.ok(entries.some((e) => e.path === 'many-11.txt'), JSON.stringify(entries));
  } finally {
    a.disconnect();
    b.disconnect();
  }
});

test('a dead token stops the client instead of retrying for ever', async () => {
  const c = client('not-a-token');
  await assert.rejects(c.connect(), (e) => e instanceof BranchworkError);
  c.disconnect();
});

test('after a rename the client follows the new branch, reconnects included', async () => {
  const a = client(TOKEN_A);
  const b = client(TOKEN_B, { backoff: { initialMs: 20, maxMs: 50 } });
  try {
    await a.open(process.env.PROJECT_RENAME, 'main');
    await b.open(process.env.PROJECT_RENAME, 'main');
    const renamed = [];
    b.on('renamed', (e) => renamed.push(e.branch));
    await a.branchRename('moved');
    await until('the renamed event', () => renamed.length === 1);
    assert.deepEqual(b.workspace, { project: process.env.PROJECT_RENAME, branch: 'moved' });
    const seen = [];
    b.on('changed', (e) => seen.push(e.path));
    b.dropConnection();
    await until('the reconnect', () => b.state === 'reconnecting');
    await until('the reconnect', () => b.state === 'open');
    await a.write('after-rename.txt', 'on the moved branch');
    await until('the write on the new name', () => seen.includes('after-rename.txt'));
    assert.equal((await b.branches()).current, 'moved');
    assert.deepEqual(a.workspace, { project: process.env.PROJECT_RENAME, branch: 'moved' });
  } finally {
    a.disconnect();
    b.disconnect();
  }
});
