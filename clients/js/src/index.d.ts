// Types of @branchwork/client: the /ws contract's ops, results and events.

export type ErrorCode = 'bad_request' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict'
  | 'nothing_to_commit' | 'locked' | 'too_large' | 'overloaded' | 'rate_limited' | 'no_workspace'
  | 'timeout' | 'internal' | 'unsupported' | 'not_owner' | 'unavailable' | 'closed';

export class BranchworkError extends Error {
  readonly code: ErrorCode;
  /** The server's reason, without the code (the message is `code: reason`). */
  readonly reason: string;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ClientOptions {
  /** ws://host:port/ws */
  url: string;
  token: string;
  /** A WebSocket implementation; the global one by default. */
  WebSocket?: typeof WebSocket;
  requestTimeoutMs?: number;
  heartbeatMs?: number;
  backoff?: { initialMs?: number; maxMs?: number };
}

/** Every workspace event: `event` names it, `seq` numbers it (all but `closing`). */
export interface WorkspaceEvent {
  event: string;
  seq?: number;
  [field: string]: unknown;
}
export interface ChangedEvent extends WorkspaceEvent { event: 'changed'; path: string; blob: string | null; by: string }
export interface CommittedEvent extends WorkspaceEvent { event: 'committed'; commit: string; by: string }
export interface RenderedEvent extends WorkspaceEvent { event: 'rendered'; entry: string; key: string; format: string; by: string }
export interface PresenceEvent extends WorkspaceEvent { event: 'joined' | 'left'; user: string }
export interface DocUpdate { clientID: string; changes: unknown[]; by: string }
export interface DocUpdateEvent extends WorkspaceEvent {
  event: 'doc.update'; path: string; version: number; updates: DocUpdate[];
  /** The file was changed by another op: the one update replaces the whole text. */
  lineSeparator?: '\n' | '\r\n';
  /** The file is gone or no longer a live document. */
  deleted?: boolean;
}
export interface Selection { ranges: { anchor: number; head: number }[]; main: number }
export interface DocPresenceEvent { event: 'doc.presence'; path: string; user: string; clientID: string | null; selection: Selection | null }
export interface DocJoined {
  version: number; epoch: string; text: string; lineSeparator: '\n' | '\r\n';
  peers: { user: string; clientID: string | null; selection?: Selection }[];
}
export interface ClosingEvent extends WorkspaceEvent { event: 'closing'; reason: string; branch?: string }
export interface StateEvent { event: 'state'; state: ConnectionState }
export interface ResyncEvent { event: 'resync'; seq: number }
export interface ErrorEvent { event: 'error'; error: BranchworkError }

export interface OpenResult {
  project: string; branch: string; head: string | null; address: string; seq: number;
  events?: WorkspaceEvent[]; resync?: boolean;
}
export interface Entry { path: string; type: 'file' | 'dir'; size: number }
export interface Change { path: string; change: string }
export interface Commit { commit: string; parents: string[]; message: string; author: string; time: number }
export interface Diagnostic { path: string; line: number; severity: 'error' | 'warning'; message: string }

/** Options every mutating op takes: its idempotency key (one is made when none is given). */
export interface Keyed { key?: string }

/** How a merge, revert or cherry-pick settles a conflicting path. */
export type Resolution = { content: Uint8Array } | { take: 'ours' | 'theirs' } | { delete: true };
export interface MergeOptions { dryRun?: boolean; resolutions?: Record<string, Resolution> }
export interface Conflict {
  path: string; kind: 'content' | 'add-add' | 'modify-delete' | 'delete-modify' | 'binary';
  base?: string; ours?: string; theirs?: string; text?: string;
}
export interface MergeResult {
  result: 'up-to-date' | 'fast-forward' | 'merged' | 'squashed' | 'reverted' | 'picked' | 'conflicts';
  commit?: string; changed: string[]; conflicts?: Conflict[]; dryRun?: boolean;
}
export interface Comparison {
  commits: Commit[]; files: { path: string; change: string; additions: number; deletions: number; binary: boolean }[];
  patch: string; truncated?: boolean;
}
/** A customizer parameter of a model. */
export interface Param {
  name: string; type: 'number' | 'boolean' | 'string' | 'vector'; default: unknown;
  min?: number; max?: number; step?: number; options?: { value: unknown; label?: string }[];
  group?: string; description?: string;
}
/** A render's answer: the mesh at `url` (fetch it with the token), or `key` null and diagnostics. */
export interface Rendered {
  key: string | null; format: string; url?: string; bytes?: number; cached?: boolean; ms: number;
  stats?: Record<string, number>; log: string[]; diagnostics: Diagnostic[];
}
export interface Tag { name: string; commit: string; message?: string; tagger?: string }

export class BranchworkClient {
  constructor(options: ClientOptions);
  readonly state: ConnectionState;
  readonly lastSeq: number | undefined;
  readonly workspace: { project: string; branch: string } | undefined;

  connect(): Promise<void>;
  disconnect(): void;
  /** Closes the socket as a network failure would: the client reconnects and resumes. */
  dropConnection(): void;

