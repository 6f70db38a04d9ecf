package io.branchwork.workspace.repo;

import io.branchwork.store.Records.PackInfo;
import io.branchwork.workspace.git.Repos;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
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

/**
 * The three ways {@link Compactor} writes the merge of some packs, cheapest first. Blocking.
 * Each keeps every object of the packs, reachable or not, once (two branches that stored the same
 * content have the same object in two packs), and searches for deltas only in small merges
 * ({@link Compactor#DELTA_SEARCH_MAX_OBJECTS}).
 */
final class PackMerges {

  private PackMerges() {}

  /**
   * From the workspace's own repository, which holds every object of packs it stored itself
   * ({@link LocalPacks}): nothing fetched, nothing indexed again. Fails (and the caller falls
   * back) when an object is not there.
   */
  static PackInfo fromRepository(Repository repo, List<PackFiles.Packed> objects, OutputStream out) throws IOException {
    try (RevWalk walk = new RevWalk(repo)) {
      List<RevObject> revs = new ArrayList<>(objects.size());
      for (PackFiles.Packed o : objects) {
        revs.add(walk.lookupAny(o.id(), o.type()));
      }
      return PackFiles.writeObjects(repo, revs.iterator(), out, deltas(revs));
    }
  }

  /** From stored packs fetched into memory, indexed in an in-memory repository (every object hashed again). */
  static PackInfo inMemory(List<PackInfo> packs, List<byte[]> stored, OutputStream out) throws IOException {
    return inMemory(packs, stored, out, new ArrayList<>());
  }

  /** As {@link #inMemory(List, List, OutputStream)}, adding the objects it merged to {@code merged}. */
  static PackInfo inMemory(List<PackInfo> packs, List<byte[]> stored, OutputStream out, List<PackFiles.Packed> merged)
      throws IOException {
    try (InMemoryRepository repo = new InMemoryRepository(new DfsRepositoryDescription("compaction"));
         RevWalk walk = new RevWalk(repo); DfsReader reader = repo.getObjectDatabase().newReader()) {
      for (int i = 0; i < packs.size(); i++) {
        PackFiles.installInMemory(repo, stored.get(i), packs.get(i).bytes(), "pack " + packs.get(i).id());
      }
      Set<RevObject> objects = new LinkedHashSet<>();
      for (DfsPackFile pack : repo.getObjectDatabase().getPacks()) {
        for (PackIndex.MutableEntry e : pack.getPackIndex(reader)) {
          objects.add(walk.parseAny(e.toObjectId()));
        }
      }
      for (RevObject o : objects) {
        merged.add(new PackFiles.Packed(o.copy(), o.getType()));
      }
      return PackFiles.writeObjects(repo, objects.iterator(), out, deltas(objects));
    }
  }

  /** Whether {@code repo} holds every one of {@code objects}. */
  static boolean allIn(Repository repo, List<PackFiles.Packed> objects) throws IOException {
    for (PackFiles.Packed o : objects) {
      if (!repo.getObjectDatabase().has(o.id())) {
        return false;
      }
    }
    return true;
  }

  /**
   * From stored packs fetched into files under {@code dir}, installed with their stored indexes
   * (checked by checksums, not indexed again) in a scratch repository there; writes
   * {@code dir/merged.pack}.
   */
  static PackInfo onDisk(Path dir, List<RepoCheckout.StoredPack> packs) throws Exception {
    try (Repository repo = Repos.initBare(dir.resolve("scratch.git")); RevWalk walk = new RevWalk(repo)) {
      for (RepoCheckout.StoredPack p : packs) {
        PackFiles.installStored(repo, p.file(), p.info().bytes(), "pack " + p.info().id());
      }
      Collection<RevObject> objects = everyPackedObject(repo, walk);
      return PackFiles.writeObjects(repo, objects.iterator(), dir.resolve("merged.pack"), deltas(objects));
    }
  }

  /** Every object of every pack of {@code repo}, reachable or not, once. */
  static Collection<RevObject> everyPackedObject(Repository repo, RevWalk walk) throws IOException {
    Set<RevObject> objects = new LinkedHashSet<>();
    for (Pack pack : ((ObjectDirectory) repo.getObjectDatabase()).getPacks()) {
      for (PackIndex.MutableEntry e : pack) {
        objects.add(walk.parseAny(e.toObjectId()));
      }
    }
    return objects;
  }

  private static boolean deltas(Collection<RevObject> objects) {
    return objects.size() <= Compactor.DELTA_SEARCH_MAX_OBJECTS;
  }
}
