package io.branchwork.store;

import io.branchwork.core.BranchworkException;
import io.branchwork.store.Records.SnapshotMeta;
import io.branchwork.store.SqlEngine.Violation;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Schema version 1's branch snapshots: each version a tar.gz of the working copy with its
 * {@code .git}, as chunk rows. The start-up upgrade reads them and turns them into the project's
 * repository ({@link RepoRows}); only tests that build an old store still write them.
 */
final class SnapshotRows {

  private static final String INSERT_CHUNK =
      "INSERT INTO snapshot_chunks(project_id, branch, version, seq, data) VALUES (?,?,?,?,?)";
  private static final String SELECT_CHUNK =
      "SELECT data FROM snapshot_chunks WHERE project_id = ? AND branch = ? AND version = ? AND seq = ?";

  private final SqlEngine engine;
  private final int chunkBytes;
  private final int keep;

  SnapshotRows(SqlEngine engine, int chunkBytes, int keep) {
    this.engine = engine;
    this.chunkBytes = chunkBytes;
    this.keep = keep;
  }

  /** See {@link Store#writeSnapshot}. */
  Future<SnapshotMeta> write(String project, String branch, String head, Path archive, Long expectedVersion) {
    long now = System.currentTimeMillis();
    return engine.tx(tx -> lockBranch(tx, project, branch, now).compose(latest -> {
      if (expectedVersion != null && expectedVersion != latest) {
        return Future.failedFuture(BranchworkException.conflict("branch " + branch + " is at version " + latest
            + ", not " + expectedVersion));
      }
      long version = latest + 1;
      return tx.update("INSERT INTO snapshots(project_id, branch, version, head, bytes, chunks, created_at)"
              + " VALUES (?,?,?,?,0,0,?)", project, branch, version, head, now)
          .compose(n -> engine.insertChunks(tx, Content.file(archive), chunkBytes, INSERT_CHUNK, project, branch, version))
          .compose(copied -> tx.update("UPDATE snapshots SET bytes = ?, chunks = ? WHERE project_id = ?"
                  + " AND branch = ? AND version = ?", copied.bytes(), copied.chunks(), project, branch, version)
              .compose(n -> tx.update("UPDATE branches SET latest_version = ?, head = ?, updated_at = ?"
                  + " WHERE project_id = ? AND branch = ?", version, head, now, project, branch))
              .compose(n -> tx.update("DELETE FROM snapshots WHERE project_id = ? AND branch = ? AND version <= ?",
                  project, branch, version - keep))
              .map(n -> new SnapshotMeta(project, branch, version, head, copied.bytes(), now)));
    }));
  }

  /** Locks the branch row for this transaction, creating it; answers its latest version (0: none). */
  private Future<Long> lockBranch(SqlTx tx, String project, String branch, long now) {
    Future<Void> created = engine.insertIfAbsent(tx, "INSERT INTO branches(project_id, branch, latest_version,"
        + " head, updated_at) VALUES (?,?,0,NULL,?)", project, branch, now);
    return created
        .recover(e -> Future.failedFuture(engine.is(e, Violation.FOREIGN_KEY)
            ? BranchworkException.notFound("no such project") : e))
        .compose(v -> tx.one("SELECT latest_version FROM branches WHERE project_id = ? AND branch = ? FOR UPDATE",
            r -> r.int64(0), project, branch))
        .map(Optional::orElseThrow);
  }

  /** The latest snapshot of every branch that has one. */
  Future<List<SnapshotMeta>> latestOfAll() {
    return engine.auto(tx -> tx.query("SELECT b.project_id, b.branch, s.version, s.head, s.bytes, s.created_at"
        + " FROM branches b JOIN snapshots s ON s.project_id = b.project_id AND s.branch = b.branch"
        + " AND s.version = b.latest_version ORDER BY b.project_id, b.branch",
        r -> new SnapshotMeta(r.string(0), r.string(1), r.int64(2), r.string(3), r.int64(4), r.int64(5))));
  }

  /** Writes the archive of that version to {@code target}, one chunk per query. */
  Future<Void> read(SnapshotMeta meta, Path target) {
    return engine.auto(tx -> tx.one("SELECT chunks FROM snapshots WHERE project_id = ? AND branch = ? AND version = ?",
            r -> r.int32(0), meta.project(), meta.branch(), meta.version()))
        .compose(chunks -> chunks.isEmpty()
            ? Future.failedFuture(BranchworkException.notFound("snapshot version " + meta.version() + " is gone"))
            : engine.readChunks(target, chunks.get(), SELECT_CHUNK,
                () -> BranchworkException.notFound("snapshot version " + meta.version() + " was pruned while it was read"),
                meta.project(), meta.branch(), meta.version()));
  }

  /** Drops the branch row and, by cascade, its snapshots and chunks. */
  Future<Void> drop(String project, String branch) {
    return engine.auto(tx -> tx.update("DELETE FROM branches WHERE project_id = ? AND branch = ?", project, branch))
        .mapEmpty();
  }
}
