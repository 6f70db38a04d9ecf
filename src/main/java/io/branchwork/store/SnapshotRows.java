package io.branchwork.store;

import io.branchwork.core.BranchworkException;
import io.branchwork.store.Records.BranchHead;
import io.branchwork.store.Records.SnapshotMeta;
import io.branchwork.store.SqlEngine.Violation;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Branch rows and their snapshot versions: an archive is chunk rows written in one transaction
 * with its version row, so a version is visible whole or not at all, and the newest
 * {@code keep} versions are kept.
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
          .compose(n -> engine.insertChunks(tx, archive, chunkBytes, INSERT_CHUNK, project, branch, version))
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

  Future<Optional<SnapshotMeta>> latest(String project, String branch) {
    return engine.auto(tx -> tx.one("SELECT s.version, s.head, s.bytes, s.created_at FROM branches b"
        + " JOIN snapshots s ON s.project_id = b.project_id AND s.branch = b.branch"
        + " AND s.version = b.latest_version WHERE b.project_id = ? AND b.branch = ?",
        r -> new SnapshotMeta(project, branch, r.int64(0), r.string(1), r.int64(2), r.int64(3)), project, branch));
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

  /** See {@link Store#renameBranch}. */
  Future<Void> rename(String project, String from, String to) {
    Future<Void> renamed = engine.tx(tx -> tx.update("UPDATE branches SET branch = ? WHERE project_id = ? AND branch = ?",
            to, project, from)
        .compose(n -> n == 0 ? Future.failedFuture(BranchworkException.notFound("no branch " + from))
            : tx.update("UPDATE workspace_sessions SET branch = ? WHERE project_id = ? AND branch = ?", to, project, from))
        .compose(n -> tx.update("UPDATE workspace_holders SET branch = ? WHERE project_id = ? AND branch = ?",
            to, project, from))
        .mapEmpty());
    return renamed.recover(e -> Future.failedFuture(engine.is(e, Violation.UNIQUE)
        ? BranchworkException.conflict("branch " + to + " already exists") : e));
  }

  /** See {@link Store#deleteBranch}. */
  Future<Void> delete(String project, String branch) {
    return engine.auto(tx -> tx.update("DELETE FROM branches WHERE project_id = ? AND branch = ?", project, branch))
        .compose(n -> n == 0 ? Future.failedFuture(BranchworkException.notFound("no branch " + branch))
            : Future.<Void>succeededFuture());
  }

  Future<List<BranchHead>> list(String project) {
    return engine.auto(tx -> tx.query("SELECT branch, head FROM branches WHERE project_id = ?"
        + " AND latest_version > 0 ORDER BY branch", r -> new BranchHead(r.string(0), r.string(1)), project));
  }
}
