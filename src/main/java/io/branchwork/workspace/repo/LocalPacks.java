package io.branchwork.workspace.repo;

import io.branchwork.store.Records.PackInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The packs a workspace stored, with the objects each holds. The workspace's repository holds
 * every one of those objects, so a compaction whose packs are all known here merges them from it
 * ({@link Compactor}) instead of fetching them from the store and indexing them again (hashing
 * every object): the merges of a busy workspace's own rounds, most of them. Only packs small
 * enough for such a merge are kept, and packs gone from the store are dropped at each
 * compaction, so it stays a few thousand ids. Thread-safe.
 */
public final class LocalPacks {

  private final Map<String, List<PackFiles.Packed>> packs = new ConcurrentHashMap<>();

  /** This workspace stored {@code pack}, holding {@code objects}. */
  void stored(PackInfo pack, List<PackFiles.Packed> objects) {
    if (objects.size() <= Compactor.DELTA_SEARCH_MAX_OBJECTS) {
      packs.put(pack.id(), List.copyOf(objects));
    }
  }

  /** Forgets the packs the store no longer has (merged, here or by another node). */
  void retain(List<PackInfo> inStore) {
    Set<String> ids = inStore.stream().map(PackInfo::id).collect(Collectors.toSet());
    packs.keySet().retainAll(ids);
  }

  /** The objects of {@code merge}, each once, when every one of its packs is known here; null otherwise. */
  List<PackFiles.Packed> objectsOf(List<PackInfo> merge) {
    Map<ObjectId, PackFiles.Packed> all = new LinkedHashMap<>();
    for (PackInfo p : merge) {
      List<PackFiles.Packed> objects = packs.get(p.id());
      if (objects == null) {
        return null;
      }
      objects.forEach(o -> all.putIfAbsent(o.id(), o));
    }
    return new ArrayList<>(all.values());
  }

  /** {@code merge} became {@code into}, holding {@code objects}. */
  void merged(List<PackInfo> merge, PackInfo into, List<PackFiles.Packed> objects) {
    merge.forEach(p -> packs.remove(p.id()));
    stored(into, objects);
  }

  /** Forgets {@code merge}: its objects could not be read here. */
  void forget(List<PackInfo> merge) {
    merge.forEach(p -> packs.remove(p.id()));
  }
}
