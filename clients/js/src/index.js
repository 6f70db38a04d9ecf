// Branchwork's client: the /ws contract (MessagePack frames) for browsers and Node 20+.
// One connection, one open workspace. Requests are promises; events are dispatched to listeners.
// A lost connection is reopened by itself (backoff with jitter): it signs in again, reopens the
// workspace with `since` (the last `seq` seen) so missed events are replayed, or tells the
// application to reload (`resync`), and sends again what was in flight; every mutating request
// carries an idempotency `key`, so a request sent twice is applied once.
import { encode, decode } from '@msgpack/msgpack';

/** Ops that change something: each gets an idempotency key. */
const MUTATING = new Set(['write', 'delete', 'move', 'commit', 'save', 'lock', 'unlock',
  'branch.create', 'branch.rename', 'branch.delete', 'merge', 'revert', 'cherry-pick', 'restore',
  'tag.create', 'tag.delete', 'doc.push']);

/** A failed request: `code` is the contract's error code (`conflict`, `forbidden`, ...). */
export class BranchworkError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = 'BranchworkError';
    this.code = code;
    /** The server's reason alone, without the code. */
    this.reason = message;
  }
}

function newKey() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export class BranchworkClient {
  /**
   * @param {object} options `url` (ws://host:port/ws), `token`, optional `WebSocket` (an
   * implementation; default the global one), `requestTimeoutMs` (30000), `heartbeatMs` (15000),
   * `backoff` ({ initialMs: 250, maxMs: 10000 }).
   */
  constructor(options) {
    this.url = options.url;
    this.token = options.token;
    this.WebSocket = options.WebSocket ?? globalThis.WebSocket;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30000;
    this.heartbeatMs = options.heartbeatMs ?? 15000;
    this.backoff = { initialMs: 250, maxMs: 10000, ...options.backoff };
    this.state = 'idle';
    this.lastSeq = undefined;
    this.workspace = undefined; // { project, branch } once opened
    this._ws = undefined;
    this._nextId = 1;
    this._pending = new Map(); // id -> { frame, resolve, reject, timer }
    this._listeners = new Map(); // name -> Set<fn>; '*' for every event
    this._attempt = 0;
    this._closedByUser = false;
    this._ready = undefined;
    this._heartbeat = undefined;
    this._reconnectTimer = undefined;
  }

  // --- connection

  /** Connects and signs in; resolves once requests can be sent. A first connection that fails rejects. */
  connect() {
    this._closedByUser = false;
    if (!this._ready) {
      this._ready = this._dial().catch((e) => {
        this._ready = undefined;
        throw e;
      });
    }
    return this._ready;
  }

  /** Closes for good: pending requests fail with `closed`. */
  disconnect() {
    this._closedByUser = true;
    this._setState('closed');
    clearInterval(this._heartbeat);
    clearTimeout(this._reconnectTimer);
    this._ws?.close();
    for (const [id, p] of this._pending) {
      clearTimeout(p.timer);
      p.reject(new BranchworkError('closed', 'the client was disconnected'));
      this._pending.delete(id);
    }
  }

  /** Closes the socket as a network failure would (for tests and diagnostics): the client reconnects. */
  dropConnection() {
    this._ws?.close();
  }

  _setState(state) {
    if (this.state !== state) {
      this.state = state;
      this._emit('state', { event: 'state', state });
    }
  }

  async _dial() {
    this._setState(this._attempt === 0 ? 'connecting' : 'reconnecting');
    const ws = new this.WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this._ws = ws;
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new BranchworkError('unavailable', `cannot reach ${this.url}`));
      ws.onclose = () => reject(new BranchworkError('unavailable', `cannot reach ${this.url}`));
    });
    ws.onmessage = (e) => this._onFrame(decode(new Uint8Array(e.data)));
    ws.onclose = () => this._onClose(ws);
    ws.onerror = () => {};
    await this._send({ op: 'auth', token: this.token });
    if (this.workspace) {
      await this._reopen();
    }
    this._attempt = 0;
    this._wasOpen = true;
    this._setState('open');
    clearInterval(this._heartbeat);
    this._heartbeat = setInterval(() => this._ping(), this.heartbeatMs);
    // What was in flight when the connection went goes again (mutating requests with their keys).
    for (const [id, p] of this._pending) {
      if (!p.sent) {
        this._write(id, p);
      }
    }
  }

  async _reopen() {
    const { project, branch } = this.workspace;
    const result = await this._send({ op: 'open', project, branch,
      ...(this.lastSeq !== undefined ? { since: this.lastSeq } : {}) });
    this._opened(result);
  }

  _opened(result) {
    if (result.resync) {
      this._emit('resync', { event: 'resync', seq: result.seq });
    }
    for (const e of result.events ?? []) {
      this._onEvent(e);
    }
    this.lastSeq = result.seq;
  }

  _onClose(ws) {
    if (ws !== this._ws || this._closedByUser || this._reconnectTimer || !this._wasOpen) {
      return; // a first connection that fails is the caller's to retry
    }
    clearInterval(this._heartbeat);
    for (const [id, p] of this._pending) {
      if (p.once) {
        // Connection set-up belongs to its socket: the next connection does its own.
        clearTimeout(p.timer);
        this._pending.delete(id);
        p.reject(new BranchworkError('unavailable', 'the connection was lost'));
      } else {
        p.sent = false; // sent again once reconnected, with its key
      }
    }
    const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** this._attempt);
    this._attempt++;
    this._setState('reconnecting');
    // Jitter: clients dropped together do not all come back at the same instant.
    this._reconnectTimer = setTimeout(() => {
      this._reconnectTimer = undefined;
      this._ready = this._dial().catch((e) => this._dialFailed(e));
    }, delay * (0.5 + Math.random() / 2));
  }

  _dialFailed(e) {
    if (e.code === 'unauthenticated' || e.code === 'forbidden' || e.code === 'not_found') {
      // Trying again cannot help: the token is dead, or the workspace is not the user's any more.
      this._emit('error', { event: 'error', error: e });
      this.disconnect();
      return;
    }
    this._onClose(this._ws);
  }

  async _ping() {
    try {
      await this._send({ op: 'ping' }, Math.min(this.requestTimeoutMs, this.heartbeatMs));
    } catch {
      this._ws?.close(); // no answer: the connection is gone, even if the socket does not know it
    }
  }

  // --- requests

  /** Sends a request over the current socket now (connection set-up: auth, open, ping). */
  _send(frame, timeoutMs = this.requestTimeoutMs) {
    return new Promise((resolve, reject) => {
      const id = this._nextId++;
      const p = { frame, resolve, reject, sent: false, once: true };
      p.timer = setTimeout(() => {
        this._pending.delete(id);
        reject(new BranchworkError('timeout', `${frame.op} got no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this._pending.set(id, p);
      this._write(id, p);
    });
  }

  _write(id, p) {
    if (this._ws?.readyState === 1) {
      this._ws.send(encode({ id, ...p.frame }));
      p.sent = true;
    }
  }

  /**
   * Sends an op of the open workspace and resolves with its result; a mutating op gets an
   * idempotency key (unless given one) and survives reconnects.
   */
  request(op, args = {}) {
    const frame = { op, ...args };
    if (MUTATING.has(op) && frame.key === undefined) {
      frame.key = newKey();
    }
    return new Promise((resolve, reject) => {
      const id = this._nextId++;
      const p = { frame, resolve, reject, sent: false };
      p.timer = setTimeout(() => {
        this._pending.delete(id);
        reject(new BranchworkError('timeout', `${op} got no answer in ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      this._pending.set(id, p);
      if (this.state === 'open') {
        this._write(id, p);
      }
    });
  }

  _onFrame(m) {
    if (m.id !== undefined && this._pending.has(m.id)) {
      const p = this._pending.get(m.id);
      this._pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) {
        if (MUTATING.has(p.frame.op) && typeof m.result?.seq === 'number'
            && (this.lastSeq === undefined || m.result.seq > this.lastSeq)) {
          // The seq of the last event this session caused (it is not sent its own events); every
          // event before it has arrived already.
          this.lastSeq = m.result.seq;
        }
        p.resolve(m.result ?? {});
      } else {
        p.reject(new BranchworkError(m.error?.code ?? 'internal', m.error?.message ?? ''));
      }
      return;
    }
    if (m.event !== undefined) {
      this._onEvent(m);
    }
  }

  _onEvent(e) {
    if (typeof e.seq === 'number') {
      if (this.lastSeq !== undefined && e.seq <= this.lastSeq) {
        return; // seen already (replayed and live)
      }
      this.lastSeq = e.seq;
    }
    this._emit(e.event, e);
    if (e.event === 'renamed' && this.workspace && typeof e.branch === 'string') {
      // The server moved this session to the new name; a reconnect must reopen that one.
      this.workspace = { ...this.workspace, branch: e.branch };
    } else if (e.event === 'closing' && e.reason !== 'renamed' && this.workspace) {
      this._closed(e.reason);
    }
  }

  /**
   * The workspace ended under the session (killed, handed over, its node lost, ...): the session
   * holds nothing now, so it opens the workspace again (a new load: the answer says `resync`).
   * Lost access is final.
   */
  _closed(reason) {
    if (reason === 'access revoked') {
      this.workspace = undefined;
      return;
    }
    const { project, branch } = this.workspace;
    setTimeout(() => {
      if (this.state === 'open' && this.workspace?.project === project && this.workspace?.branch === branch) {
        this._reopen().catch(() => this._ws?.close()); // failing that, the reconnect loop takes over
      }
    }, this.backoff.initialMs);
  }

  // --- events

  /** Listens to `name` (an event such as `changed`, `state`, `resync`, or `*` for every event); answers a function that stops. */
  on(name, listener) {
    if (!this._listeners.has(name)) {
      this._listeners.set(name, new Set());
    }
    this._listeners.get(name).add(listener);
    return () => this._listeners.get(name)?.delete(listener);
  }

  _emit(name, e) {
    for (const l of this._listeners.get(name) ?? []) {
      l(e);
    }
    if (name !== 'state') {
      for (const l of this._listeners.get('*') ?? []) {
        l(e);
      }
    }
  }

  // --- the workspace

  /** Opens a workspace (leaving the one open before); resumes it by itself after a reconnect. */
  async open(project, branch) {
    await this.connect();
    const result = await this._send({ op: 'open', project, branch });
    this.workspace = { project, branch };
    this.lastSeq = undefined;
    this._opened(result);
    return result;
  }

  async closeWorkspace() {
    await this._send({ op: 'close' });
    this.workspace = undefined;
    this.lastSeq = undefined;
  }

  list(path = '', options = {}) { return this.request('list', { path, ...options }); }
  read(path) { return this.request('read', { path }); }
  write(path, content, options = {}) {
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    return this.request('write', { path, content: bytes, ...options });
  }
  delete(path, options = {}) { return this.request('delete', { path, ...options }); }
  move(from, to, options = {}) { return this.request('move', { from, to, ...options }); }
  status() { return this.request('status'); }
  diff(path) { return this.request('diff', path === undefined ? {} : { path }); }
  commit(message, options = {}) { return this.request('commit', { message, ...options }); }
  log(options = {}) { return this.request('log', options); }
  branches() { return this.request('branches'); }
  branchCreate(name, options = {}) { return this.request('branch.create', { name, ...options }); }
  /** Renames the open branch; the session (and its reconnects) follow the new name. */
  async branchRename(to, options = {}) {
    const result = await this.request('branch.rename', { to, ...options });
    if (this.workspace) {
      this.workspace = { ...this.workspace, branch: result.name ?? to };
    }
    return result;
  }
  branchDelete(name, options = {}) { return this.request('branch.delete', { name, ...options }); }
  lock(options = {}) { return this.request('lock', options); }
  unlock(options = {}) { return this.request('unlock', options); }
  save(options = {}) { return this.request('save', options); }
  compile(entry, options = {}) { return this.request('compile', { entry, ...options }); }
  /** The entry file's customizer parameters. */
  params(entry) { return this.request('params', { entry }); }

  render(entry, options = {}) { return this.request('render', { entry, ...options }); }
  /** Merges `from` (a branch, tag or commit) into the open branch; `options`: mode, message, dryRun, resolutions. */
  merge(from, options = {}) { return this.request('merge', { from, ...options }); }
  revert(commit, options = {}) { return this.request('revert', { commit, ...options }); }
  cherryPick(commit, options = {}) { return this.request('cherry-pick', { commit, ...options }); }
  /** Puts `paths` back as they were at `at`, as uncommitted changes. */
  restore(paths, at, options = {}) { return this.request('restore', { paths, at, ...options }); }
  compare(from, to, options = {}) { return this.request('compare', { from, to, ...options }); }
  tags() { return this.request('tags'); }
  tagCreate(name, options = {}) { return this.request('tag.create', { name, ...options }); }
  tagDelete(name, options = {}) { return this.request('tag.delete', { name, ...options }); }
  who() { return this.request('who'); }

  // --- live documents (the raw ops; LiveDocument below runs the protocol for an editor)

  docJoin(path) { return this.request('doc.join', { path }); }
  docPush(path, version, updates, options = {}) {
    return this.request('doc.push', { path, version, updates, ...options });
  }
  docPull(path, version) { return this.request('doc.pull', { path, version }); }
  docPresence(path, clientID, selection) { return this.request('doc.presence', { path, clientID, selection }); }
  docLeave(path) { return this.request('doc.leave', { path }); }
}

/**
 * A file of the open workspace edited live, character by character, with the workspace as the
 * central authority of `@codemirror/collab`. The helper knows the protocol, not the editor: it is
 * given `handlers` that speak for the editor, so it works with CodeMirror or with any other
 * operational editor model:
 * - `sendable()`: the local updates not yet confirmed, `[{ clientID, changes }]` with `changes`
 *   as `ChangeSet.toJSON()` (for CodeMirror: `sendableUpdates(state)` mapped);
 * - `receive(updates)`: apply updates `[{ clientID, changes, by }]` in order; the editor's own
 *   (its clientID) confirm what it sent (CodeMirror: `receiveUpdates(state, ...)`);
 * - `resync({ text, version, lineSeparator })`: start again from the whole text (the document was
 *   too far ahead, or started anew);
 * - optional `presence(event)`, `deleted(event)`, `error(error)`.
 *
 * Call `sync()` after each local change: one push is in flight at a time, what was typed meanwhile
 * goes in the next one, a refused push pulls, lets the editor rebase and pushes again. Updates of
 * others arrive as `doc.update` events and are handed to `receive` in version order; a gap pulls.
 * After a reconnect or a reopened workspace the document is joined again: the same `epoch` pulls
 * from where the editor is, another one resyncs.
 */
export class LiveDocument {
  constructor(client, path, handlers) {
    this.client = client;
    this.path = path;
    this.handlers = handlers;
    this.version = undefined;
    this.epoch = undefined;
    this.lineSeparator = '\n';
    this._wanted = false;
    this._behind = false;
    this._running = undefined;
    this._left = false;
    this._off = [];
  }

  /** Joins: answers `{ version, epoch, text, lineSeparator, peers }`; the editor starts from `text` at `version`. */
  async join() {
    const r = await this.client.docJoin(this.path);
    this.version = r.version;
    this.epoch = r.epoch;
    this.lineSeparator = r.lineSeparator;
    if (this._off.length === 0) {
      this._off.push(this.client.on('doc.update', (e) => e.path === this.path && this._onUpdate(e)));
      this._off.push(this.client.on('doc.presence', (e) => e.path === this.path && this.handlers.presence?.(e)));
      this._off.push(this.client.on('state', (e) => e.state === 'open' && this._rejoin()));
      this._off.push(this.client.on('closing', () => setTimeout(() => this._rejoin(), 500)));
    }
    return r;
  }

  /** Sends what the editor has not sent yet; resolves when nothing is left in flight. */
  sync() {
    this._wanted = true;
    return this._kick();
  }

  /** Where this editor's cursors are (`{ ranges: [{ anchor, head }], main }`); best effort. */
  presence(clientID, selection) {
    return this.client.docPresence(this.path, clientID, selection).catch(() => {});
  }

  /** Leaves the document: others see this editor's cursors go. */
  async leave() {
    this._left = true;
    this._off.forEach((off) => off());
    this._off = [];
    await this.client.docLeave(this.path).catch(() => {});
  }

  _kick() {
    if (!this._running) {
      this._running = this._run().finally(() => {
        this._running = undefined;
        if ((this._wanted || this._behind) && !this._left) {
          this._kick();
        }
      });
    }
    return this._running;
  }

  async _run() {
    while ((this._wanted || this._behind) && !this._left) {
      try {
        if (this._behind) {
          this._behind = false;
          await this._pull();
          continue;
        }
        this._wanted = false;
        const updates = this.handlers.sendable().map((u) => ({ clientID: u.clientID, changes: u.changes }));
        if (updates.length === 0) {
          continue;
        }
        const version = this.version;
        const r = await this.client.docPush(this.path, version, updates);
        if (r.accepted) {
          if (this.version === version) {
            this.version = r.version;
            this.handlers.receive(updates);
          }
        } else {
          // Refused: others got in first. Their updates usually came as events before this answer
          // (both wait for the same durable round), so the editor has rebased already; pull only
          // what has not arrived.
          if (r.version > this.version) {
            this._behind = true;
          }
          this._wanted = true;
        }
      } catch (e) {
        if (e.code === 'rate_limited' || e.code === 'overloaded' || e.code === 'timeout' || e.code === 'unavailable') {
          this._wanted = true;
          await new Promise((resolve) => setTimeout(resolve, 250 + Math.random() * 250));
        } else {
          this.handlers.error?.(e);
          return;
        }
      }
    }
  }

  async _pull() {
    const from = this.version;
    const r = await this.client.docPull(this.path, from);
    if (r.deleted) {
      this.handlers.deleted?.({ path: this.path, deleted: true });
      this._left = true;
    } else if (r.resync) {
      this._resync(r);
    } else {
      this._apply(r.version, r.updates);
    }
  }

  /** Applies `updates` that end at `version`, skipping those the editor has already. */
  _apply(version, updates) {
    const start = version - updates.length;
    if (version <= this.version) {
      return;
    }
    if (start > this.version) {
      this._behind = true; // a gap: the pull fills it
      this._kick();
      return;
    }
    const fresh = updates.slice(this.version - start);
    this.version = version;
    this.handlers.receive(fresh);
  }

  _resync(r) {
    this.version = r.version;
    if (r.lineSeparator) {
      this.lineSeparator = r.lineSeparator;
    }
    this.handlers.resync({ text: r.text, version: r.version, lineSeparator: this.lineSeparator });
  }

  _onUpdate(e) {
    if (e.deleted) {
      this._left = true;
      this.handlers.deleted?.(e);
      return;
    }
    if (e.lineSeparator) {
      this.lineSeparator = e.lineSeparator;
    }
    this._apply(e.version, e.updates);
  }

  /** The session is new (a reconnect) or the workspace was reopened: join again and catch up. */
  async _rejoin() {
    if (this._left || this.version === undefined) {
      return;
    }
    try {
      const r = await this.client.docJoin(this.path);
      if (r.epoch === this.epoch && r.version >= this.version) {
        this._behind = true;
        this._wanted = true;
        this._kick();
      } else {
        this.epoch = r.epoch;
        this._resync(r);
      }
    } catch (e) {
      if (e.code === 'no_workspace' || e.code === 'unavailable' || e.code === 'timeout') {
        setTimeout(() => this._rejoin(), 1000);
      } else {
        this.handlers.error?.(e);
      }
    }
  }
}
