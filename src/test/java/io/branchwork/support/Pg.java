package io.branchwork.support;

import static org.junit.jupiter.api.Assertions.fail;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The machine's PostgreSQL for tests: {@code PG_URL} (default the local test database). Each
 * test gets a schema of its own, so runs never collide. An unreachable server fails the test
 * with instructions, never skips it.
 */
public final class Pg {

  public static final String URL = System.getenv().getOrDefault("PG_URL", "postgresql://postgres@127.0.0.1:5432/test");

  private Pg() {}

  /** A fresh schema name, e.g. {@code bw_test_3f2a...}. */
  public static String newSchema() {
    return "bw_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  }

  /** Runs {@code sql} on a short-lived connection; answers the rows. */
  public static RowSet<Row> sql(Vertx vertx, String sql) {
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(URL)).using(vertx).build();
    try {
      return pool.query(sql).execute().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      fail("PostgreSQL is not reachable at " + URL + " (" + e.getMessage() + "). Start it with "
          + "'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start', or point PG_URL at one.");
      throw new AssertionError(e);
    } finally {
      pool.close();
    }
  }

  /** Fails with instructions when PostgreSQL cannot be reached. */
  public static void requireReachable(Vertx vertx) {
    sql(vertx, "SELECT 1");
  }

  public static void dropSchema(Vertx vertx, String schema) {
    sql(vertx, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  }

  /**
   * A schema of its own for a test, on a Vert.x of its own, after checking that PostgreSQL is
   * reachable; {@link #close} drops it.
   */
  public static final class TestSchema implements AutoCloseable {

    /** For SQL and clients outside the nodes under test. */
    public final Vertx admin = Vertx.vertx();
    public final String name = newSchema();

    public TestSchema() {
      requireReachable(admin);
    }

    /** Node configuration overrides for the PostgreSQL store on this schema. */
    public io.vertx.core.json.JsonObject nodeConfig() {
      return new io.vertx.core.json.JsonObject().put("store", "pg")
          .put("pg", new io.vertx.core.json.JsonObject().put("url", URL).put("schema", name).put("poolSize", 4));
    }

    /** Runs {@code sql}, with {@code $schema} standing for this schema; answers the rows. */
    public RowSet<Row> sql(String sql) {
      return Pg.sql(admin, sql.replace("$schema", name));
    }

    @Override
    public void close() {
      dropSchema(admin, name);
      admin.close();
    }
  }
}
