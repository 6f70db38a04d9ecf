package io.branchwork.workspace.repo;

import io.branchwork.gitstore.PackFiles;
import io.branchwork.store.Records.HookEvent;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.store.Records.RefUpdate;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;

/**
 * Sends the store what it lacks of some commits, as one pack, with ref updates, in one
 * transaction ({@link Store#updateRepo}). Remembers the commits the store holds with everything
 * they reach, so that each pack carries only what is new: the change, not the repository. Used
 * from the workspace's event loop only.
 */
final class StorePacks {

  private final Vertx vertx;
  private final Store store;
  private final String project;
  private final Repository repo;
  private final Path tmpRoot;
  /** Commits the store holds with everything they reach: what packs need not carry again. */
  private final Set<ObjectId> haves = new HashSet<>();

  StorePacks(Vertx vertx, Store store, String project, Repository repo, Path tmpRoot, Collection<String> storeRefs) {
    this.vertx = vertx;
    this.store = store;
    this.project = project;
    this.repo = repo;
    this.tmpRoot = tmpRoot;
    storeRefs.forEach(id -> haves.add(ObjectId.fromString(id)));
  }

  /** {@code commit} and everything it reaches are in the store already (a push stored them). */
  void stored(ObjectId commit) {
    haves.add(commit);
  }

  /**
   * Packs what {@code wants} reach and the store lacks, and stores it with {@code updates}; answers
   * the pack (null: nothing was new). On success the wants are known to the store and the
   * {@code replaced} commits are forgotten: the new tips reach everything the old ones did (a
   * work-in-progress commit is only ever replaced), so the walk's boundary stays a few commits
   * wide instead of growing with every round.
   */
  Future<PackInfo> send(List<ObjectId> wants, List<RefUpdate> updates, List<String> replaced, List<HookEvent> events) {
    Set<ObjectId> known = Set.copyOf(haves);
    return vertx.executeBlocking(() -> PackOut.write(tmpRoot,
        out -> new Prepared(PackFiles.write(repo, wants, known, out), out)), false)
        .compose(p -> store.updateRepo(project, p.pack(), p.pack() == null ? null : p.out().content(), updates, events)
            .map(v -> {
              for (String id : replaced) {
                if (id != null) {
                  haves.remove(ObjectId.fromString(id));
                }
              }
              haves.addAll(wants);
              return p.pack();
            })
            .eventually(() -> p.out().discard(vertx)));
  }

  private record Prepared(PackInfo pack, PackOut out) {}
}
