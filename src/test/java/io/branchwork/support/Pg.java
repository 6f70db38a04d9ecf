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
 * PostgreSQL for tests: the server {@code PG_URL} names (CI points it at the machine's), or, when
 * it is not set, an embedded one this JVM starts ({@link EmbeddedPg}). Each test gets a schema of
 * its own, so runs never collide. An unreachable server fails the test with instructions, never
 * skips it.
 */
public final class Pg {

  private static final String GIVEN = System.getenv("PG_URL");

  /** The server's URL: {@code PG_URL}, or the embedded server's (started on first use). */
  public static String url() {
    return GIVEN != null && !GIVEN.isBlank() ? GIVEN : EmbeddedPg.url();
  }

  private Pg() {}

  /** A fresh schema name, e.g. {@code bw_test_3f2a...}. */
  public static String newSchema() {
    return "bw_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
  }

  /** Runs {@code sql} on a short-lived connection; answers the rows. */
  public static RowSet<Row> sql(Vertx vertx, String sql) {
    Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url())).using(vertx).build();
    try {
      return pool.query(sql).execute().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      fail("PostgreSQL is not reachable at " + url() + " (" + e.getMessage() + "). "
          + (GIVEN == null ? "The embedded PostgreSQL did not answer; see its server.log."
              : String.valueOf(e.getMessage()).contains("does not exist")
              ? "The database PG_URL names does not exist: create it (e.g. createdb -h 127.0.0.1 -U postgres test),"
                  + " or unset PG_URL to run the tests on an embedded PostgreSQL."
              : "PG_URL names it: start that server (it needs passwordless access for the URL's user), point PG_URL"
                  + " at another, or unset PG_URL to run the tests on an embedded PostgreSQL."));
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
          .put("pg", new io.vertx.core.json.JsonObject().put("url", url()).put("schema", name).put("poolSize", 4));
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
