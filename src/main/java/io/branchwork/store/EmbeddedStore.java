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
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.h2.jdbcx.JdbcConnectionPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zero-set-up store: an H2 database file under the data directory, reached through JDBC on
 * a worker pool of its own so that no call blocks an event loop. Snapshots are rows of
 * {@code snapshot.chunkBytes} each, written in one transaction and read one chunk at a time.
 */
public final class EmbeddedStore implements Store {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStore.class);
  private static final String UNIQUE_VIOLATION = "23505";
  private static final String FK_VIOLATION_H2 = "23506";
  private static final String FK_VIOLATION = "23503";

  private Future<Void> closed;
  private final JdbcConnectionPool pool;
  private final WorkerExecutor worker;
  private final int chunkBytes;
  private final int keep;

  private EmbeddedStore(JdbcConnectionPool pool, WorkerExecutor worker, int chunkBytes, int keep) {
    this.pool = pool;
    this.worker = worker;
    this.chunkBytes = chunkBytes;
    this.keep = keep;
  }

  /** Opens (creating and migrating as needed) the database {@code branchwork} under {@code dir}. */
  public static Future<Store> open(Vertx vertx, Path dir, int poolSize, int chunkBytes, int keep) {
    WorkerExecutor worker = vertx.createSharedWorkerExecutor("branchwork-store", poolSize);
    return worker.<Store>executeBlocking(() -> {
      Files.createDirectories(dir);
      String url = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("branchwork")
          + ";DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000;TRACE_LEVEL_FILE=0";
      JdbcConnectionPool pool = JdbcConnectionPool.create(url, "branchwork", "");
      pool.setMaxConnections(poolSize);
      try {
        migrate(pool);
      } catch (SQLException | RuntimeException e) {
        pool.dispose();
        throw e;
      }
      return new EmbeddedStore(pool, worker, chunkBytes, keep);
    }, false).onFailure(e -> worker.close());
  }

  private static void migrate(JdbcConnectionPool pool) throws SQLException {
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INT NOT NULL)");
        int current = 0;
        try (ResultSet rs = s.executeQuery("SELECT MAX(version) FROM schema_version")) {
          if (rs.next()) {
            current = rs.getInt(1);
          }
        }
        c.commit();
        if (current > EmbeddedSchema.MIGRATIONS.size()) {
          throw new IllegalStateException("the database has schema version " + current
              + ", newer than this build knows (" + EmbeddedSchema.MIGRATIONS.size() + ")");
        }
        for (int v = current + 1; v <= EmbeddedSchema.MIGRATIONS.size(); v++) {
          for (String sql : EmbeddedSchema.MIGRATIONS.get(v - 1)) {
            s.execute(sql);
          }
          s.execute("INSERT INTO schema_version VALUES (" + v + ")");
          c.commit();
          LOG.info("embedded store migrated to schema version {}", v);
        }
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws Exception;
  }

  /** Runs {@code work} in one transaction on the store's worker pool. */
  private <T> Future<T> tx(Work<T> work) {
    return worker.executeBlocking(() -> {
      try (Connection c = pool.getConnection()) {
        c.setAutoCommit(false);
        try {
          T result = work.run(c);
          c.commit();
          return result;
        } catch (Exception e) {
          c.rollback();
          throw e;
        }
      }
    }, false);
  }

  private static boolean isState(SQLException e, String... states) {
    for (String s : states) {
      if (s.equals(e.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  private static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      return ps.executeUpdate();
    }
  }

  private static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
  }

  @FunctionalInterface
  private interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /** The first row of a query, mapped, or empty. */
  private static <T> Optional<T> queryOne(Connection c, String sql, RowMapper<T> mapper, Object... args)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.ofNullable(mapper.map(rs)) : Optional.empty();
      }
    }
  }

  /** Every row of a query, mapped. */
  private static <T> List<T> queryList(Connection c, String sql, RowMapper<T> mapper, Object... args)
      throws SQLException {
    List<T> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(mapper.map(rs));
        }
      }
    }
    return out;
  }

  // --- users and tokens

  @Override
  public Future<Void> createUser(String username, String passwordHash) {
    return tx(c -> {
      try {
        update(c, "INSERT INTO users(username, password_hash, created_at) VALUES (?,?,?)",
            username, passwordHash, System.currentTimeMillis());
      } catch (SQLException e) {
        if (isState(e, UNIQUE_VIOLATION)) {
          throw BranchworkException.conflict("user name is taken");
        }
        throw e;
      }
      return null;
    });
  }

  @Override
  public Future<Optional<User>> findUser(String username) {
    return tx(c -> queryOne(c, "SELECT username, password_hash FROM users WHERE username = ?",
        rs -> new User(rs.getString(1), rs.getString(2)), username));
  }

  @Override
  public Future<Void> createToken(String tokenHash, String username, long expiresAt) {
    return tx(c -> {
      update(c, "INSERT INTO tokens(token_hash, username, expires_at, created_at) VALUES (?,?,?,?)",
          tokenHash, username, expiresAt, System.currentTimeMillis());
      return null;
    });
  }

  @Override
  public Future<Optional<Token>> findToken(String tokenHash) {
    return tx(c -> queryOne(c, "SELECT username, expires_at FROM tokens WHERE token_hash = ?",
        rs -> new Token(rs.getString(1), rs.getLong(2)), tokenHash));
  }

  @Override
  public Future<Void> deleteToken(String tokenHash) {
    return tx(c -> {
      update(c, "DELETE FROM tokens WHERE token_hash = ?", tokenHash);
      return null;
    });
  }

  @Override
  public Future<Integer> deleteExpiredTokens(long now) {
    return tx(c -> update(c, "DELETE FROM tokens WHERE expires_at < ?", now));
  }

  // --- projects and members

  @Override
  public Future<Void> createProject(String id, String name, String owner) {
    return tx(c -> {
      try {
        update(c, "INSERT INTO projects(id, name, created_by, created_at) VALUES (?,?,?,?)",
            id, name, owner, System.currentTimeMillis());
        update(c, "INSERT INTO members(project_id, username, role) VALUES (?,?,?)",
            id, owner, Role.OWNER.wire());
      } catch (SQLException e) {
        if (isState(e, UNIQUE_VIOLATION)) {
          throw BranchworkException.conflict("project id is taken");
        }
        throw e;
      }
      return null;
    });
  }

  @Override
  public Future<Void> deleteProject(String id) {
    return tx(c -> {
      update(c, "DELETE FROM projects WHERE id = ?", id);
      return null;
    });
  }

  @Override
  public Future<Boolean> projectExists(String id) {
    return tx(c -> queryOne(c, "SELECT 1 FROM projects WHERE id = ?", rs -> true, id).isPresent());
  }

  @Override
  public Future<List<ProjectRole>> listProjects(String username) {
    return tx(c -> queryList(c, "SELECT p.id, p.name, m.role FROM projects p JOIN members m"
        + " ON m.project_id = p.id WHERE m.username = ? ORDER BY p.id",
        rs -> new ProjectRole(rs.getString(1), rs.getString(2), Role.fromWire(rs.getString(3))), username));
  }

  @Override
  public Future<Void> setMember(String projectId, String username, Role role) {
    return tx(c -> {
      try {
        int n = update(c, "UPDATE members SET role = ? WHERE project_id = ? AND username = ?",
            role.wire(), projectId, username);
        if (n == 0) {
          update(c, "INSERT INTO members(project_id, username, role) VALUES (?,?,?)",
              projectId, username, role.wire());
        }
      } catch (SQLException e) {
        if (isState(e, FK_VIOLATION, FK_VIOLATION_H2)) {
          throw BranchworkException.notFound("no such user or project");
        }
        throw e;
      }
      return null;
    });
  }

  @Override
  public Future<Optional<Role>> role(String projectId, String username) {
    return tx(c -> queryOne(c, "SELECT role FROM members WHERE project_id = ? AND username = ?",
        rs -> Role.fromWire(rs.getString(1)), projectId, username));
  }

  // --- snapshots

  @Override
  public Future<SnapshotMeta> writeSnapshot(String project, String branch, String head, Path archive,
      Long expectedVersion) {
    return tx(c -> {
      long now = System.currentTimeMillis();
      long latest = lockBranch(c, project, branch, now);
      if (expectedVersion != null && expectedVersion != latest) {
        throw BranchworkException.conflict("branch " + branch + " is at version " + latest
            + ", not " + expectedVersion);
      }
      long version = latest + 1;
      update(c, "INSERT INTO snapshots(project_id, branch, version, head, bytes, chunks, created_at)"
          + " VALUES (?,?,?,?,0,0,?)", project, branch, version, head, now);
      long bytes = 0;
      int seq = 0;
      try (InputStream in = Files.newInputStream(archive);
           PreparedStatement ps = c.prepareStatement(
               "INSERT INTO snapshot_chunks(project_id, branch, version, seq, data) VALUES (?,?,?,?,?)")) {
        byte[] buf = new byte[chunkBytes];
        int n;
        while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
          bind(ps, project, branch, version, seq++);
          ps.setBytes(5, n == buf.length ? buf : java.util.Arrays.copyOf(buf, n));
          ps.executeUpdate();
          bytes += n;
        }
      }
      update(c, "UPDATE snapshots SET bytes = ?, chunks = ? WHERE project_id = ? AND branch = ?"
          + " AND version = ?", bytes, seq, project, branch, version);
      update(c, "UPDATE branches SET latest_version = ?, head = ?, updated_at = ?"
          + " WHERE project_id = ? AND branch = ?", version, head, now, project, branch);
      update(c, "DELETE FROM snapshots WHERE project_id = ? AND branch = ? AND version <= ?",
          project, branch, version - keep);
      return new SnapshotMeta(project, branch, version, head, bytes, now);
    });
  }

  /** Locks the branch row for this transaction, creating it; answers its latest version (0: none). */
  private static long lockBranch(Connection c, String project, String branch, long now)
      throws SQLException {
    for (int attempt = 0; attempt < 2; attempt++) {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT latest_version FROM branches WHERE project_id = ? AND branch = ? FOR UPDATE")) {
        bind(ps, project, branch);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            return rs.getLong(1);
          }
        }
      }
      try {
        update(c, "INSERT INTO branches(project_id, branch, latest_version, head, updated_at)"
            + " VALUES (?,?,0,NULL,?)", project, branch, now);
        return 0;
      } catch (SQLException e) {
        if (isState(e, FK_VIOLATION, FK_VIOLATION_H2)) {
          throw BranchworkException.notFound("no such project");
        }
        if (!isState(e, UNIQUE_VIOLATION)) {
          throw e;
        }
        // Another writer created the row first; lock theirs on the next attempt.
      }
    }
    throw BranchworkException.conflict("branch " + branch + " is being written concurrently");
  }

  @Override
  public Future<Optional<SnapshotMeta>> latestSnapshot(String project, String branch) {
    return tx(c -> queryOne(c, "SELECT s.version, s.head, s.bytes, s.created_at FROM branches b"
        + " JOIN snapshots s ON s.project_id = b.project_id AND s.branch = b.branch"
        + " AND s.version = b.latest_version WHERE b.project_id = ? AND b.branch = ?",
        rs -> new SnapshotMeta(project, branch, rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4)),
        project, branch));
  }

  @Override
  public Future<Void> readSnapshot(SnapshotMeta meta, Path target) {
    // One chunk per query, so memory stays at one chunk whatever the archive's size.
    return worker.executeBlocking(() -> {
      try (Connection c = pool.getConnection();
           OutputStream out = Files.newOutputStream(target);
           PreparedStatement count = c.prepareStatement(
               "SELECT chunks FROM snapshots WHERE project_id = ? AND branch = ? AND version = ?");
           PreparedStatement chunk = c.prepareStatement(
               "SELECT data FROM snapshot_chunks WHERE project_id = ? AND branch = ? AND version = ?"
                   + " AND seq = ?")) {
        bind(count, meta.project(), meta.branch(), meta.version());
        int chunks;
        try (ResultSet rs = count.executeQuery()) {
          if (!rs.next()) {
            throw BranchworkException.notFound("snapshot version " + meta.version() + " is gone");
          }
          chunks = rs.getInt(1);
        }
        for (int seq = 0; seq < chunks; seq++) {
          bind(chunk, meta.project(), meta.branch(), meta.version(), seq);
          try (ResultSet rs = chunk.executeQuery()) {
            if (!rs.next()) {
              throw BranchworkException.notFound("snapshot version " + meta.version()
                  + " was pruned while it was read");
            }
            out.write(rs.getBytes(1));
          }
        }
      } catch (IOException e) {
        throw new IOException("cannot write snapshot to " + target, e);
      }
      return null;
    }, false);
  }

  @Override
  public Future<Void> renameBranch(String project, String from, String to) {
    return tx(c -> {
      try {
        if (update(c, "UPDATE branches SET branch = ? WHERE project_id = ? AND branch = ?", to, project, from) == 0) {
          throw BranchworkException.notFound("no branch " + from);
        }
      } catch (SQLException e) {
        if (isState(e, UNIQUE_VIOLATION)) {
          throw BranchworkException.conflict("branch " + to + " already exists");
        }
        throw e;
      }
      update(c, "UPDATE workspace_sessions SET branch = ? WHERE project_id = ? AND branch = ?", to, project, from);
      update(c, "UPDATE workspace_holders SET branch = ? WHERE project_id = ? AND branch = ?", to, project, from);
      return null;
    });
  }

  @Override
  public Future<Void> deleteBranch(String project, String branch) {
    return tx(c -> {
      if (update(c, "DELETE FROM branches WHERE project_id = ? AND branch = ?", project, branch) == 0) {
        throw BranchworkException.notFound("no branch " + branch);
      }
      return null;
    });
  }

  @Override
  public Future<List<BranchHead>> listBranches(String project) {
    return tx(c -> queryList(c, "SELECT branch, head FROM branches WHERE project_id = ?"
        + " AND latest_version > 0 ORDER BY branch", rs -> new BranchHead(rs.getString(1), rs.getString(2)), project));
  }

  // --- workspace sessions

  @Override
  public Future<Void> putWorkspaceSession(WorkspaceSession s) {
    return tx(c -> {
      update(c, "MERGE INTO workspace_sessions(project_id, branch, server_tag, ref_count, time_zeroed,"
          + " updated_at) KEY (project_id, branch) VALUES (?,?,?,?,?,?)",
          s.project(), s.branch(), s.serverTag(), s.refCount(), s.timeZeroed(), System.currentTimeMillis());
      return null;
    });
  }

  @Override
  public Future<Void> deleteWorkspaceSession(String project, String branch) {
    return tx(c -> {
      update(c, "DELETE FROM workspace_holders WHERE project_id = ? AND branch = ?", project, branch);
      update(c, "DELETE FROM workspace_sessions WHERE project_id = ? AND branch = ?", project, branch);
      return null;
    });
  }

  @Override
  public Future<Void> addHolder(String project, String branch, String holder, String serverTag) {
    return tx(c -> {
      update(c, "MERGE INTO workspace_holders(project_id, branch, holder, server_tag)"
          + " KEY (project_id, branch, holder) VALUES (?,?,?,?)", project, branch, holder, serverTag);
      return null;
    });
  }

  @Override
  public Future<Void> removeHolder(String project, String branch, String holder) {
    return tx(c -> {
      update(c, "DELETE FROM workspace_holders WHERE project_id = ? AND branch = ? AND holder = ?",
          project, branch, holder);
      return null;
    });
  }

  @Override
  public Future<Integer> wipeServer(String serverTag) {
    return tx(c -> {
      update(c, Schema.wipeHolders("?", "?"), serverTag, serverTag);
      return update(c, "DELETE FROM workspace_sessions WHERE server_tag = ?", serverTag);
    });
  }

  @Override
  public Future<List<WorkspaceSession>> listWorkspaceSessions() {
    return tx(c -> queryList(c, "SELECT project_id, branch, server_tag, ref_count, time_zeroed"
        + " FROM workspace_sessions ORDER BY project_id, branch",
        rs -> new WorkspaceSession(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getLong(5))));
  }

  @Override
  public Future<List<String>> sessionServerTags() {
    return tx(c -> queryList(c, Schema.SESSION_TAGS, rs -> rs.getString(1)));
  }

  @Override
  public Future<Void> ping() {
    return tx(c -> {
      try (Statement s = c.createStatement()) {
        s.execute("SELECT 1");
      }
      return null;
    });
  }

  /** Closes the pool once; a second close answers the first one's outcome. */
  @Override
  public synchronized Future<Void> close() {
    if (closed == null) {
      closed = worker.executeBlocking(() -> {
        pool.dispose();
        return (Void) null;
      }, false).eventually(worker::close);
    }
    return closed;
  }
}
