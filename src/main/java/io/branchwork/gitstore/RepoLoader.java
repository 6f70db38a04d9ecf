package io.branchwork.gitstore;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.FileTrees;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.store.Records.RepoState;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens a branch from the store: reads the project's refs and packs in one transaction, fetches
 * the packs into files one chunk at a time, and checks the branch out ({@link RepoCheckout}) on a
 * worker thread.
 */
public final class RepoLoader {

  /** A checked-out branch and the store state it came from. */
  public record Loaded(RepoCheckout.Result checkout, RepoState state) {}

  private final Vertx vertx;
  private final Store store;
  private final long maxBytes;
  private final long maxEntries;

  public RepoLoader(Vertx vertx, Store store, long maxBytes, long maxEntries) {
    this.vertx = vertx;
    this.store = store;
    this.maxBytes = maxBytes;
    this.maxEntries = maxEntries;
  }

  /** Checks {@code key}'s branch out into {@code workTree} (which must not exist yet). */
  public Future<Loaded> load(WorkspaceKey key, Path workTree) {
    return withPacks(key.project(), workTree, (state, packs) -> new Loaded(RepoCheckout.materialize(workTree,
        key.project(), key.branch(), state.refs(), packs, maxBytes, maxEntries), state));
  }

  /** What is made on a worker thread from the store's state and its fetched packs. */
  @FunctionalInterface
  private interface FromPacks<T> {
    T make(RepoState state, List<RepoCheckout.StoredPack> packs) throws Exception;
  }

  /**
   * Reads the project's state, fetches its packs into a scratch directory beside {@code target},
   * makes {@code target} from them on a worker, and deletes the scratch packs. A pack that a
   * compaction replaced while it was being fetched sends it back to read the new state (twice at
   * most), with {@code target} deleted first.
   */
  private <T> Future<T> withPacks(String project, Path target, FromPacks<T> make) {
    return withPacks(project, target, make, 3);
  }

  private <T> Future<T> withPacks(String project, Path target, FromPacks<T> make, int attempts) {
    Future<T> once = store.repoState(project).compose(state -> vertx.executeBlocking(
            () -> Files.createTempDirectory(target.getParent(), "packs-"), false)
        .compose(packDir -> fetchPacks(store, project, state.packs(), packDir)
            .compose(packs -> vertx.executeBlocking(() -> make.make(state, packs), false))
            .eventually(() -> vertx.executeBlocking(() -> {
              FileTrees.deleteQuietly(packDir);
              return null;
            }, false))));
    return once.recover(e -> attempts > 1 && packReplaced(e)
        ? vertx.executeBlocking(() -> {
          FileTrees.deleteQuietly(target);
          return null;
        }, false).compose(v -> withPacks(project, target, make, attempts - 1))
        : Future.failedFuture(e));
  }

  /**
   * Whether {@code e} says a pack was gone when it was read: a compaction replaced it after the
   * state naming it was read. Reading the state again finds the pack that holds its objects now.
   */
  public static boolean packReplaced(Throwable e) {
    return e instanceof BranchworkException be && be.code() == ErrorCode.NOT_FOUND
        && String.valueOf(be.getMessage()).startsWith("pack ");
  }

  /**
   * Fetches {@code packs} into {@code dir} one after the other, each streamed chunk by chunk and
   * named by its id, so that an error about the file names the pack in the store.
   */
  public static Future<List<RepoCheckout.StoredPack>> fetchPacks(Store store, String project, List<PackInfo> packs,
      Path dir) {
    return fetchFrom(store, project, packs, dir, 0, new ArrayList<>());
  }

  private static Future<List<RepoCheckout.StoredPack>> fetchFrom(Store store, String project, List<PackInfo> packs,
      Path dir, int i, List<RepoCheckout.StoredPack> done) {
    if (i == packs.size()) {
      return Future.succeededFuture(done);
    }
    Path file = dir.resolve(packs.get(i).id() + ".pack");
    return store.readPack(project, packs.get(i).id(), file).compose(v -> {
      done.add(new RepoCheckout.StoredPack(packs.get(i), file));
      return fetchFrom(store, project, packs, dir, i + 1, done);
    });
  }
}
