package io.branchwork.store;

import io.branchwork.core.BranchworkException;
import io.branchwork.store.Records.BranchHead;
import io.branchwork.store.Records.Checkpoint;
import io.branchwork.store.Records.HookEvent;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.store.Records.RefUpdate;
import io.branchwork.store.Records.RepoState;
import io.branchwork.store.SqlEngine.Violation;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The project's git repository in the store: packs (chunk rows, shared by every branch) and refs
 * (rows moved by compare-and-set). A pack and the refs that need it commit in one transaction, so
 * a ref never names an object the store does not hold, and a writer whose expected value is stale
 * changes nothing.
 */
final class RepoRows {


  private static final String INSERT_CHUNK = "INSERT INTO pack_chunks(project_id, pack_id, seq, data) VALUES (?,?,?,?)";
  private static final String SELECT_CHUNK = "SELECT data FROM pack_chunks WHERE project_id = ? AND pack_id = ? AND seq = ?";

  private final SqlEngine engine;
  private final int chunkBytes;

  RepoRows(SqlEngine engine, int chunkBytes) {
    this.engine = engine;
    this.chunkBytes = chunkBytes;
  }

  Future<RepoState> state(String project) {
    return engine.tx(tx -> tx.query("SELECT name, object_id FROM refs WHERE project_id = ? ORDER BY name",
            r -> Map.entry(r.string(0), r.string(1)), project)
        .compose(refs -> tx.query("SELECT pack_id, bytes, objects FROM packs WHERE project_id = ? ORDER BY created_at",
                r -> new PackInfo(r.string(0), r.int64(1), r.int32(2)), project)
            .map(packs -> {
              Map<String, String> byName = new LinkedHashMap<>();
              refs.forEach(e -> byName.put(e.getKey(), e.getValue()));
              return new RepoState(byName, packs);
            })));
  }

  Future<Void> readPack(String project, String packId, Path target) {
    return chunks(project, packId).compose(n -> engine.readChunks(target, n, SELECT_CHUNK,
        () -> removedWhileRead(project, packId), project, packId));
  }

  Future<byte[]> readPack(String project, String packId) {
    return chunks(project, packId).compose(n -> engine.readChunks(n, SELECT_CHUNK,
        () -> removedWhileRead(project, packId), project, packId));
  }

  private Future<Integer> chunks(String project, String packId) {
    return engine.auto(tx -> tx.one("SELECT chunks FROM packs WHERE project_id = ? AND pack_id = ?",
            r -> r.int32(0), project, packId))
        .compose(chunks -> chunks.isEmpty()
            ? Future.failedFuture(BranchworkException.notFound("pack " + packId + " of project " + project + " is gone"))
            : Future.succeededFuture(chunks.get()));
  }

  private static RuntimeException removedWhileRead(String project, String packId) {
    return BranchworkException.notFound("pack " + packId + " of project " + project + " was removed while it was read");
  }

  /**
   * Adds the pack (when given), applies every ref update and queues the hooks' deliveries of
   * {@code events}, or nothing; answers how many deliveries it queued.
   */
  Future<Integer> update(String project, PackInfo pack, Content file, List<RefUpdate> updates, List<HookEvent> events) {
    long now = System.currentTimeMillis();
    return engine.tx(tx -> {
      Future<Void> chain = pack == null ? Future.succeededFuture() : insertPack(tx, project, pack, file, now);
      for (RefUpdate u : updates) {
        chain = chain.compose(v -> apply(tx, project, u, now));
      }
      return chain.compose(v -> HookRows.enqueue(tx, project, events, now));
    }).recover(e -> Future.failedFuture(engine.is(e, Violation.FOREIGN_KEY)
        ? BranchworkException.notFound("no project " + project) : e));
  }

  private Future<Void> insertPack(SqlTx tx, String project, PackInfo pack, Content file, long now) {
    return engine.insertIfAbsent(tx, "INSERT INTO packs(project_id, pack_id, bytes, objects, chunks, created_at)"
            + " VALUES (?,?,?,?,-1,?)", project, pack.id(), pack.bytes(), pack.objects(), now)
        // A pack already stored whole (same name, same objects) is not written twice.
        .compose(v -> tx.one("SELECT chunks FROM packs WHERE project_id = ? AND pack_id = ?", r -> r.int32(0),
            project, pack.id()))
        .compose(chunks -> chunks.orElse(-1) >= 0 ? Future.succeededFuture()
            : engine.insertChunks(tx, file, chunkBytes, INSERT_CHUNK, project, pack.id())
                .compose(copied -> tx.update("UPDATE packs SET chunks = ? WHERE project_id = ? AND pack_id = ?",
                    copied.chunks(), project, pack.id()))
                .mapEmpty());
  }

