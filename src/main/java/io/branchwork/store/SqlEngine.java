package io.branchwork.store;

import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What differs between the store's two databases, and nothing else: how a transaction runs (JDBC
 * on a worker pool, or the reactive PostgreSQL client), how placeholders and upserts are spelled,
 * what a constraint violation looks like, and how a file is streamed into and out of chunk rows.
 * Every statement and every row mapping lives once, in {@link SqlStore} and {@link SnapshotRows}.
 */
interface SqlEngine {

  /** A constraint violation, as the store tells it apart. */
  enum Violation { UNIQUE, FOREIGN_KEY }

  /** A short name for logs ("embedded", "PostgreSQL"). */
  String name();

  /**
   * Runs {@code body} in one transaction: committed when its future succeeds, rolled back when it
   * fails. A lost database fails with {@code overloaded}.
   */
  <T> Future<T> tx(Function<SqlTx, Future<T>> body);

  /** Runs {@code body} with each statement committed on its own (one round trip for single reads). */
  <T> Future<T> auto(Function<SqlTx, Future<T>> body);

  /** Whether a failure is this kind of constraint violation. */
  boolean is(Throwable failure, Violation kind);

  /**
   * An insert-or-replace of one row by its key: the arguments are {@code keys} then
   * {@code columns}, in order.
   */
  String upsert(String table, List<String> keys, List<String> columns);

  /** Runs an {@code INSERT} that does nothing when its row's key is already taken. */
  Future<Void> insertIfAbsent(SqlTx tx, String insert, Object... args);

  /** Work the engine does first inside the migration transaction (locks, its schema). */
  Future<Void> beforeMigration(SqlTx tx);

  /** What {@link #insertChunks} wrote. */
  record Copied(long bytes, int chunks) {}

  /**
   * Inserts {@code content} as rows of at most {@code chunkBytes}: {@code insert} takes
   * {@code keyArgs}, then the chunk's sequence number from 0, then its bytes. Of a file, holds
   * one chunk in memory at a time.
   */
  Future<Copied> insertChunks(SqlTx tx, Content content, int chunkBytes, String insert, Object... keyArgs);

  /**
   * Writes chunks {@code 0..count-1} to {@code target}, one query each ({@code select} takes
   * {@code keyArgs} then the sequence number); a missing chunk fails with {@code gone}.
   */
  Future<Void> readChunks(Path target, int count, String select, Supplier<RuntimeException> gone, Object... keyArgs);

  /** {@link #readChunks(Path, int, String, Supplier, Object...)} into memory, for small contents. */
  Future<byte[]> readChunks(int count, String select, Supplier<RuntimeException> gone, Object... keyArgs);

  Future<Void> close();
}
