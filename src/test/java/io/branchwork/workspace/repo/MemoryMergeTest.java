package io.branchwork.workspace.repo;

import io.branchwork.gitstore.PackFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.gitstore.Repos;
import io.branchwork.store.Content;
import io.branchwork.store.Records.PackInfo;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction's small merges run in memory (no file made or deleted): every object of the stored
 * packs is kept, deltas are found, and a damaged pack fails naming it. Packs for the store are
 * written in memory until they grow big.
 */
class MemoryMergeTest {

  @TempDir
  Path dir;

  /** Four rounds' packs as the store keeps them (pack, then index): five versions of a 4 KiB file each. */
  private record Rounds(List<PackInfo> infos, List<byte[]> stored, List<ObjectId> ids, List<byte[]> versions) {}

  private Rounds rounds() throws Exception {
    byte[] base = new byte[4096];
    new Random(5).nextBytes(base);
    Rounds r = new Rounds(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    try (Repository loose = Repos.initBare(dir.resolve("loose.git")); RevWalk walk = new RevWalk(loose)) {
      for (int round = 0; round < 4; round++) {
        List<RevObject> blobs = new ArrayList<>();
        try (ObjectInserter ins = loose.newObjectInserter()) {
          for (int v = 0; v < 5; v++) {
            byte[] version = base.clone();
            java.nio.ByteBuffer.wrap(version).putLong(round * 5L + v);
            ObjectId id = ins.insert(Constants.OBJ_BLOB, version);
            r.ids().add(id);
            r.versions().add(version);
            blobs.add(walk.parseAny(id));
          }
          ins.flush();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.infos().add(PackFiles.writeObjects(loose, blobs.iterator(), out, false));
        r.stored().add(out.toByteArray());
      }
    }
    return r;
  }

  @Test
  @DisplayName("Verifies that a merge in memory keeps every object of its packs, finds their deltas, and installs as a stored pack")
  void mergesInMemory() throws Exception {
    Rounds r = rounds();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PackInfo merged = Compactor.mergeInMemory(r.infos(), r.stored(), out);
    assertEquals(r.ids().size(), merged.objects());
    long parts = r.infos().stream().mapToLong(PackInfo::bytes).sum();
    assertTrue(merged.bytes() * 5 < parts, "merged " + merged.bytes() + " bytes, its parts " + parts);
    Path stored = Files.createDirectories(dir.resolve("m")).resolve(merged.id() + ".pack");
    Files.write(stored, out.toByteArray());
    try (Repository target = Repos.initBare(dir.resolve("target.git"))) {
      PackFiles.installStored(target, stored, merged.bytes(), "pack " + merged.id());
      for (int i = 0; i < r.ids().size(); i++) {
        assertArrayEquals(r.versions().get(i), target.open(r.ids().get(i)).getBytes(), "version " + i);
      }
    }
  }

  @Test
  @DisplayName("Verifies that an object stored in two packs (two branches wrote the same content) is merged once")
  void sharedObjectIsMergedOnce() throws Exception {
    Rounds r = rounds();
    // a fifth pack holding again the first round's first object and one new object
    List<PackInfo> infos = new ArrayList<>(r.infos());
    List<byte[]> stored = new ArrayList<>(r.stored());
    try (Repository loose = Repos.initBare(dir.resolve("other.git")); RevWalk walk = new RevWalk(loose)) {
      List<RevObject> objects = new ArrayList<>();
      try (ObjectInserter ins = loose.newObjectInserter()) {
        objects.add(walk.lookupBlob(ins.insert(Constants.OBJ_BLOB, r.versions().get(0))));
        objects.add(walk.lookupBlob(ins.insert(Constants.OBJ_BLOB, "new\n".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        ins.flush();
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      infos.add(PackFiles.writeObjects(loose, objects.iterator(), out, false));
      stored.add(out.toByteArray());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PackInfo merged = Compactor.mergeInMemory(infos, stored, out);
    assertEquals(r.ids().size() + 1, merged.objects());
    // and the merged pack merges again with a pack that holds that object once more
    ByteArrayOutputStream again = new ByteArrayOutputStream();
    PackInfo twice = Compactor.mergeInMemory(List.of(merged, infos.get(4)), List.of(out.toByteArray(), stored.get(4)), again);
    assertEquals(r.ids().size() + 1, twice.objects());
  }

  @Test
  @DisplayName("Verifies that one damaged byte in a pack fails the merge in memory with internal, naming that pack")
  void damagedPackIsNamed() throws Exception {
    Rounds r = rounds();
    byte[] damaged = r.stored().get(2);
    damaged[(int) r.infos().get(2).bytes() / 2] ^= 0x40;
    BranchworkException e = assertThrows(BranchworkException.class,
        () -> Compactor.mergeInMemory(r.infos(), r.stored(), new ByteArrayOutputStream()));
    assertEquals(ErrorCode.INTERNAL, e.code());
    assertTrue(e.getMessage().contains("pack " + r.infos().get(2).id()), e.getMessage());
  }

  @Test
  @DisplayName("Verifies that only small merges run in memory: few objects and few bytes")
  void whichMergesRunInMemory() {
    PackInfo round = new PackInfo("r", 40_000, 12);
    assertTrue(Compactor.inMemory(List.of(round, round, round)));
    assertFalse(Compactor.inMemory(List.of(round, new PackInfo("big", 1_000_000, Compactor.DELTA_SEARCH_MAX_OBJECTS))));
    assertFalse(Compactor.inMemory(List.of(round, new PackInfo("huge", Compactor.IN_MEMORY_MAX_BYTES, 1))));
  }

  @Test
  @DisplayName("Verifies that a pack for the store stays in memory while small, goes to a file past the limit, and the file is deleted after")
  void packOutSpills() throws Exception {
    byte[] bytes = new byte[10_000];
    new Random(3).nextBytes(bytes);
    PackOut small = new PackOut(dir, 20_000);
    try (small) {
      small.write(bytes, 0, bytes.length);
    }
    assertFalse(small.spilled());
    assertArrayEquals(bytes, readAll(small.content()));

    PackOut big = new PackOut(dir, 20_000);
    try (big) {
      for (int i = 0; i < 3; i++) {
        big.write(bytes, 0, bytes.length);
      }
    }
    assertTrue(big.spilled());
    Path file = ((Content.InFile) big.content()).path();
    byte[] back = readAll(big.content());
    assertEquals(30_000, back.length);
    assertArrayEquals(bytes, java.util.Arrays.copyOfRange(back, 20_000, 30_000));
    big.discard();
    assertFalse(Files.exists(file));
  }

  private static byte[] readAll(Content c) throws Exception {
    try (InputStream in = c.open()) {
      return in.readAllBytes();
    }
  }
}
