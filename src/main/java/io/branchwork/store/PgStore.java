package io.branchwork.store;

import io.branchwork.contract.Role;
import io.branchwork.core.BranchworkException;
import io.branchwork.store.Records.BranchHead;
import io.branchwork.store.Records.ProjectRole;
import io.branchwork.store.Records.SnapshotMeta;
import io.branchwork.store.Records.Token;
import io.branchwork.store.Records.User;
import io.branchwork.store.Records.WorkspaceSession;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production store: PostgreSQL through the reactive Vert.x PG client, pooled. Snapshots are
 * rows of {@code snapshot.chunkBytes}, streamed from and to files one chunk at a time, and a new
 * version becomes visible only when its transaction commits. A lost database fails ops with
 * {@code overloaded}; the pool reconnects by itself when it is back.
 */
public final class PgStore implements Store {

  private static final Logger LOG = LoggerFactory.getLogger(PgStore.class);
  private static final String UNIQUE_VIOLATION = "23505";
  private static final String FK_VIOLATION = "23503";

  private final Vertx vertx;
  private final Pool pool;
  private final int chunkBytes;
  private final int keep;

  private PgStore(Vertx vertx, Pool pool, int chunkBytes, int keep) {
    this.vertx = vertx;
    this.pool = pool;
    this.chunkBytes = chunkBytes;
    this.keep = keep;
  }

