package io.branchwork.store;

import io.branchwork.contract.Role;
import io.branchwork.core.BranchworkException;
import io.branchwork.store.Records.AccessToken;
import io.branchwork.store.Records.BranchHead;
import io.branchwork.store.Records.Checkpoint;
import io.branchwork.store.Records.HookEvent;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.store.Records.ProjectRole;
import io.branchwork.store.Records.RefUpdate;
import io.branchwork.store.Records.RepoState;
import io.branchwork.store.Records.SnapshotMeta;
import io.branchwork.store.Records.Token;
import io.branchwork.store.Records.User;
import io.branchwork.store.Records.WorkspaceSession;
import io.branchwork.store.SqlEngine.Violation;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The store, written once over either engine: every statement and every row mapping is here, in
 * {@link RepoRows} or in {@link SnapshotRows}, and {@link SqlEngine} supplies only what the databases spell
 * differently. Single reads and writes run without a transaction; ops of several statements run
 * in one.
 */
final class SqlStore implements Store {

  private final SqlEngine engine;
  private final SnapshotRows snapshots;
  private final RepoRows repo;
  private final HookRows hooks;
  private final List<Runnable> outboxListeners = new CopyOnWriteArrayList<>();
  private final String putSession;
  private final String putHolder;
  private final String putMember;

  SqlStore(SqlEngine engine, int chunkBytes, int keep) {
    this.engine = engine;
    this.snapshots = new SnapshotRows(engine, chunkBytes, keep);
    this.repo = new RepoRows(engine, chunkBytes);
    this.hooks = new HookRows(engine);
    this.putSession = engine.upsert("workspace_sessions", List.of("project_id", "branch"),
        List.of("server_tag", "ref_count", "time_zeroed", "updated_at"));
    this.putHolder = engine.upsert("workspace_holders", List.of("project_id", "branch", "holder"),
        List.of("server_tag"));
    this.putMember = engine.upsert("members", List.of("project_id", "username"), List.of("role"));
  }

  /** Opens a store on a fresh engine: migrates it, or closes it again when that fails. */
  static Future<Store> open(SqlEngine engine, List<List<String>> migrations, int chunkBytes, int keep) {
    return Migrations.run(engine, migrations)
        .<Store>map(v -> new SqlStore(engine, chunkBytes, keep))
        .recover(e -> engine.close().transform(ar -> Future.failedFuture(e)));
  }

  /** Fails {@code as} instead of a {@code kind} violation. */
  private <T> Future<T> unless(Future<T> f, Violation kind, BranchworkException as) {
    return f.recover(e -> Future.failedFuture(engine.is(e, kind) ? as : e));
  }

  private Future<Void> update(String sql, Object... args) {
    return engine.auto(tx -> tx.update(sql, args)).mapEmpty();
  }

  // --- users and tokens

  @Override
  public Future<Void> createUser(String username, String passwordHash) {
    return unless(update("INSERT INTO users(username, password_hash, created_at) VALUES (?,?,?)",
        username, passwordHash, System.currentTimeMillis()), Violation.UNIQUE,
        BranchworkException.conflict("user name is taken"));
  }

  @Override
  public Future<Optional<User>> findUser(String username) {
    return engine.auto(tx -> tx.one("SELECT username, password_hash FROM users WHERE username = ?",
        r -> new User(r.string(0), r.string(1)), username));
  }

  @Override
  public Future<Void> createToken(String tokenHash, String username, long expiresAt) {
    return update("INSERT INTO tokens(token_hash, username, expires_at, created_at) VALUES (?,?,?,?)",
        tokenHash, username, expiresAt, System.currentTimeMillis());
  }

  @Override
  public Future<Optional<Token>> findToken(String tokenHash) {
    return engine.auto(tx -> tx.one("SELECT username, expires_at, scope FROM tokens WHERE token_hash = ?",
        r -> new Token(r.string(0), r.int64(1), r.string(2)), tokenHash));
  }

  @Override
  public Future<Void> createAccessToken(String tokenHash, String username, AccessToken t) {
    return update("INSERT INTO tokens(token_hash, username, expires_at, created_at, token_id, name, scope)"
        + " VALUES (?,?,?,?,?,?,?)", tokenHash, username, t.expiresAt(), t.createdAt(), t.id(), t.name(), t.scope());
  }

