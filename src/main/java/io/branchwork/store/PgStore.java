package io.branchwork.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The production store: PostgreSQL through the reactive Vert.x PG client ({@link PgEngine}), with
 * the statements every engine shares ({@link SqlStore}). Several nodes may start at once: one
 * migrates the schema under an advisory lock while the others wait.
 */
public final class PgStore {

  private PgStore() {}

  /** Connects, creates the schema if needed and migrates it; fails with a readable reason. */
  public static Future<Store> open(Vertx vertx, String url, String schema, int poolSize, int chunkBytes, int keep) {
    PgEngine engine;
    try {
      engine = PgEngine.open(vertx, url, schema, poolSize);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    return SqlStore.open(engine, Schema.POSTGRES, chunkBytes, keep)
        .recover(e -> Future.failedFuture(new IllegalStateException("cannot use PostgreSQL at "
            + engine.where() + " (schema " + schema + "): " + e.getMessage(), e)));
  }
}
