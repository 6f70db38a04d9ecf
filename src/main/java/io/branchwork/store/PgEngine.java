package io.branchwork.store;

import io.branchwork.core.BranchworkException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxException;
import io.vertx.core.buffer.Buffer;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL through the reactive Vert.x PG client, pooled. A lost database fails ops with
 * {@code overloaded}; the pool reconnects by itself when it is back. Chunk rows are copied by
 * {@link PgChunks}.
 */
final class PgEngine implements SqlEngine {

  private static final Logger LOG = LoggerFactory.getLogger(PgEngine.class);
  private static final String UNIQUE_VIOLATION = "23505";
  private static final String FK_VIOLATION = "23503";
  /** Key of the advisory lock that serializes migrations ("branchwork" in ASCII, truncated). */
  static final long MIGRATION_LOCK = 0x6272616e6368L;

  private final Vertx vertx;
  private final Pool pool;
  private final String schema;
  private final String where;
  private final Map<String, String> numbered = new ConcurrentHashMap<>();
  private final PgChunks chunks;

  private PgEngine(Vertx vertx, Pool pool, String schema, String where) {
    this.vertx = vertx;
    this.pool = pool;
    this.schema = schema;
    this.where = where;
    this.chunks = new PgChunks(vertx, pool);
  }

  /** host:port/database, for messages. */
  String where() {
    return where;
  }

  /** A pool on {@code url} whose connections use {@code schema}; fails on a malformed URL. */
  static PgEngine open(Vertx vertx, String url, String schema, int poolSize) {
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("pg.url is not a PostgreSQL URL: " + e.getMessage());
    }
    options.addProperty("search_path", schema).addProperty("application_name", "branchwork");
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(poolSize)).connectingTo(options)
        .using(vertx).build();
    return new PgEngine(vertx, pool, schema, options.getHost() + ":" + options.getPort() + "/" + options.getDatabase());
  }

  @Override
  public String name() {
    return "PostgreSQL";
  }

  @Override
  public <T> Future<T> tx(Function<SqlTx, Future<T>> body) {
    return guard(pool.withTransaction(c -> body.apply(new Tx(c))));
  }

  @Override
  public <T> Future<T> auto(Function<SqlTx, Future<T>> body) {
    return guard(body.apply(new Tx(pool)));
  }

  /** Maps driver failures: a lost database is {@code overloaded}, SQL errors stay as they are. */
  private static <T> Future<T> guard(Future<T> f) {
    return f.recover(e -> {
      if (!(e instanceof BranchworkException) && !(e instanceof PgException) && unreachable(e)) {
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
      if (t instanceof IOException || t instanceof ClosedConnectionException || t instanceof TimeoutException) {
        return true;
      }
      // A query on a connection the server already closed: the SQL client has no type for it and
      // says so in a plain VertxException (SocketConnectionBase), so its own words are matched.
      if (t instanceof VertxException && String.valueOf(t.getMessage()).startsWith("Connection is not active now")) {
        return true;
      }
    }
    return false;
  }

  @Override
  public boolean is(Throwable failure, Violation kind) {
    return failure instanceof PgException pe && switch (kind) {
      case UNIQUE -> UNIQUE_VIOLATION.equals(pe.getSqlState());
      case FOREIGN_KEY -> FK_VIOLATION.equals(pe.getSqlState());
    };
  }

  @Override
  public String upsert(String table, List<String> keys, List<String> columns) {
    List<String> all = new ArrayList<>(keys);
    all.addAll(columns);
    return "INSERT INTO " + table + "(" + String.join(", ", all) + ") VALUES ("
        + String.join(",", Collections.nCopies(all.size(), "?")) + ") ON CONFLICT ("
        + String.join(", ", keys) + ") DO UPDATE SET "
        + columns.stream().map(c -> c + " = EXCLUDED." + c).collect(Collectors.joining(", "));
  }

  @Override
  public Future<Void> insertIfAbsent(SqlTx tx, String insert, Object... args) {
    // A failed statement aborts a PostgreSQL transaction, so the conflict must not happen at all.
    return tx.update(insert + " ON CONFLICT DO NOTHING", args).mapEmpty();
  }

  @Override
  public Future<Void> beforeMigration(SqlTx tx) {
    return tx.query("SELECT pg_advisory_xact_lock(" + MIGRATION_LOCK + ")", r -> null)
        .compose(r -> tx.update("CREATE SCHEMA IF NOT EXISTS " + schema))
        .mapEmpty();
  }

  /** The statement with its {@code ?} placeholders numbered as PostgreSQL wants them. */
  private String numbered(String sql) {
    return numbered.computeIfAbsent(sql, s -> {
      StringBuilder out = new StringBuilder(s.length() + 16);
      boolean quoted = false;
      int n = 0;
      for (char ch : s.toCharArray()) {
        if (ch == '\'') {
          quoted = !quoted;
        }
        if (ch == '?' && !quoted) {
          out.append('$').append(++n);
        } else {
          out.append(ch);
        }
      }
      return out.toString();
    });
  }

  static Tuple tuple(Object... args) {
    Tuple t = Tuple.tuple();
    for (Object a : args) {
      t.addValue(a instanceof byte[] b ? Buffer.buffer(b) : a);
    }
    return t;
  }

  @Override
  public Future<Copied> insertChunks(SqlTx tx, Content content, int chunkBytes, String insert, Object... keyArgs) {
    return chunks.insert(((Tx) tx).client, content, chunkBytes, numbered(insert), keyArgs);
  }

  @Override
  public Future<Void> readChunks(Path target, int count, String select, Supplier<RuntimeException> gone,
      Object... keyArgs) {
    return guard(chunks.read(target, count, numbered(select), gone, keyArgs));
  }

  @Override
  public Future<byte[]> readChunks(int count, String select, Supplier<RuntimeException> gone, Object... keyArgs) {
    return guard(chunks.read(count, numbered(select), gone, keyArgs));
  }

  @Override
  public Future<Void> close() {
    return pool.close();
  }

  /** Statements on a connection in a transaction, or on the pool. */
  private final class Tx implements SqlTx {
    private final SqlClient client;

    Tx(SqlClient client) {
      this.client = client;
    }

    @Override
    public Future<Integer> update(String sql, Object... args) {
      return client.preparedQuery(numbered(sql)).execute(tuple(args)).map(RowSet::rowCount);
    }

    @Override
    public <T> Future<List<T>> query(String sql, SqlRow.Mapper<T> mapper, Object... args) {
      return client.preparedQuery(numbered(sql)).execute(tuple(args)).map(rows -> {
        List<T> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
          out.add(mapper.map(new PgRow(r)));
        }
        return out;
      });
    }
  }

  /** A reactive client row; its columns already count from 0. */
  private record PgRow(Row row) implements SqlRow {
    @Override
    public String string(int column) {
      return row.getString(column);
    }

    @Override
    public long int64(int column) {
      return row.getLong(column);
    }

    @Override
    public int int32(int column) {
      return row.getInteger(column);
    }

    @Override
    public byte[] bytes(int column) {
      return row.getBuffer(column).getBytes();
    }
  }
}
