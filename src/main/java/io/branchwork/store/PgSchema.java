package io.branchwork.store;

import java.util.List;

/**
 * The PostgreSQL schema, one entry per version, applied forward at start under an advisory
 * lock, so that of several nodes starting at once one migrates and the others wait. The tables
 * are {@link Schema}'s, with chunks as BYTEA.
 */
final class PgSchema {

  /** Key of the advisory lock that serializes migrations ("branchwork" in ASCII, truncated). */
  static final long MIGRATION_LOCK = 0x6272616e6368L;

  private PgSchema() {}

  static final List<List<String>> MIGRATIONS = Schema.migrations("BYTEA", List.of(
      // chunks are already gzip: storing them uncompressed and out of line saves CPU for nothing
      "ALTER TABLE snapshot_chunks ALTER COLUMN data SET STORAGE EXTERNAL"));
}