  private Future<Void> apply(SqlTx tx, String project, RefUpdate u, long now) {
    Future<Integer> changed;
    if (u.expected() == null) {
      // A taken name fails the statement (and with it the transaction, which is failing anyway).
      changed = tx.update("INSERT INTO refs(project_id, name, object_id, updated_at) VALUES (?,?,?,?)",
              project, u.name(), u.next(), now)
          .recover(e -> engine.is(e, Violation.UNIQUE) ? Future.succeededFuture(0) : Future.failedFuture(e));
    } else if (u.next() == null) {
      changed = tx.update("DELETE FROM refs WHERE project_id = ? AND name = ? AND object_id = ?",
          project, u.name(), u.expected());
    } else {
      changed = tx.update("UPDATE refs SET object_id = ?, updated_at = ? WHERE project_id = ? AND name = ?"
          + " AND object_id = ?", u.next(), now, project, u.name(), u.expected());
    }
    return changed.compose(n -> n == 1 ? Future.<Void>succeededFuture()
        : Future.failedFuture(BranchworkException.conflict(u.name() + " is no longer at "
            + (u.expected() == null ? "nothing" : u.expected()) + " in the store")));
  }

  /**
   * Replaces the packs {@code replaced} by {@code merged}; answers false (changing nothing) when
   * one of them is already gone, as when another node compacted first.
   */
  Future<Boolean> replacePacks(String project, PackInfo merged, Content file, List<String> replaced) {
    long now = System.currentTimeMillis();
    return engine.tx(tx -> {
      Future<Integer> deleted = Future.succeededFuture(0);
      for (String id : replaced) {
        deleted = deleted.compose(n -> tx.update("DELETE FROM packs WHERE project_id = ? AND pack_id = ?", project, id)
            .map(d -> n + d));
      }
      return deleted.compose(n -> n != replaced.size()
          ? Future.failedFuture(new Superseded())
          : insertPack(tx, project, merged, file, now).map(true));
    }).recover(e -> e instanceof Superseded ? Future.succeededFuture(false) : Future.failedFuture(e));
  }

  /** Rolls a compaction back when another one got there first. */
  private static final class Superseded extends RuntimeException {
    Superseded() {
      super(null, null, false, false);
    }
  }

  Future<Long> checkpoint(String project, String branch, String head, String wip) {
    long now = System.currentTimeMillis();
    return engine.tx(tx -> tx.one("SELECT COALESCE(MAX(version), 0) FROM checkpoints WHERE project_id = ? AND branch = ?",
            r -> r.int64(0), project, branch)
        .compose(max -> {
          long version = max.orElse(0L) + 1;
          return tx.update("INSERT INTO checkpoints(project_id, branch, version, head, wip, created_at)"
              + " VALUES (?,?,?,?,?,?)", project, branch, version, head, wip, now).map(version);
        }))
        .recover(e -> engine.is(e, Violation.UNIQUE)
            ? Future.failedFuture(BranchworkException.conflict("another checkpoint of " + branch + " was taken at once"))
            : Future.failedFuture(e));
  }

  Future<Optional<Checkpoint>> latestCheckpoint(String project, String branch) {
    return engine.auto(tx -> tx.one("SELECT version, head, wip, created_at FROM checkpoints WHERE project_id = ?"
        + " AND branch = ? ORDER BY version DESC", r -> new Checkpoint(r.int64(0), r.string(1), r.string(2), r.int64(3)),
        project, branch));
  }

  /** Moves the branch's head and work in progress, its checkpoints and its session rows to {@code to}. */
  Future<Integer> rename(String project, String from, String to, List<HookEvent> events) {
    return engine.tx(tx -> tx.update("UPDATE refs SET name = ? WHERE project_id = ? AND name = ?",
            Refs.head(to), project, Refs.head(from))
        .compose(n -> n == 0 ? Future.failedFuture(BranchworkException.notFound("no branch " + from))
            : tx.update("UPDATE refs SET name = ? WHERE project_id = ? AND name = ?", Refs.wip(to), project, Refs.wip(from)))
        .compose(n -> tx.update("UPDATE checkpoints SET branch = ? WHERE project_id = ? AND branch = ?", to, project, from))
        .compose(n -> tx.update("UPDATE workspace_sessions SET branch = ? WHERE project_id = ? AND branch = ?",
            to, project, from))
        .compose(n -> tx.update("UPDATE workspace_holders SET branch = ? WHERE project_id = ? AND branch = ?",
            to, project, from))
        .compose(n -> HookRows.enqueue(tx, project, events, System.currentTimeMillis())))
        .recover(e -> Future.failedFuture(engine.is(e, Violation.UNIQUE)
            ? BranchworkException.conflict("branch " + to + " already exists") : e));
  }

  Future<Integer> delete(String project, String branch, List<HookEvent> events) {
    return engine.tx(tx -> tx.update("DELETE FROM refs WHERE project_id = ? AND name = ?", project, Refs.head(branch))
        .compose(n -> n == 0 ? Future.failedFuture(BranchworkException.notFound("no branch " + branch))
            : tx.update("DELETE FROM refs WHERE project_id = ? AND name = ?", project, Refs.wip(branch)))
        .compose(n -> tx.update("DELETE FROM checkpoints WHERE project_id = ? AND branch = ?", project, branch))
        .compose(n -> HookRows.enqueue(tx, project, events, System.currentTimeMillis())));
  }

  Future<List<BranchHead>> list(String project) {
    return engine.auto(tx -> tx.query("SELECT name, object_id FROM refs WHERE project_id = ? AND name LIKE ?"
        + " ORDER BY name", r -> new BranchHead(r.string(0).substring(Refs.HEADS_PREFIX.length()), r.string(1)), project,
        Refs.HEADS_PREFIX + "%"));
  }
}