  @Override
  public Future<List<AccessToken>> listAccessTokens(String username) {
    return engine.auto(tx -> tx.query("SELECT token_id, name, scope, expires_at, created_at FROM tokens"
        + " WHERE username = ? AND token_id IS NOT NULL ORDER BY created_at DESC, token_id",
        r -> new AccessToken(r.string(0), r.string(1), r.string(2), r.int64(3), r.int64(4)), username));
  }

  @Override
  public Future<Optional<String>> deleteAccessToken(String username, String id) {
    return engine.tx(tx -> tx.one("SELECT token_hash FROM tokens WHERE username = ? AND token_id = ?",
            r -> r.string(0), username, id)
        .compose(hash -> hash.isEmpty() ? Future.succeededFuture(hash)
            : tx.update("DELETE FROM tokens WHERE token_hash = ?", hash.get()).map(n -> hash)));
  }

  @Override
  public Future<Void> deleteToken(String tokenHash) {
    return update("DELETE FROM tokens WHERE token_hash = ?", tokenHash);
  }

  @Override
  public Future<Integer> deleteExpiredTokens(long now) {
    return engine.auto(tx -> tx.update("DELETE FROM tokens WHERE expires_at < ?", now));
  }

  // --- projects and members

  @Override
  public Future<Void> createProject(String id, String name, String owner) {
    return unless(engine.tx(tx -> tx.update("INSERT INTO projects(id, name, created_by, created_at) VALUES (?,?,?,?)",
                id, name, owner, System.currentTimeMillis())
            .compose(n -> tx.update("INSERT INTO members(project_id, username, role) VALUES (?,?,?)",
                id, owner, Role.OWNER.wire()))),
        Violation.UNIQUE, BranchworkException.conflict("project id is taken")).mapEmpty();
  }

  @Override
  public Future<Void> deleteProject(String id) {
    return update("DELETE FROM projects WHERE id = ?", id);
  }

  @Override
  public Future<Boolean> projectExists(String id) {
    return engine.auto(tx -> tx.one("SELECT 1 FROM projects WHERE id = ?", r -> true, id)).map(Optional::isPresent);
  }

  @Override
  public Future<List<ProjectRole>> listProjects(String username) {
    return engine.auto(tx -> tx.query("SELECT p.id, p.name, m.role FROM projects p JOIN members m"
        + " ON m.project_id = p.id WHERE m.username = ? ORDER BY p.id",
        r -> new ProjectRole(r.string(0), r.string(1), Role.fromWire(r.string(2))), username));
  }

  @Override
  public Future<Void> setMember(String projectId, String username, Role role) {
    return unless(update(putMember, projectId, username, role.wire()), Violation.FOREIGN_KEY,
        BranchworkException.notFound("no such user or project"));
  }

  @Override
  public Future<Optional<Role>> role(String projectId, String username) {
    return engine.auto(tx -> tx.one("SELECT role FROM members WHERE project_id = ? AND username = ?",
        r -> Role.fromWire(r.string(0)), projectId, username));
  }

  // --- the project's git repository

  @Override
  public Future<RepoState> repoState(String project) {
    return repo.state(project);
  }

  @Override
  public Future<Void> readPack(String project, String packId, Path target) {
    return repo.readPack(project, packId, target);
  }

  @Override
  public Future<byte[]> readPack(String project, String packId) {
    return repo.readPack(project, packId);
  }

  @Override
  public Future<Void> updateRepo(String project, PackInfo pack, Content content, List<RefUpdate> updates,
      List<HookEvent> events) {
    return outboxed(repo.update(project, pack, content, updates, events));
  }

  /** Wakes the local sender once a transaction that queued deliveries committed. */
  private Future<Void> outboxed(Future<Integer> queued) {
    return queued.map(n -> {
      if (n > 0) {
        outboxListeners.forEach(Runnable::run);
      }
      return null;
    });
  }

  @Override
  public Future<Boolean> replacePacks(String project, PackInfo merged, Content content, List<String> replaced) {
    return repo.replacePacks(project, merged, content, replaced);
  }

