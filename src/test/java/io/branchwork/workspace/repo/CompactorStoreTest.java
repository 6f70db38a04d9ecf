package io.branchwork.workspace.repo;

import io.branchwork.gitstore.PackFiles;
import io.branchwork.gitstore.RepoCheckout;
import io.branchwork.gitstore.RepoLoader;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.gitstore.Repos;
import io.branchwork.store.Content;
import io.branchwork.store.EmbeddedStore;
import io.branchwork.store.Records.PackInfo;
import io.branchwork.store.Store;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.internal.storage.dfs.DfsRepositoryDescription;
import org.eclipse.jgit.internal.storage.dfs.InMemoryRepository;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compaction against a real store, by both routes: a small merge in memory, a merge that takes
 * in a pack of many objects on disk. Either way the store ends with fewer packs that hold every
 * object, unreachable ones included, and a branch can be checked out from them.
 */
@Timeout(60)
class CompactorStoreTest {

  @TempDir
  Path dir;
  private Vertx vertx;
  private Store store;
  private Repository source;
  /** Every blob put in the store, with its content. */
  private final Map<ObjectId, byte[]> blobs = new LinkedHashMap<>();

  @BeforeEach
  void open() throws Exception {
    vertx = Vertx.vertx();
    store = EmbeddedStore.open(vertx, dir.resolve("db"), 2, 64 * 1024, 5).await(20, TimeUnit.SECONDS);
    store.createUser("ann", "hash").await(10, TimeUnit.SECONDS);
    store.createProject("p", "p", "ann").await(10, TimeUnit.SECONDS);
    source = new InMemoryRepository(new DfsRepositoryDescription("source"));
  }

  @AfterEach
  void close() throws Exception {
    source.close();
    store.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Stores one pack of {@code count} new blobs, as a round (or an import, when many) would. */
  private PackInfo storePack(int count) throws Exception {
    List<RevObject> objects = new ArrayList<>();
    try (ObjectInserter ins = source.newObjectInserter(); RevWalk walk = new RevWalk(source)) {
      for (int i = 0; i < count; i++) {
        byte[] content = ("blob " + blobs.size() + "\n").getBytes(StandardCharsets.UTF_8);
        ObjectId id = ins.insert(Constants.OBJ_BLOB, content);
        blobs.put(id, content);
        objects.add(walk.lookupBlob(id));
      }
      ins.flush();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PackInfo info = PackFiles.writeObjects(source, objects.iterator(), out, false);
    byte[] bytes = out.toByteArray();
    store.updateRepo("p", info, Content.bytes(bytes, bytes.length), List.of()).await(10, TimeUnit.SECONDS);
    return info;
  }

  /** Installs every pack the store holds now into a fresh repository and reads every blob back. */
  private void everyBlobReadsBack() throws Exception {
    List<PackInfo> packs = store.repoState("p").await(10, TimeUnit.SECONDS).packs();
    Path fetched = Files.createDirectories(dir.resolve("fetched-" + System.nanoTime()));
    List<RepoCheckout.StoredPack> stored = RepoLoader.fetchPacks(store, "p", packs, fetched).await(20, TimeUnit.SECONDS);
    try (Repository target = Repos.initBare(dir.resolve("target-" + System.nanoTime() + ".git"))) {
      for (RepoCheckout.StoredPack p : stored) {
        PackFiles.installStored(target, p.file(), p.info().bytes(), "pack " + p.info().id());
      }
      for (Map.Entry<ObjectId, byte[]> e : blobs.entrySet()) {
        assertArrayEquals(e.getValue(), target.open(e.getKey()).getBytes(), e.getKey().name());
      }
    }
  }

  private boolean compact() throws Exception {
    return new Compactor(vertx, store, dir).compactIfNeeded("p").await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("Verifies that sixteen small packs are merged in memory into one that holds every object")
  void smallMergeInMemory() throws Exception {
    List<PackInfo> rounds = new ArrayList<>();
    for (int i = 0; i < Compactor.THRESHOLD; i++) {
      rounds.add(storePack(3));
    }
    assertTrue(Compactor.inMemory(rounds));
    assertTrue(compact());
    List<PackInfo> after = store.repoState("p").await(10, TimeUnit.SECONDS).packs();
    assertEquals(1, after.size(), after.toString());
    assertEquals(blobs.size(), after.get(0).objects());
    everyBlobReadsBack();
    assertFalse(compact(), "one pack: nothing to merge");
  }

  @Test
  @DisplayName("Verifies that a merge taking in a pack of many objects runs on disk, keeps the progression's big packs, and loses nothing")
  void bigMergeOnDisk() throws Exception {
    List<PackInfo> merged = new ArrayList<>();
    // two imports, each a pack of many objects, less than twice all smaller packs together: merged
    merged.add(storePack(Compactor.DELTA_SEARCH_MAX_OBJECTS / 2 + 10));
    merged.add(storePack(Compactor.DELTA_SEARCH_MAX_OBJECTS / 2 + 10));
    PackInfo kept = storePack(Compactor.DELTA_SEARCH_MAX_OBJECTS * 2 + 200); // more than twice the rest: kept
    for (int i = 0; i < Compactor.THRESHOLD - 3; i++) {
      merged.add(storePack(2));
    }
    assertFalse(Compactor.inMemory(merged));
    assertTrue(compact());
    List<PackInfo> after = store.repoState("p").await(10, TimeUnit.SECONDS).packs();
    assertEquals(2, after.size(), after.toString());
    assertTrue(after.contains(kept), after.toString());
    assertEquals(merged.stream().mapToInt(PackInfo::objects).sum(),
        after.stream().filter(p -> !p.equals(kept)).findFirst().orElseThrow().objects());
    everyBlobReadsBack();
    // nothing left behind in the temporary folder
    try (var left = Files.list(dir)) {
      assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith("compact-")).toList());
    }
  }
}
