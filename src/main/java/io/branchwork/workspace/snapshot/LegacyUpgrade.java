package io.branchwork.workspace.snapshot;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.Failures;
import io.branchwork.core.FileTrees;
import io.branchwork.store.Content;
import io.branchwork.store.Records.RefUpdate;
import io.branchwork.store.Records.SnapshotMeta;
import io.branchwork.store.Refs;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up upgrade of a store written by the previous release, whose branches were chains of
 * tar.gz snapshots each with its own {@code .git}: every branch's latest snapshot becomes the
 * project's repository, one at a time, before the node serves.
 */
public final class LegacyUpgrade {

  private static final Logger LOG = LoggerFactory.getLogger(LegacyUpgrade.class);

  private final Vertx vertx;
  private final Store store;
  private final Path tmpRoot;
  private final SnapshotUnpacker unpacker;
  private final Stager stager;

  public LegacyUpgrade(Vertx vertx, Store store, Path tmpRoot, SnapshotService.Settings settings) {
    this.vertx = vertx;
    this.store = store;
    this.tmpRoot = tmpRoot;
    this.unpacker = new SnapshotUnpacker(settings.maxBytes(), settings.maxEntries());
    this.stager = new Stager(tmpRoot, settings.maxBytes(), settings.maxEntries());
  }

  /** Upgrades every snapshot the store still holds in the old form. */
  public Future<Void> run() {
    return store.legacySnapshots().compose(list -> {
      Future<Void> chain = Future.succeededFuture();
      for (SnapshotMeta legacy : list) {
        chain = chain.compose(v -> upgrade(legacy));
      }
      return chain;
    });
  }

  /**
   * Turns a schema-version-1 snapshot into the project's repository: its branch's head and its
   * uncommitted files as work in progress. A branch already moved (a crash after the refs were
   * written and before the old rows were dropped) is only dropped.
   */
  private Future<Void> upgrade(SnapshotMeta legacy) {
    long t0 = System.nanoTime();
    return blocking(() -> Files.createTempFile(tmpRoot, "legacy-", ".tar.gz")).compose(archive ->
        store.readSnapshot(legacy, archive)
            .compose(v -> blocking(() -> {
              Path dir = tmpRoot.resolve("legacy-" + UUID.randomUUID());
              unpacker.unpack(archive, dir);
              return dir;
            }))
            .compose(dir -> blocking(() -> stager.stage(dir, false))
                .compose(staged -> {
                  List<RefUpdate> updates = new ArrayList<>();
                  updates.add(new RefUpdate(Refs.head(legacy.branch()), null, staged.head()));
                  if (staged.wip() != null) {
                    updates.add(new RefUpdate(Refs.wip(legacy.branch()), null, staged.wip()));
                  }
                  return store.updateRepo(legacy.project(), staged.pack(), staged.pack() == null ? null : Content.file(staged.file()),
                          updates)
                      .recover(e -> Failures.normalize(e).code() == ErrorCode.CONFLICT ? Future.succeededFuture()
                          : Future.failedFuture(e))
                      .eventually(() -> blocking(() -> Files.deleteIfExists(staged.file())));
                })
                .eventually(() -> blocking(() -> {
                  FileTrees.deleteQuietly(dir);
                  return null;
                })))
            .eventually(() -> blocking(() -> Files.deleteIfExists(archive))))
        .compose(v -> store.dropLegacy(legacy.project(), legacy.branch()))
        .onSuccess(v -> LOG.info("upgraded the snapshot of {}/{} (version {}) to the project repository in {} ms",
            legacy.project(), legacy.branch(), legacy.version(), (System.nanoTime() - t0) / 1_000_000));
  }

  private <T> Future<T> blocking(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }
}