  /** Connects, creates the schema if needed and migrates it; fails with a readable reason. */
  public static Future<Store> open(Vertx vertx, String url, String schema, int poolSize, int chunkBytes, int keep) {
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(url);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new IllegalArgumentException("pg.url is not a PostgreSQL URL: " + e.getMessage()));
    }
    options.addProperty("search_path", schema).addProperty("application_name", "branchwork");
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(poolSize)).connectingTo(options)
        .using(vertx).build();
    String where = options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
    return migrate(pool, schema)
        .<Store>map(v -> new PgStore(vertx, pool, chunkBytes, keep))
        .recover(e -> pool.close().transform(ar -> Future.failedFuture(new IllegalStateException(
            "cannot use PostgreSQL at " + where + " (schema " + schema + "): " + e.getMessage(), e))));
  }

  private static Future<Void> migrate(Pool pool, String schema) {
    return pool.withTransaction(c -> c.query("SELECT pg_advisory_xact_lock(" + PgSchema.MIGRATION_LOCK + ")").execute()
        .compose(r -> c.preparedQuery("SELECT 1 FROM pg_namespace WHERE nspname = $1").execute(Tuple.of(schema)))
        .compose(r -> r.size() > 0 ? Future.succeededFuture() : c.query("CREATE SCHEMA " + schema).execute())
        .compose(r -> c.query("SELECT to_regclass('schema_version')").execute())
        .compose(r -> r.iterator().next().getValue(0) != null ? Future.succeededFuture()
            : c.query("CREATE TABLE schema_version (version INT NOT NULL)").execute())
        .compose(r -> c.query("SELECT COALESCE(MAX(version), 0) FROM schema_version").execute())
        .compose(rows -> {
          int current = rows.iterator().next().getInteger(0);
          if (current > PgSchema.MIGRATIONS.size()) {
            return Future.failedFuture(new IllegalStateException("the database has schema version " + current
                + ", newer than this build knows (" + PgSchema.MIGRATIONS.size() + ")"));
          }
          Future<Void> chain = Future.succeededFuture();
          for (int v = current + 1; v <= PgSchema.MIGRATIONS.size(); v++) {
            int version = v;
            for (String sql : PgSchema.MIGRATIONS.get(v - 1)) {
              chain = chain.compose(x -> c.query(sql).execute().mapEmpty());
            }
            chain = chain.compose(x -> c.query("INSERT INTO schema_version VALUES (" + version + ")").execute())
                .onSuccess(x -> LOG.info("PostgreSQL store migrated to schema version {}", version))
                .mapEmpty();
          }
          return chain;
        }));
  }

  // --- helpers

  private static Future<RowSet<Row>> q(SqlClient c, String sql, Object... args) {
    return c.preparedQuery(sql).execute(Tuple.from(args));
  }

  /** Maps driver failures: a lost database is {@code overloaded}, SQL errors stay as they are. */
  private static <T> Future<T> guard(Future<T> f) {
    return f.recover(e -> {
      if (e instanceof BranchworkException || e instanceof PgException) {
        return Future.failedFuture(e);
      }
      if (unreachable(e)) {
        LOG.warn("PostgreSQL unavailable: {}", e.toString());
        return Future.failedFuture(BranchworkException.overloaded("the store is unavailable"));
      }
      return Future.failedFuture(e);
    });
  }

  /**
   * Whether a failure means the database could not be reached (refused, reset, closed, timed
   * out), judged by the failure's type anywhere in its cause chain; anything else is a real error.
   */
  static boolean unreachable(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.io.IOException || t instanceof io.vertx.sqlclient.ClosedConnectionException
          || t instanceof java.util.concurrent.TimeoutException) {
        return true;
      }
      // A query on a connection the server already closed: the SQL client has no type for it and
      // says so in a plain VertxException (SocketConnectionBase), so its own words are matched.
      if (t instanceof io.vertx.core.VertxException
          && String.valueOf(t.getMessage()).startsWith("Connection is not active now")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isState(Throwable e, String state) {
    return e instanceof PgException pe && state.equals(pe.getSqlState());
  }

  private static <T> Future<T> translate(Future<T> f, String state, BranchworkException as) {
    return f.recover(e -> Future.failedFuture(isState(e, state) ? as : e));
  }

  private <T> Future<Optional<T>> one(String sql, Function<Row, T> mapper, Object... args) {
    return guard(q(pool, sql, args).map(rows -> {
      var it = rows.iterator();
      return it.hasNext() ? Optional.ofNullable(mapper.apply(it.next())) : Optional.<T>empty();
    }));
  }

  private <T> Future<List<T>> list(String sql, Function<Row, T> mapper, Object... args) {
    return guard(q(pool, sql, args).map(rows -> {
      List<T> out = new ArrayList<>(rows.size());
      rows.forEach(r -> out.add(mapper.apply(r)));
      return out;
    }));
  }

  private Future<Integer> update(String sql, Object... args) {
    return guard(q(pool, sql, args).map(RowSet::rowCount));
  }

  // --- users and tokens

  @Override
  public Future<Void> createUser(String username, String passwordHash) {
    return translate(update("INSERT INTO users(username, password_hash, created_at) VALUES ($1,$2,$3)",
        username, passwordHash, System.currentTimeMillis()), UNIQUE_VIOLATION,
        BranchworkException.conflict("user name is taken")).mapEmpty();
  }

  @Override
  public Future<Optional<User>> findUser(String username) {
    return one("SELECT username, password_hash FROM users WHERE username = $1",
        r -> new User(r.getString(0), r.getString(1)), username);
  }

  @Override
  public Future<Void> createToken(String tokenHash, String username, long expiresAt) {
    return update("INSERT INTO tokens(token_hash, username, expires_at, created_at) VALUES ($1,$2,$3,$4)",
        tokenHash, username, expiresAt, System.currentTimeMillis()).mapEmpty();
  }

  @Override
  public Future<Optional<Token>> findToken(String tokenHash) {
    return one("SELECT username, expires_at FROM tokens WHERE token_hash = $1",
        r -> new Token(r.getString(0), r.getLong(1)), tokenHash);
  }

  @Override
  public Future<Void> deleteToken(String tokenHash) {
    return update("DELETE FROM tokens WHERE token_hash = $1", tokenHash).mapEmpty();
  }

  @Override
  public Future<Integer> deleteExpiredTokens(long now) {
    return update("DELETE FROM tokens WHERE expires_at < $1", now);
  }

  // --- projects and members

  @Override
  public Future<Void> createProject(String id, String name, String owner) {
    return translate(guard(pool.withTransaction(c ->
        q(c, "INSERT INTO projects(id, name, created_by, created_at) VALUES ($1,$2,$3,$4)",
            id, name, owner, System.currentTimeMillis())
            .compose(r -> q(c, "INSERT INTO members(project_id, username, role) VALUES ($1,$2,$3)",
                id, owner, Role.OWNER.wire())))), UNIQUE_VIOLATION,
        BranchworkException.conflict("project id is taken")).mapEmpty();
  }

  @Override
  public Future<Void> deleteProject(String id) {
    return update("DELETE FROM projects WHERE id = $1", id).mapEmpty();
  }

  @Override
  public Future<Boolean> projectExists(String id) {
    return one("SELECT 1 FROM projects WHERE id = $1", r -> true, id).map(Optional::isPresent);
  }

  @Override
  public Future<List<ProjectRole>> listProjects(String username) {
    return list("SELECT p.id, p.name, m.role FROM projects p JOIN members m ON m.project_id = p.id"
        + " WHERE m.username = $1 ORDER BY p.id",
        r -> new ProjectRole(r.getString(0), r.getString(1), Role.fromWire(r.getString(2))), username);
  }

  @Override
  public Future<Void> setMember(String projectId, String username, Role role) {
    return translate(update("INSERT INTO members(project_id, username, role) VALUES ($1,$2,$3)"
        + " ON CONFLICT (project_id, username) DO UPDATE SET role = EXCLUDED.role",
        projectId, username, role.wire()), FK_VIOLATION, BranchworkException.notFound("no such user or project"))
        .mapEmpty();
  }

  @Override
  public Future<Optional<Role>> role(String projectId, String username) {
    return one("SELECT role FROM members WHERE project_id = $1 AND username = $2",
        r -> Role.fromWire(r.getString(0)), projectId, username);
  }

  // --- snapshots

  @Override
  public Future<SnapshotMeta> writeSnapshot(String project, String branch, String head, Path archive,
      Long expectedVersion) {
    long now = System.currentTimeMillis();
    return vertx.fileSystem().open(archive.toString(), new OpenOptions().setRead(true).setWrite(false))
        .compose(file -> guard(pool.withTransaction(c -> lockBranch(c, project, branch, now)
                .compose(latest -> {
                  if (expectedVersion != null && expectedVersion != latest) {
                    return Future.failedFuture(BranchworkException.conflict("branch " + branch
                        + " is at version " + latest + ", not " + expectedVersion));
                  }
                  long version = latest + 1;
                  return q(c, "INSERT INTO snapshots(project_id, branch, version, head, bytes, chunks, created_at)"
                      + " VALUES ($1,$2,$3,$4,0,0,$5)", project, branch, version, head, now)
                      .compose(r -> copyChunks(c, file, project, branch, version))
                      .compose(bytes -> q(c, "UPDATE snapshots SET bytes = $1, chunks = (SELECT COUNT(*)"
                          + " FROM snapshot_chunks WHERE project_id = $2 AND branch = $3 AND version = $4)"
                          + " WHERE project_id = $2 AND branch = $3 AND version = $4", bytes, project, branch, version)
                          .compose(r -> q(c, "UPDATE branches SET latest_version = $1, head = $2, updated_at = $3"
                              + " WHERE project_id = $4 AND branch = $5", version, head, now, project, branch))
                          .compose(r -> q(c, "DELETE FROM snapshots WHERE project_id = $1 AND branch = $2"
                              + " AND version <= $3", project, branch, version - keep))
                          .map(r -> new SnapshotMeta(project, branch, version, head, bytes, now)));
                })))
            .eventually(file::close));
  }

  /** Locks the branch row for this transaction, creating it; answers its latest version (0: none). */
  private static Future<Long> lockBranch(SqlConnection c, String project, String branch, long now) {
    return translate(q(c, "INSERT INTO branches(project_id, branch, latest_version, head, updated_at)"
            + " VALUES ($1,$2,0,NULL,$3) ON CONFLICT DO NOTHING", project, branch, now),
        FK_VIOLATION, BranchworkException.notFound("no such project"))
        .compose(r -> q(c, "SELECT latest_version FROM branches WHERE project_id = $1 AND branch = $2 FOR UPDATE",
            project, branch))
        .map(rows -> rows.iterator().next().getLong(0));
  }

  /**
   * Inserts the file as chunks 0, 1, ...; answers the bytes. A loop over one promise rather than
   * a chain of composed futures, so that only the chunk in flight is referenced, never all of them.
   */
  private Future<Long> copyChunks(SqlConnection c, AsyncFile file, String project, String branch, long version) {
    Promise<Long> done = Promise.promise();
    copyNext(c, file, project, branch, version, 0, 0L, done);
    return done.future();
  }

  private void copyNext(SqlConnection c, AsyncFile file, String project, String branch, long version, int seq,
      long position, Promise<Long> done) {
    file.read(Buffer.buffer(chunkBytes), 0, position, chunkBytes).onComplete(read -> {
      if (read.failed()) {
        done.fail(read.cause());
        return;
      }
      Buffer chunk = read.result();
      if (chunk.length() == 0) {
        done.complete(position);
        return;
      }
      long next = position + chunk.length();
      q(c, "INSERT INTO snapshot_chunks(project_id, branch, version, seq, data) VALUES ($1,$2,$3,$4,$5)",
          project, branch, version, seq, chunk).onComplete(inserted -> {
            if (inserted.failed()) {
              done.fail(inserted.cause());
            } else {
              copyNext(c, file, project, branch, version, seq + 1, next, done);
            }
          });
    });
  }

  @Override
  public Future<Optional<SnapshotMeta>> latestSnapshot(String project, String branch) {
    return one("SELECT s.version, s.head, s.bytes, s.created_at FROM branches b JOIN snapshots s"
        + " ON s.project_id = b.project_id AND s.branch = b.branch AND s.version = b.latest_version"
        + " WHERE b.project_id = $1 AND b.branch = $2",
        r -> new SnapshotMeta(project, branch, r.getLong(0), r.getString(1), r.getLong(2), r.getLong(3)),
        project, branch);
  }

  @Override
  public Future<Void> readSnapshot(SnapshotMeta meta, Path target) {
    return vertx.fileSystem().open(target.toString(), new OpenOptions().setWrite(true).setCreate(true)
            .setTruncateExisting(true))
        .compose(file -> one("SELECT chunks FROM snapshots WHERE project_id = $1 AND branch = $2 AND version = $3",
                r -> r.getInteger(0), meta.project(), meta.branch(), meta.version())
            .compose(chunks -> chunks.isPresent() ? readChunks(file, meta, 0, chunks.get())
                : Future.failedFuture(BranchworkException.notFound("snapshot version " + meta.version() + " is gone")))
            .eventually(file::close));
  }

  /** Appends chunks {@code seq..chunks-1} to the file, one at a time (see {@link #copyChunks}). */
  private Future<Void> readChunks(AsyncFile file, SnapshotMeta meta, int seq, int chunks) {
    Promise<Void> done = Promise.promise();
    readNext(file, meta, seq, chunks, done);
    return done.future();
  }

  private void readNext(AsyncFile file, SnapshotMeta meta, int seq, int chunks, Promise<Void> done) {
    if (seq >= chunks) {
      done.complete();
      return;
    }
    one("SELECT data FROM snapshot_chunks WHERE project_id = $1 AND branch = $2 AND version = $3 AND seq = $4",
        r -> r.getBuffer(0), meta.project(), meta.branch(), meta.version(), seq)
        .compose(data -> data.isPresent() ? file.write(data.get())
            : Future.failedFuture(BranchworkException.notFound("snapshot version " + meta.version()
                + " was pruned while it was read")))
        .onComplete(written -> {
          if (written.failed()) {
            done.fail(written.cause());
          } else {
            readNext(file, meta, seq + 1, chunks, done);
          }
        });
  }

  @Override
  public Future<Void> renameBranch(String project, String from, String to) {
    return translate(guard(pool.withTransaction(c ->
        q(c, "UPDATE branches SET branch = $1 WHERE project_id = $2 AND branch = $3", to, project, from)
            .compose(r -> r.rowCount() == 0
                ? Future.failedFuture(BranchworkException.notFound("no branch " + from))
                : q(c, "UPDATE workspace_sessions SET branch = $1 WHERE project_id = $2 AND branch = $3", to, project, from))
            .compose(r -> q(c, "UPDATE workspace_holders SET branch = $1 WHERE project_id = $2 AND branch = $3",
                to, project, from)))), UNIQUE_VIOLATION, BranchworkException.conflict("branch " + to + " already exists"))
        .mapEmpty();
  }

  @Override
  public Future<Void> deleteBranch(String project, String branch) {
    return update("DELETE FROM branches WHERE project_id = $1 AND branch = $2", project, branch)
        .compose(n -> n == 0 ? Future.failedFuture(BranchworkException.notFound("no branch " + branch))
            : Future.<Void>succeededFuture());
  }

  @Override
  public Future<List<BranchHead>> listBranches(String project) {
    return list("SELECT branch, head FROM branches WHERE project_id = $1 AND latest_version > 0 ORDER BY branch",
        r -> new BranchHead(r.getString(0), r.getString(1)), project);
  }

  // --- workspace sessions

  @Override
  public Future<Void> putWorkspaceSession(WorkspaceSession s) {
    return update("INSERT INTO workspace_sessions(project_id, branch, server_tag, ref_count, time_zeroed, updated_at)"
        + " VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (project_id, branch) DO UPDATE SET server_tag = EXCLUDED.server_tag,"
        + " ref_count = EXCLUDED.ref_count, time_zeroed = EXCLUDED.time_zeroed, updated_at = EXCLUDED.updated_at",
        s.project(), s.branch(), s.serverTag(), s.refCount(), s.timeZeroed(), System.currentTimeMillis()).mapEmpty();
  }

  @Override
  public Future<Void> deleteWorkspaceSession(String project, String branch) {
    return guard(pool.withTransaction(c ->
        q(c, "DELETE FROM workspace_holders WHERE project_id = $1 AND branch = $2", project, branch)
            .compose(r -> q(c, "DELETE FROM workspace_sessions WHERE project_id = $1 AND branch = $2", project, branch))))
        .mapEmpty();
  }

  @Override
  public Future<Void> addHolder(String project, String branch, String holder, String serverTag) {
    return update("INSERT INTO workspace_holders(project_id, branch, holder, server_tag) VALUES ($1,$2,$3,$4)"
        + " ON CONFLICT (project_id, branch, holder) DO UPDATE SET server_tag = EXCLUDED.server_tag",
        project, branch, holder, serverTag).mapEmpty();
  }

  @Override
  public Future<Void> removeHolder(String project, String branch, String holder) {
    return update("DELETE FROM workspace_holders WHERE project_id = $1 AND branch = $2 AND holder = $3",
        project, branch, holder).mapEmpty();
  }

  @Override
  public Future<Integer> wipeServer(String serverTag) {
    return guard(pool.withTransaction(c -> q(c, Schema.wipeHolders("$1", "$2"), serverTag, serverTag)
        .compose(r -> q(c, "DELETE FROM workspace_sessions WHERE server_tag = $1", serverTag))
        .map(RowSet::rowCount)));
  }

  @Override
  public Future<List<WorkspaceSession>> listWorkspaceSessions() {
    return list("SELECT project_id, branch, server_tag, ref_count, time_zeroed FROM workspace_sessions"
        + " ORDER BY project_id, branch",
        r -> new WorkspaceSession(r.getString(0), r.getString(1), r.getString(2), r.getInteger(3), r.getLong(4)));
  }

  @Override
  public Future<List<String>> sessionServerTags() {
    return list(Schema.SESSION_TAGS, r -> r.getString(0));
  }

  @Override
  public Future<Void> ping() {
    return guard(pool.query("SELECT 1").execute()).mapEmpty();
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }
}
