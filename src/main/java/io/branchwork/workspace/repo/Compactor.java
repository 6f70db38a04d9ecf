package io.branchwork.workspace.repo;

import io.branchwork.core.FileTrees;
import io.branchwork.gitstore.PackFiles;
import io.branchwork.gitstore.RepoCheckout;
import io.branchwork.gitstore.RepoLoader;
import io.branchwork.gitstore.Repos;
import io.branchwork.store.Content;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.eclipse.jgit.internal.storage.dfs.DfsPackFile;
import org.eclipse.jgit.internal.storage.dfs.DfsReader;
import org.eclipse.jgit.internal.storage.dfs.DfsRepositoryDescription;
import org.eclipse.jgit.internal.storage.dfs.InMemoryRepository;
import org.eclipse.jgit.internal.storage.file.ObjectDirectory;
import org.eclipse.jgit.internal.storage.file.Pack;
import org.eclipse.jgit.internal.storage.file.PackIndex;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a project's pack count small: every durable round adds a small pack, and a load fetches
 * them all. Once a project has {@link #THRESHOLD} packs, the small ones are merged into one,
 * geometrically ({@link #toMerge}: the big packs are rewritten rarely, the small ones often),
 * and the store swaps them in one transaction. Every object of the merged packs is kept,
 * reachable or not, so nothing a ref or a concurrent writer needs can go missing; a crash or a
 * concurrent compaction leaves either the old packs or the new one.
 */
public final class Compactor {

  /** Packs a project may have before its small ones are merged. */
  public static final int THRESHOLD = 16;
  private static final Logger LOG = LoggerFactory.getLogger(Compactor.class);
  /** Projects being compacted on this node: one compaction at a time each. */
  private static final Set<String> RUNNING = ConcurrentHashMap.newKeySet();

  private final Vertx vertx;
  private final Store store;
  private final Path tmpRoot;

  public Compactor(Vertx vertx, Store store, Path tmpRoot) {
    this.vertx = vertx;
    this.store = store;
    this.tmpRoot = tmpRoot;
  }

  /** Merges the project's small packs when it has too many; answers whether it did. */
  public Future<Boolean> compactIfNeeded(String project) {
    if (!RUNNING.add(project)) {
      return Future.succeededFuture(false);
    }
    long t0 = System.nanoTime();
    return store.repoState(project).compose(state -> {
      if (state.packs().size() < THRESHOLD) {
        return Future.succeededFuture(false);
      }
      List<PackInfo> small = toMerge(state.packs());
      if (small.size() < 2) {
        return Future.succeededFuture(false);
      }
      boolean inMemory = inMemory(small) && IN_MEMORY.tryAcquire();
      return (inMemory ? mergeInMemory(project, small).eventually(() -> {
        IN_MEMORY.release();
        return Future.succeededFuture();
      }) : mergeOnDisk(project, small))
          .onSuccess(done -> {
            if (done) {
              LOG.info("compacted {} packs of project {} into one {} in {} ms", small.size(), project,
                  inMemory ? "in memory" : "on disk", (System.nanoTime() - t0) / 1_000_000);
            }
          });
    }).eventually(() -> {
      RUNNING.remove(project);
      return Future.succeededFuture();
    });
  }

  /** The most bytes a merge in memory fetches. */
  static final long IN_MEMORY_MAX_BYTES = 16L << 20;
  /**
   * Merges in memory at once on this node (each holds its fetched packs, their copy in the
   * in-memory repository and up to 8 MiB of output: about 40 MiB at most); past that, on disk.
   */
  private static final Semaphore IN_MEMORY = new Semaphore(2);

  /**
   * Whether a merge runs in memory: the small merges, those that search for deltas (the frequent
   * ones: a busy workspace's rounds), when their packs are small in bytes too. On disk, each
   * merged pack cost a fetched file, a copy and an index in a scratch repository and the scratch
   * repository itself, about 15-20 ms, more than the round that wrote it, much of it in the file
   * system's inode allocation (see {@link Content}). Big merges stay on disk: in memory every
   * object is indexed again (its id recomputed, through its deltas), and the rare merge that takes
   * in a big pack spent seconds there; on disk a stored pack's index is used as it is.
   */
  static boolean inMemory(List<PackInfo> packs) {
    return packs.stream().mapToLong(PackInfo::objects).sum() <= DELTA_SEARCH_MAX_OBJECTS
        && packs.stream().mapToLong(PackInfo::bytes).sum() <= IN_MEMORY_MAX_BYTES;
  }

  /** Fetches the packs into memory, merges them there, and swaps them for the merged pack. */
  private Future<Boolean> mergeInMemory(String project, List<PackInfo> packs) {
    return fetchAll(project, packs, 0, new ArrayList<>())
        .compose(stored -> vertx.executeBlocking(() -> PackOut.write(tmpRoot,
            out -> new Merged(mergeInMemory(packs, stored, out), out)), false))
        .compose(m -> store.replacePacks(project, m.info(), m.out().content(), ids(packs))
            .eventually(() -> m.out().discard(vertx)));
  }

  private record Merged(PackInfo info, PackOut out) {}

  private Future<List<byte[]>> fetchAll(String project, List<PackInfo> packs, int i, List<byte[]> done) {
    if (i == packs.size()) {
      return Future.succeededFuture(done);
    }
    return store.readPack(project, packs.get(i).id()).compose(bytes -> {
      done.add(bytes);
      return fetchAll(project, packs, i + 1, done);
    });
  }

  /** Indexes the stored packs in an in-memory repository and writes all their objects as one pack. */
  static PackInfo mergeInMemory(List<PackInfo> packs, List<byte[]> stored, OutputStream out) throws Exception {
    try (InMemoryRepository repo = new InMemoryRepository(new DfsRepositoryDescription("compaction"));
         RevWalk walk = new RevWalk(repo); DfsReader reader = repo.getObjectDatabase().newReader()) {
      for (int i = 0; i < packs.size(); i++) {
        PackFiles.installInMemory(repo, stored.get(i), packs.get(i).bytes(), "pack " + packs.get(i).id());
      }
      // A set: two branches that stored the same content have the same object in two packs.
      Set<RevObject> objects = new LinkedHashSet<>();
      for (DfsPackFile pack : repo.getObjectDatabase().getPacks()) {
        for (PackIndex.MutableEntry e : pack.getPackIndex(reader)) {
          objects.add(walk.parseAny(e.toObjectId()));
        }
      }
      return writeMerged(repo, objects, out);
    }
  }

  /** Fetches the packs into files, merges them in a scratch repository, and swaps them for the merged pack. */
  private Future<Boolean> mergeOnDisk(String project, List<PackInfo> packs) {
    return vertx.executeBlocking(() -> Files.createTempDirectory(tmpRoot, "compact-"), false)
        .compose(dir -> RepoLoader.fetchPacks(store, project, packs, dir)
            .compose(fetched -> vertx.executeBlocking(() -> merge(dir, fetched), false))
            .compose(merged -> store.replacePacks(project, merged, Content.file(dir.resolve("merged.pack")), ids(packs)))
            .eventually(() -> vertx.executeBlocking(() -> {
              FileTrees.deleteQuietly(dir);
              return null;
            }, false)));
  }

  private static List<String> ids(List<PackInfo> packs) {
    return packs.stream().map(PackInfo::id).toList();
  }

  /**
   * The packs to merge, geometrically by object count (as git's {@code repack --geometric=2}):
   * sorted by objects, the larger packs each holding at least twice as many objects as all smaller
   * ones together are kept, the rest merged. Rounds of a busy workspace then merge into packs that
   * double, and an object is rewritten O(log n) times instead of at every compaction; merging every
   * pack but the largest rewrote the second largest (ever growing) each time: one client's changing
   * writes started a compaction of 105-158 ms every 0.25-0.3 s, about half a core. Counted in
   * objects, not bytes: a merge finds deltas, so a merged pack can be far smaller in bytes than the
   * new undeltified packs of a few rounds, and by bytes the progression breaks: in a simulation
   * (CompactorTest) each object was rewritten about 133 times instead of about 6.
   */
  static List<PackInfo> toMerge(List<PackInfo> packs) {
    List<PackInfo> sorted = new ArrayList<>(packs);
    sorted.sort(Comparator.comparingLong(PackInfo::objects));
    long[] below = new long[sorted.size() + 1];
    for (int i = 0; i < sorted.size(); i++) {
      below[i + 1] = below[i] + sorted.get(i).objects();
    }
    int keepFrom = sorted.size();
    while (keepFrom > 0 && sorted.get(keepFrom - 1).objects() >= 2 * below[keepFrom - 1]) {
      keepFrom--;
    }
    return sorted.subList(0, keepFrom);
  }

  /**
   * Merges with a delta search only up to this many objects (a handful of rounds, where the
   * versions of a file edited over and over sit side by side); bigger merges keep the deltas they
   * have and copy the rest. A search over every undeltified object of the big packs at each merge
   * (content that does not delta, such as binaries, stays undeltified and was searched again every
   * time) made a busy workspace's rounds half as fast.
   */
  static final int DELTA_SEARCH_MAX_OBJECTS = 2_000;

  /** Every object of every pack of {@code repo}, reachable or not: what a merge keeps. */
  static Collection<RevObject> everyPackedObject(Repository repo, RevWalk walk) throws IOException {
    Set<RevObject> objects = new LinkedHashSet<>(); // the same object may be in two packs
    for (Pack pack : ((ObjectDirectory) repo.getObjectDatabase()).getPacks()) {
      for (PackIndex.MutableEntry e : pack) {
        objects.add(walk.parseAny(e.toObjectId()));
      }
    }
    return objects;
  }

  /** Indexes the fetched packs into a scratch repository and writes all their objects as one pack. */
  private static PackInfo merge(Path dir, List<RepoCheckout.StoredPack> packs) throws Exception {
    try (Repository repo = Repos.initBare(dir.resolve("scratch.git")); RevWalk walk = new RevWalk(repo)) {
      for (RepoCheckout.StoredPack p : packs) {
        PackFiles.installStored(repo, p.file(), p.info().bytes(), "pack " + p.info().id());
      }
      try (OutputStream out = Files.newOutputStream(dir.resolve("merged.pack"))) {
        return writeMerged(repo, everyPackedObject(repo, walk), out);
      }
    }
  }

  /** Writes a merge's objects as one pack, searching for deltas only in a small merge. */
  private static PackInfo writeMerged(Repository repo, Collection<RevObject> objects, OutputStream out)
      throws IOException {
    return PackFiles.writeObjects(repo, objects.iterator(), out, objects.size() <= DELTA_SEARCH_MAX_OBJECTS);
  }
}
