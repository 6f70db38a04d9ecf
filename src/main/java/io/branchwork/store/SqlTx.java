package io.branchwork.store;

import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;

/**
 * Statements inside one transaction (or, from {@link SqlEngine#auto}, each on its own). SQL is
 * written once with {@code ?} placeholders; the engine rewrites them to its own form.
 */
interface SqlTx {

  /** Runs an insert, update or delete; answers the rows it touched. */
  Future<Integer> update(String sql, Object... args);

  /** Every row of a query, mapped. */
  <T> Future<List<T>> query(String sql, SqlRow.Mapper<T> mapper, Object... args);

  /** The first row of a query, mapped, or empty. */
  default <T> Future<Optional<T>> one(String sql, SqlRow.Mapper<T> mapper, Object... args) {
    return query(sql, mapper, args).map(rows -> rows.isEmpty() ? Optional.<T>empty() : Optional.ofNullable(rows.get(0)));
  }
}
