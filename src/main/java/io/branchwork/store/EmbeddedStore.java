package io.branchwork.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;

/**
 * The zero-set-up store: an H2 database file under the data directory, reached through JDBC on a
 * worker pool of its own ({@link JdbcEngine}), with the statements every engine shares
 * ({@link SqlStore}).
 */
public final class EmbeddedStore {

  private EmbeddedStore() {}

  /** Opens (creating and migrating as needed) the database {@code branchwork} under {@code dir}. */
  public static Future<Store> open(Vertx vertx, Path dir, int poolSize, int chunkBytes, int keep) {
    return JdbcEngine.open(vertx, dir, poolSize)
        .compose(engine -> SqlStore.open(engine, Schema.EMBEDDED, chunkBytes, keep));
  }
}
