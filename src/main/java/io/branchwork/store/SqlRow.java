package io.branchwork.store;

/**
 * One result row, read by 0-based column index the same way whatever the engine (JDBC counts
 * from 1, the reactive client from 0), so that every row mapping is written once.
 */
interface SqlRow {

  String string(int column);

  long int64(int column);

  int int32(int column);

  byte[] bytes(int column);

  /** Turns a row into a record. */
  @FunctionalInterface
  interface Mapper<T> {
    T map(SqlRow row);
  }
}
