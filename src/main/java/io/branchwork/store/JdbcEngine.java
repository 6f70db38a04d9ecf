package io.branchwork.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * H2 through JDBC, on a worker pool of its own so that no call blocks an event loop. A
 * transaction body runs whole on one worker thread: each statement runs there and answers an
 * already completed future, so the same composed body that the reactive engine runs step by step
 * runs here straight through.
 */
final class JdbcEngine implements SqlEngine {

  private static final String UNIQUE_VIOLATION = "23505";
  /** H2's "parent row missing"; PostgreSQL and the standard say 23503 for every FK violation. */
  private static final String FK_PARENT_MISSING = "23506";
  private static final String FK_VIOLATION = "23503";

  private final JdbcConnectionPool pool;
  private final WorkerExecutor worker;
  private Future<Void> closed;

  private JdbcEngine(JdbcConnectionPool pool, WorkerExecutor worker) {
    this.pool = pool;
    this.worker = worker;
  }

  /** Opens (creating as needed) the database file {@code branchwork} under {@code dir}. */
  static Future<JdbcEngine> open(Vertx vertx, Path dir, int poolSize) {
    WorkerExecutor worker = vertx.createSharedWorkerExecutor("branchwork-store", poolSize);
    return worker.executeBlocking(() -> {
      Files.createDirectories(dir);
      // QUERY_CACHE_SIZE: H2 keeps 8 parsed statements per connection by default, fewer than a
      // durability round and the compaction beside it use, so every statement was parsed again
      // (a twentieth of the server's time in a profile of changing writes).
      String url = "jdbc:h2:file:" + dir.toAbsolutePath().resolve("branchwork")
          + ";DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000;TRACE_LEVEL_FILE=0;WRITE_DELAY=0;QUERY_CACHE_SIZE=64";
      JdbcConnectionPool pool = JdbcConnectionPool.create(url, "branchwork", "");
      pool.setMaxConnections(poolSize);
      return new JdbcEngine(pool, worker);
    }, false).onFailure(e -> worker.close());
  }

  @Override
  public String name() {
    return "embedded";
  }

  @Override
  public <T> Future<T> tx(Function<SqlTx, Future<T>> body) {
    return run(body, false);
  }

  @Override
  public <T> Future<T> auto(Function<SqlTx, Future<T>> body) {
    return run(body, true);
  }

  private <T> Future<T> run(Function<SqlTx, Future<T>> body, boolean autoCommit) {
    return worker.executeBlocking(() -> {
      try (Connection c = pool.getConnection()) {
        c.setAutoCommit(autoCommit);
        try {
          Future<T> outcome = body.apply(new Tx(c));
          if (!outcome.isComplete()) {
            throw new IllegalStateException("a transaction body waited on something other than its statements");
          }
          if (outcome.failed()) {
            throw outcome.cause() instanceof Exception e ? e : new RuntimeException(outcome.cause());
          }
          if (!autoCommit) {
            c.commit();
          }
          return outcome.result();
        } catch (Exception e) {
          if (!autoCommit) {
            c.rollback();
          }
          throw e;
        }
      }
    }, false);
  }

  @Override
  public boolean is(Throwable failure, Violation kind) {
    if (!(failure instanceof SQLException e)) {
      return false;
    }
    String state = e.getSQLState();
    return switch (kind) {
      case UNIQUE -> UNIQUE_VIOLATION.equals(state);
      case FOREIGN_KEY -> FK_VIOLATION.equals(state) || FK_PARENT_MISSING.equals(state);
    };
  }

  @Override
  public String upsert(String table, List<String> keys, List<String> columns) {
    List<String> all = new ArrayList<>(keys);
    all.addAll(columns);
    return "MERGE INTO " + table + "(" + String.join(", ", all) + ") KEY (" + String.join(", ", keys)
        + ") VALUES (" + String.join(",", Collections.nCopies(all.size(), "?")) + ")";
  }

  @Override
  public Future<Void> insertIfAbsent(SqlTx tx, String insert, Object... args) {
    // A failed statement leaves an H2 transaction usable, so a taken key is simply ignored.
    return tx.update(insert, args).<Void>mapEmpty()
        .recover(e -> is(e, Violation.UNIQUE) ? Future.succeededFuture() : Future.failedFuture(e));
  }

