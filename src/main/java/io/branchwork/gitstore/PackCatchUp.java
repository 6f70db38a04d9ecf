package io.branchwork.gitstore;

import io.branchwork.core.FileTrees;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.eclipse.jgit.internal.storage.file.ObjectDirectory;
import org.eclipse.jgit.internal.storage.file.Pack;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * Brings a local repository's objects up to the store's: installs the project's stored packs it
 * does not have yet (objects another node or a push stored after it was made). Installed stored
 * packs keep their store id as their name ({@code pack-<id>.pack}), which is how the ones already
 * here are told apart; only the missing packs are fetched.
 */
public final class PackCatchUp {

  private PackCatchUp() {}

  /**
   * Answers once {@code repo} holds every object of the project's packs in the store. A pack that
   * a compaction replaced while it was being fetched sends it back to read the new state (twice
   * at most).
   */
  public static Future<Void> run(Vertx vertx, Store store, String project, Repository repo, Path tmpRoot) {
    return run(vertx, store, project, repo, tmpRoot, 3);
  }

  private static Future<Void> run(Vertx vertx, Store store, String project, Repository repo, Path tmpRoot,
      int attempts) {
    return once(vertx, store, project, repo, tmpRoot).recover(e -> attempts > 1 && RepoLoader.packReplaced(e)
        ? run(vertx, store, project, repo, tmpRoot, attempts - 1) : Future.failedFuture(e));
  }

  private static Future<Void> once(Vertx vertx, Store store, String project, Repository repo, Path tmpRoot) {
    return store.repoState(project).compose(state -> vertx.executeBlocking(() -> missing(repo, state.packs()), false))
        .compose(missing -> install(vertx, store, project, repo, missing, tmpRoot, id -> { }));
  }

  /**
   * Fetches {@code packs} of the project from the store into a scratch directory under
   * {@code tmpRoot} and installs them into {@code repo}, each checked as a load does; tells
   * {@code installed} each pack's id as it is in (so a failure half-way leaves a true account).
   */
  public static Future<Void> install(Vertx vertx, Store store, String project, Repository repo, List<PackInfo> packs,
      Path tmpRoot, Consumer<String> installed) {
    if (packs.isEmpty()) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> Files.createTempDirectory(tmpRoot, "fetch-"), false)
        .compose(dir -> RepoLoader.fetchPacks(store, project, packs, dir)
            .compose(fetched -> vertx.executeBlocking(() -> {
              for (RepoCheckout.StoredPack p : fetched) {
                PackFiles.installStored(repo, p.file(), p.info().bytes(),
                    "pack " + p.info().id() + " of project " + project);
                installed.accept(p.info().id());
              }
              return null;
            }, false))
            .eventually(() -> vertx.executeBlocking(() -> {
              FileTrees.deleteQuietly(dir);
              return null;
            }, false)))
        .mapEmpty();
  }

  /**
   * Answers once {@code repo} holds every one of {@code ids}: at once when it does already,
   * otherwise after catching up with the store's packs ({@link #run}). Whether they are there
   * then is the caller's to check: an id the store does not hold stays missing.
   */
  public static Future<Void> ensure(Vertx vertx, Store store, String project, Repository repo, Path tmpRoot,
      Collection<ObjectId> ids) {
    return vertx.executeBlocking(() -> {
      for (ObjectId id : ids) {
        if (!has(repo, id)) {
          return false;
        }
      }
      return true;
    }, false).compose(all -> all ? Future.succeededFuture() : run(vertx, store, project, repo, tmpRoot));
  }

  /** Whether {@code repo} has {@code id} (blocking). */
  public static boolean has(Repository repo, ObjectId id) throws IOException {
    return repo.getObjectDatabase().has(id);
  }

  private static List<PackInfo> missing(Repository repo, List<PackInfo> stored) {
    Set<String> here = new HashSet<>();
    for (Pack p : ((ObjectDirectory) repo.getObjectDatabase()).getPacks()) {
      String name = p.getPackFile().getName();
      here.add(name.substring("pack-".length(), name.length() - ".pack".length()));
    }
    return stored.stream().filter(p -> !here.contains(p.id())).toList();
  }
}
