package io.branchwork.workspace.repo;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.store.Records.RepoState;
import io.branchwork.store.Store;
import io.branchwork.workspace.files.FileTrees;
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

  /**
   * Checks {@code key}'s branch out into {@code workTree} (which must not exist yet). A pack that
   * a compaction replaced while it was being fetched sends the load back to read the new state.
   */
  public Future<Loaded> load(WorkspaceKey key, Path workTree) {
    return attempt(key, workTree, 3);
  }

  private Future<Loaded> attempt(WorkspaceKey key, Path workTree, int left) {
    return once(key, workTree).recover(e -> left > 1 && e instanceof BranchworkException be
        && be.code() == ErrorCode.NOT_FOUND && String.valueOf(be.getMessage()).startsWith("pack ")
        ? vertx.executeBlocking(() -> {
          FileTrees.deleteQuietly(workTree);
          return null;
        }, false).compose(v -> attempt(key, workTree, left - 1))
        : Future.failedFuture(e));
  }

  private Future<Loaded> once(WorkspaceKey key, Path workTree) {
    return store.repoState(key.project()).compose(state -> vertx.executeBlocking(
            () -> Files.createTempDirectory(workTree.getParent(), "packs-"), false)
        .compose(packDir -> fetch(key.project(), state.packs(), packDir, 0, new ArrayList<>())
            .compose(files -> vertx.executeBlocking(() -> RepoCheckout.materialize(workTree, key.project(),
                key.branch(), state.refs(), files, maxBytes, maxEntries), false))
            .map(checkout -> new Loaded(checkout, state))
            .eventually(() -> vertx.executeBlocking(() -> {
              FileTrees.deleteQuietly(packDir);
              return null;
            }, false))));
  }

  /**
   * The project's repository as the store holds it, as a bare repository at {@code gitDir} (which
   * must not exist): every pack, the branches and tags; the hidden refs stay in the store. HEAD
   * names {@code main} when there is one, else the first branch. The caller closes it.
   */
  public Future<org.eclipse.jgit.lib.Repository> loadBare(String project, Path gitDir) {
    return store.repoState(project).compose(state -> vertx.executeBlocking(
            () -> Files.createTempDirectory(gitDir.getParent(), "packs-"), false)
        .compose(packDir -> fetch(project, state.packs(), packDir, 0, new ArrayList<>())
            .compose(files -> vertx.executeBlocking(() -> RepoCheckout.bare(gitDir, project, state.refs(), files), false))
            .eventually(() -> vertx.executeBlocking(() -> {
              FileTrees.deleteQuietly(packDir);
              return null;
            }, false))));
  }

  /** Fetches packs {@code i..} one after the other (each streamed chunk by chunk). */
  private Future<List<RepoCheckout.StoredPack>> fetch(String project, List<PackInfo> packs, Path dir, int i,
      List<RepoCheckout.StoredPack> done) {
    if (i == packs.size()) {
      return Future.succeededFuture(done);
    }
    // Named by the pack's id, so that an error about the file names the pack in the store.
    Path file = dir.resolve(packs.get(i).id() + ".pack");
    return store.readPack(project, packs.get(i).id(), file).compose(v -> {
      done.add(new RepoCheckout.StoredPack(packs.get(i), file));
      return fetch(project, packs, dir, i + 1, done);
    });
  }
}