  @Override
  public Future<Void> beforeMigration(SqlTx tx) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Copied> insertChunks(SqlTx tx, Content content, int chunkBytes, String insert, Object... keyArgs) {
    Connection c = ((Tx) tx).connection;
    try (InputStream in = content.open(); PreparedStatement ps = c.prepareStatement(insert)) {
      // No bigger than the content in memory: a round's pack of a few KiB took a 1 MiB buffer.
      byte[] buf = new byte[content instanceof Content.InMemory m ? Math.max(1, Math.min(chunkBytes, m.length()))
          : chunkBytes];
      long bytes = 0;
      int seq = 0;
      int n;
      while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
        bind(ps, keyArgs);
        ps.setInt(keyArgs.length + 1, seq++);
        ps.setBytes(keyArgs.length + 2, n == buf.length ? buf : Arrays.copyOf(buf, n));
        ps.executeUpdate();
        bytes += n;
      }
      return Future.succeededFuture(new Copied(bytes, seq));
    } catch (IOException | SQLException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<Void> readChunks(Path target, int count, String select, Supplier<RuntimeException> gone,
      Object... keyArgs) {
    return worker.executeBlocking(() -> {
      try (OutputStream out = Files.newOutputStream(target)) {
        copyChunks(out, count, select, gone, keyArgs);
      } catch (IOException e) {
        throw new IOException("cannot write chunks to " + target, e);
      }
      return null;
    }, false);
  }

  @Override
  public Future<byte[]> readChunks(int count, String select, Supplier<RuntimeException> gone, Object... keyArgs) {
    return worker.executeBlocking(() -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      copyChunks(out, count, select, gone, keyArgs);
      return out.toByteArray();
    }, false);
  }

  private void copyChunks(OutputStream out, int count, String select, Supplier<RuntimeException> gone,
      Object... keyArgs) throws SQLException, IOException {
    try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(select)) {
      for (int seq = 0; seq < count; seq++) {
        bind(ps, keyArgs);
        ps.setInt(keyArgs.length + 1, seq);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw gone.get();
          }
          out.write(rs.getBytes(1));
        }
      }
    }
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

  private static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      if (args[i] instanceof byte[] b) {
        ps.setBytes(i + 1, b);
      } else {
        ps.setObject(i + 1, args[i]);
      }
    }
  }

  /** Statements on one connection, run on the calling worker thread. */
  private record Tx(Connection connection) implements SqlTx {

    @Override
    public Future<Integer> update(String sql, Object... args) {
      try (PreparedStatement ps = connection.prepareStatement(sql)) {
        bind(ps, args);
        return Future.succeededFuture(ps.executeUpdate());
      } catch (SQLException e) {
        return Future.failedFuture(e);
      }
    }

    @Override
    public <T> Future<List<T>> query(String sql, SqlRow.Mapper<T> mapper, Object... args) {
      try (PreparedStatement ps = connection.prepareStatement(sql)) {
        bind(ps, args);
        List<T> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          SqlRow row = new Row(rs);
          while (rs.next()) {
            out.add(mapper.map(row));
          }
        }
        return Future.succeededFuture(out);
      } catch (SQLException | UncheckedSql e) {
        return Future.failedFuture(e instanceof UncheckedSql u ? u.getCause() : e);
      }
    }
  }

  /** A mapper cannot throw checked exceptions; a column read that fails travels as this. */
  private static final class UncheckedSql extends RuntimeException {
    UncheckedSql(SQLException cause) {
      super(cause);
    }
  }

  /** The current row of a result set, columns from 0. */
  private record Row(ResultSet rs) implements SqlRow {

    @FunctionalInterface
    private interface Column<T> {
      T read() throws SQLException;
    }

    private static <T> T read(Column<T> column) {
      try {
        return column.read();
      } catch (SQLException e) {
        throw new UncheckedSql(e);
      }
    }

    @Override
    public String string(int column) {
      return read(() -> rs.getString(column + 1));
    }

    @Override
    public long int64(int column) {
      return read(() -> rs.getLong(column + 1));
    }

    @Override
    public int int32(int column) {
      return read(() -> rs.getInt(column + 1));
    }

    @Override
    public byte[] bytes(int column) {
      return read(() -> rs.getBytes(column + 1));
    }
  }
}
