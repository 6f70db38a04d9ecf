package io.branchwork.store;

import io.vertx.core.Future;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a database to this build's schema version, forward only, in one transaction. A
 * database newer than this build is refused rather than used with tables it does not know.
 */
final class Migrations {

  private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

  private Migrations() {}

  /** Applies the entries of {@code migrations} past the database's version (entry n-1 is version n). */
  static Future<Void> run(SqlEngine engine, List<List<String>> migrations) {
    return engine.tx(tx -> engine.beforeMigration(tx)
        .compose(v -> tx.update("CREATE TABLE IF NOT EXISTS schema_version (version INT NOT NULL)"))
        .compose(v -> tx.one("SELECT COALESCE(MAX(version), 0) FROM schema_version", r -> r.int32(0)))
        .compose(found -> {
          int current = found.orElse(0);
          if (current > migrations.size()) {
            return Future.failedFuture(new IllegalStateException("the database has schema version " + current
                + ", newer than this build knows (" + migrations.size() + ")"));
          }
          Future<Void> chain = Future.succeededFuture();
          for (int v = current + 1; v <= migrations.size(); v++) {
            int version = v;
            for (String sql : migrations.get(v - 1)) {
              chain = chain.compose(x -> tx.update(sql).mapEmpty());
            }
            chain = chain.compose(x -> tx.update("INSERT INTO schema_version VALUES (?)", version))
                .onSuccess(x -> LOG.info("{} store migrated to schema version {}", engine.name(), version))
                .mapEmpty();
          }
          return chain;
        }));
  }
}