  @Override
  public Future<Long> checkpoint(String project, String branch, String head, String wip) {
    return repo.checkpoint(project, branch, head, wip);
  }

  @Override
  public Future<Optional<Checkpoint>> latestCheckpoint(String project, String branch) {
    return repo.latestCheckpoint(project, branch);
  }

  @Override
  public Future<Void> renameBranch(String project, String from, String to, List<HookEvent> events) {
    return outboxed(repo.rename(project, from, to, events));
  }

  @Override
  public Future<Void> deleteBranch(String project, String branch, List<HookEvent> events) {
    return outboxed(repo.delete(project, branch, events));
  }

  @Override
  public Future<List<BranchHead>> listBranches(String project) {
    return repo.list(project);
  }

  // --- webhooks

  @Override
  public void onOutbox(Runnable listener) {
    outboxListeners.add(listener);
  }

  @Override
  public HookStore hooks() {
    return hooks;
  }

  // --- schema version 1's snapshots

  @Override
  public Future<SnapshotMeta> writeSnapshot(String project, String branch, String head, Path archive,
      Long expectedVersion) {
    return snapshots.write(project, branch, head, archive, expectedVersion);
  }

  @Override
  public Future<List<SnapshotMeta>> legacySnapshots() {
    return snapshots.latestOfAll();
  }

  @Override
  public Future<Void> readSnapshot(SnapshotMeta meta, Path target) {
    return snapshots.read(meta, target);
  }

  @Override
  public Future<Void> dropLegacy(String project, String branch) {
    return snapshots.drop(project, branch);
  }

  // --- workspace sessions

  @Override
  public Future<Void> putWorkspaceSession(WorkspaceSession s) {
    return update(putSession, s.project(), s.branch(), s.serverTag(), s.refCount(), s.timeZeroed(),
        System.currentTimeMillis());
  }

  @Override
  public Future<Void> deleteWorkspaceSession(String project, String branch) {
    return engine.tx(tx -> tx.update("DELETE FROM workspace_holders WHERE project_id = ? AND branch = ?", project, branch)
        .compose(n -> tx.update("DELETE FROM workspace_sessions WHERE project_id = ? AND branch = ?", project, branch)))
        .mapEmpty();
  }

  @Override
  public Future<Void> addHolder(String project, String branch, String holder, String serverTag) {
    return update(putHolder, project, branch, holder, serverTag);
  }

  @Override
  public Future<Void> removeHolder(String project, String branch, String holder) {
    return update("DELETE FROM workspace_holders WHERE project_id = ? AND branch = ? AND holder = ?",
        project, branch, holder);
  }

  @Override
  public Future<Integer> wipeServer(String serverTag) {
    // A dead node's holder rows: those its connections held, and those on the workspaces it
    // owned, which died with it.
    return engine.tx(tx -> tx.update("DELETE FROM workspace_holders WHERE server_tag = ? OR EXISTS (SELECT 1"
            + " FROM workspace_sessions s WHERE s.server_tag = ? AND s.project_id = workspace_holders.project_id"
            + " AND s.branch = workspace_holders.branch)", serverTag, serverTag)
        .compose(n -> tx.update("DELETE FROM workspace_sessions WHERE server_tag = ?", serverTag)));
  }

  @Override
  public Future<List<WorkspaceSession>> listWorkspaceSessions() {
    return engine.auto(tx -> tx.query("SELECT project_id, branch, server_tag, ref_count, time_zeroed"
        + " FROM workspace_sessions ORDER BY project_id, branch",
        r -> new WorkspaceSession(r.string(0), r.string(1), r.string(2), r.int32(3), r.int64(4))));
  }

  @Override
  public Future<List<String>> sessionServerTags() {
    return engine.auto(tx -> tx.query("SELECT server_tag FROM workspace_sessions"
        + " UNION SELECT server_tag FROM workspace_holders", r -> r.string(0)));
  }

  @Override
  public Future<Void> ping() {
    return engine.auto(tx -> tx.query("SELECT 1", r -> true)).mapEmpty();
  }

  @Override
  public Future<Void> close() {
    return engine.close();
  }
}