  on(name: 'changed', listener: (e: ChangedEvent) => void): () => void;
  on(name: 'committed', listener: (e: CommittedEvent) => void): () => void;
  on(name: 'rendered', listener: (e: RenderedEvent) => void): () => void;
  on(name: 'doc.update', listener: (e: DocUpdateEvent) => void): () => void;
  on(name: 'doc.presence', listener: (e: DocPresenceEvent) => void): () => void;
  on(name: 'joined' | 'left', listener: (e: PresenceEvent) => void): () => void;
  on(name: 'closing', listener: (e: ClosingEvent) => void): () => void;
  on(name: 'state', listener: (e: StateEvent) => void): () => void;
  on(name: 'resync', listener: (e: ResyncEvent) => void): () => void;
  on(name: 'error', listener: (e: ErrorEvent) => void): () => void;
  on(name: string, listener: (e: WorkspaceEvent) => void): () => void;

  open(project: string, branch: string): Promise<OpenResult>;
  closeWorkspace(): Promise<void>;
  request(op: string, args?: Record<string, unknown>): Promise<Record<string, unknown>>;

  list(path?: string, options?: { recursive?: boolean }): Promise<{ entries: Entry[] }>;
  read(path: string): Promise<{ content: Uint8Array; blob: string }>;
  write(path: string, content: string | Uint8Array, options?: Keyed & { base?: string }): Promise<{ blob: string }>;
  delete(path: string, options?: Keyed & { base?: string }): Promise<Record<string, never>>;
  move(from: string, to: string, options?: Keyed): Promise<Record<string, never>>;
  status(): Promise<{ clean: boolean; changes: Change[] }>;
  diff(path?: string): Promise<{ patch: string; truncated: boolean }>;
  commit(message: string, options?: Keyed & { paths?: string[] }): Promise<{ commit: string }>;
  log(options?: { limit?: number; path?: string; ref?: string }): Promise<{ commits: Commit[]; truncated?: boolean }>;
  branches(): Promise<{ current: string; branches: { name: string; head: string }[] }>;
  branchCreate(name: string, options?: Keyed & { from?: string }): Promise<{ name: string; head: string }>;
  branchRename(to: string, options?: Keyed): Promise<{ name: string }>;
  branchDelete(name: string, options?: Keyed): Promise<Record<string, never>>;
  lock(options?: Keyed & { ttlMs?: number }): Promise<{ expiresAt: number }>;
  unlock(options?: Keyed): Promise<Record<string, never>>;
  save(options?: Keyed): Promise<{ version: number; bytes: number }>;
  compile(entry: string, options?: Record<string, unknown>): Promise<Record<string, unknown> & { diagnostics?: Diagnostic[] }>;
  who(): Promise<{ users: { user: string; sessions: number }[] }>;
  params(entry: string): Promise<{ params: Param[] }>;
  render(entry: string, options?: { format?: 'stl' | 'off' | '3mf' | 'amf'; params?: Record<string, unknown> }): Promise<Rendered>;
  merge(from: string, options?: Keyed & MergeOptions & { mode?: 'auto' | 'ff-only' | 'no-ff' | 'squash'; message?: string }): Promise<MergeResult>;
  revert(commit: string, options?: Keyed & MergeOptions & { message?: string }): Promise<MergeResult>;
  cherryPick(commit: string, options?: Keyed & MergeOptions): Promise<MergeResult>;
  restore(paths: string[], at: string, options?: Keyed): Promise<{ changed: string[] }>;
  compare(from: string, to: string, options?: { paths?: string[] }): Promise<Comparison>;
  tags(): Promise<{ tags: Tag[] }>;
  tagCreate(name: string, options?: Keyed & { at?: string; message?: string }): Promise<{ name: string; commit: string }>;
  tagDelete(name: string, options?: Keyed): Promise<Record<string, never>>;

  docJoin(path: string): Promise<DocJoined>;
  docPush(path: string, version: number, updates: { clientID: string; changes: unknown[] }[], options?: Keyed):
    Promise<{ accepted: boolean; version: number }>;
  docPull(path: string, version: number): Promise<{ version: number; updates: DocUpdate[] }
    | { resync: true; version: number; text: string; lineSeparator: string } | { deleted: true; version: number }>;
  docPresence(path: string, clientID: string, selection: Selection): Promise<Record<string, never>>;
  docLeave(path: string): Promise<Record<string, never>>;
}

/** What a LiveDocument asks of the editor it serves. */
export interface LiveDocumentHandlers {
  /** The local updates not confirmed yet, made on the synced version (CodeMirror: sendableUpdates). */
  sendable(): { clientID: string; changes: unknown[] }[];
  /** Updates to apply in order; the editor's own confirm what it sent (CodeMirror: receiveUpdates). */
  receive(updates: { clientID: string; changes: unknown[]; by?: string }[]): void;
  /** Start again from the whole text. */
  resync(doc: { text: string; version: number; lineSeparator: string }): void;
  presence?(e: DocPresenceEvent): void;
  deleted?(e: { path: string; deleted: true }): void;
  error?(e: BranchworkError): void;
}

/** A file of the open workspace edited live with the workspace as the collab authority. */
export class LiveDocument {
  constructor(client: BranchworkClient, path: string, handlers: LiveDocumentHandlers);
  readonly path: string;
  version: number | undefined;
  epoch: string | undefined;
  lineSeparator: string;
  join(): Promise<DocJoined>;
  /** Sends what is unsent; resolves when nothing is in flight. */
  sync(): Promise<void>;
  presence(clientID: string, selection: Selection): Promise<void>;
  leave(): Promise<void>;
}
