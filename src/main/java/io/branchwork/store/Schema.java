package io.branchwork.store;

import java.util.ArrayList;
import java.util.List;

/**
 * The tables of every store engine, defined once so that the engines cannot drift: version
 * {@code n} of the schema is entry {@code n - 1}. Entries are never edited once released, only
 * appended. The engines differ only in the type of binary columns and may add their own tuning.
 */
final class Schema {

  /** The embedded (H2) schema: chunks as VARBINARY. */
  static final List<List<String>> EMBEDDED = migrations("VARBINARY(67108864)", List.of(), List.of());

  /** The PostgreSQL schema: chunks as BYTEA. */
  static final List<List<String>> POSTGRES = migrations("BYTEA", List.of(
      // chunks are already gzip: storing them uncompressed and out of line saves CPU for nothing
      "ALTER TABLE snapshot_chunks ALTER COLUMN data SET STORAGE EXTERNAL"), List.of(
      // pack data is already zlib-compressed: the same holds
      "ALTER TABLE pack_chunks ALTER COLUMN data SET STORAGE EXTERNAL"));

  private Schema() {}

  /** The migrations with {@code bytes} as the binary column type and {@code extra} appended to version 1. */
  private static List<List<String>> migrations(String bytes, List<String> extra, List<String> extra2) {
    List<String> v1 = new ArrayList<>(List.of(
          "CREATE TABLE users (username VARCHAR(64) PRIMARY KEY, password_hash VARCHAR(512) NOT NULL,"
              + " created_at BIGINT NOT NULL)",
          "CREATE TABLE tokens (token_hash CHAR(64) PRIMARY KEY, username VARCHAR(64) NOT NULL"
              + " REFERENCES users(username) ON DELETE CASCADE, expires_at BIGINT NOT NULL,"
              + " created_at BIGINT NOT NULL)",
          "CREATE INDEX tokens_expiry ON tokens(expires_at)",
          "CREATE TABLE projects (id VARCHAR(64) PRIMARY KEY, name VARCHAR(256) NOT NULL,"
              + " created_by VARCHAR(64) NOT NULL, created_at BIGINT NOT NULL)",
          "CREATE TABLE members (project_id VARCHAR(64) NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
              + " username VARCHAR(64) NOT NULL REFERENCES users(username) ON DELETE CASCADE,"
              + " role VARCHAR(16) NOT NULL, PRIMARY KEY (project_id, username))",
          "CREATE TABLE branches (project_id VARCHAR(64) NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
              + " branch VARCHAR(255) NOT NULL, latest_version BIGINT NOT NULL, head VARCHAR(64),"
              + " updated_at BIGINT NOT NULL, PRIMARY KEY (project_id, branch))",
          "CREATE TABLE snapshots (project_id VARCHAR(64) NOT NULL, branch VARCHAR(255) NOT NULL,"
              + " version BIGINT NOT NULL, head VARCHAR(64), bytes BIGINT NOT NULL, chunks INT NOT NULL,"
              + " created_at BIGINT NOT NULL, PRIMARY KEY (project_id, branch, version),"
              + " FOREIGN KEY (project_id, branch) REFERENCES branches(project_id, branch)"
              + " ON DELETE CASCADE ON UPDATE CASCADE)",
          "CREATE TABLE snapshot_chunks (project_id VARCHAR(64) NOT NULL, branch VARCHAR(255) NOT NULL,"
              + " version BIGINT NOT NULL, seq INT NOT NULL, data " + bytes + " NOT NULL,"
              + " PRIMARY KEY (project_id, branch, version, seq),"
              + " FOREIGN KEY (project_id, branch, version) REFERENCES snapshots(project_id, branch, version)"
              + " ON DELETE CASCADE ON UPDATE CASCADE)",
          "CREATE TABLE workspace_sessions (project_id VARCHAR(64) NOT NULL, branch VARCHAR(255) NOT NULL,"
              + " server_tag VARCHAR(255) NOT NULL, ref_count INT NOT NULL, time_zeroed BIGINT NOT NULL,"
              + " updated_at BIGINT NOT NULL, PRIMARY KEY (project_id, branch))",
          "CREATE TABLE workspace_holders (project_id VARCHAR(64) NOT NULL, branch VARCHAR(255) NOT NULL,"
              + " holder VARCHAR(255) NOT NULL, server_tag VARCHAR(255) NOT NULL,"
              + " PRIMARY KEY (project_id, branch, holder))",
          "CREATE INDEX holders_server ON workspace_holders(server_tag)",
          "CREATE INDEX sessions_server ON workspace_sessions(server_tag)"));
    v1.addAll(extra);
    // Version 2: the project's git repository. Objects live in packs shared by every branch;
    // refs (branch heads, tags, and each branch's hidden work-in-progress commit) are rows moved
    // by compare-and-set in the transaction that adds the pack they need. The snapshot tables of
    // version 1 stay until the start-up upgrade has turned their archives into packs and refs.
    List<String> v2 = new ArrayList<>(List.of(
        "CREATE TABLE packs (project_id VARCHAR(64) NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
            + " pack_id CHAR(40) NOT NULL, bytes BIGINT NOT NULL, objects INT NOT NULL, chunks INT NOT NULL,"
            + " created_at BIGINT NOT NULL, PRIMARY KEY (project_id, pack_id))",
        "CREATE TABLE pack_chunks (project_id VARCHAR(64) NOT NULL, pack_id CHAR(40) NOT NULL, seq INT NOT NULL,"
            + " data " + bytes + " NOT NULL, PRIMARY KEY (project_id, pack_id, seq),"
            + " FOREIGN KEY (project_id, pack_id) REFERENCES packs(project_id, pack_id) ON DELETE CASCADE)",
        "CREATE TABLE refs (project_id VARCHAR(64) NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
            + " name VARCHAR(300) NOT NULL, object_id CHAR(40) NOT NULL, updated_at BIGINT NOT NULL,"
            + " PRIMARY KEY (project_id, name))",
        "CREATE TABLE checkpoints (project_id VARCHAR(64) NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
            + " branch VARCHAR(255) NOT NULL, version BIGINT NOT NULL, head CHAR(40) NOT NULL,"
            + " wip CHAR(40), created_at BIGINT NOT NULL, PRIMARY KEY (project_id, branch, version))"));
    v2.addAll(extra2);
    // Version 3: personal access tokens share the tokens table (one lookup at every door). A
    // session token has no id, name or scope; an access token has all three.
    List<String> v3 = List.of(
        "ALTER TABLE tokens ADD COLUMN token_id VARCHAR(32)",
        "ALTER TABLE tokens ADD COLUMN name VARCHAR(64)",
        "ALTER TABLE tokens ADD COLUMN scope VARCHAR(8)",
        "CREATE INDEX tokens_user ON tokens(username)");
    // Version 4: webhooks. A delivery row is the outbox: it is inserted in the transaction of the
    // change that causes it, one per subscribed hook, and any node sends it, claiming it with a
    // lease (compare-and-set on lease_until) so that only one node sends it at a time.
    List<String> v4 = List.of(
        "CREATE TABLE hooks (hook_id VARCHAR(32) PRIMARY KEY, project_id VARCHAR(64) NOT NULL"
            + " REFERENCES projects(id) ON DELETE CASCADE, url VARCHAR(2048) NOT NULL, events VARCHAR(128) NOT NULL,"
            + " secret VARCHAR(256) NOT NULL, created_by VARCHAR(64) NOT NULL, created_at BIGINT NOT NULL)",
        "CREATE INDEX hooks_project ON hooks(project_id)",
        "CREATE TABLE hook_deliveries (delivery_id VARCHAR(80) PRIMARY KEY, hook_id VARCHAR(32) NOT NULL"
            + " REFERENCES hooks(hook_id) ON DELETE CASCADE, event VARCHAR(16) NOT NULL, body VARCHAR(1048576) NOT NULL,"
            + " created_at BIGINT NOT NULL, deadline BIGINT NOT NULL, status VARCHAR(12) NOT NULL,"
            + " attempts INT NOT NULL, next_at BIGINT NOT NULL, lease_owner VARCHAR(128), lease_until BIGINT)",
        "CREATE INDEX deliveries_due ON hook_deliveries(status, next_at)",
        "CREATE INDEX deliveries_hook ON hook_deliveries(hook_id, created_at)",
        "CREATE TABLE hook_attempts (delivery_id VARCHAR(80) NOT NULL REFERENCES hook_deliveries(delivery_id)"
            + " ON DELETE CASCADE, n INT NOT NULL, at BIGINT NOT NULL, duration_ms BIGINT NOT NULL,"
            + " status_code INT NOT NULL, error VARCHAR(512), answer VARCHAR(4096), PRIMARY KEY (delivery_id, n))");
    return List.of(List.copyOf(v1), List.copyOf(v2), v3, v4);
  }
}
