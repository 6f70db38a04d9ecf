package io.branchwork.workspace.repo;

import io.branchwork.gitstore.PackFiles;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.gitstore.Repos;
import io.branchwork.store.Records.PackInfo;
import java.nio.charset.StandardCharsets;
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
 * What compaction's two kinds of merge do with deltas: a small merge searches for them, a big one
 * (no search, see {@code Compactor.DELTA_SEARCH_MAX_OBJECTS}) keeps the ones its packs have.
 */
class PackDeltasTest {

  @TempDir
  Path dir;

  /** 40 versions of a 24 KiB text file, each one line different from the one before. */
  private static List<byte[]> versions() {
    Random random = new Random(11);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      lines.add(Long.toHexString(random.nextLong()) + "-" + Long.toHexString(random.nextLong()) + "\n");
    }
    List<byte[]> out = new ArrayList<>();
    for (int v = 0; v < 40; v++) {
      lines.set(random.nextInt(lines.size()), "edit " + v + "\n");
      out.add(String.join("", lines).getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  private static PackInfo write(Repository repo, java.util.Collection<RevObject> objects, Path file, boolean deltas)
      throws Exception {
    try (java.io.OutputStream out = Files.newOutputStream(file)) {
      return PackFiles.writeObjects(repo, objects.iterator(), out, deltas);
    }
  }

  @Test
  @DisplayName("Verifies that a merge with the delta search stores versions of a file as deltas, and a merge without it keeps those deltas and every object")
  void deltasAreFoundThenKept() throws Exception {
    List<byte[]> versions = versions();
    List<ObjectId> ids = new ArrayList<>();
    PackInfo plain;
    PackInfo searched;
    Path searchedFile = dir.resolve("searched.pack");
    try (Repository loose = Repos.initBare(dir.resolve("loose.git")); RevWalk walk = new RevWalk(loose)) {
      try (ObjectInserter ins = loose.newObjectInserter()) {
        for (byte[] v : versions) {
          ids.add(ins.insert(Constants.OBJ_BLOB, v));
        }
        ins.flush();
      }
      List<RevObject> blobs = new ArrayList<>();
      for (ObjectId id : ids) {
        blobs.add(walk.parseAny(id));
      }
      plain = write(loose, blobs, dir.resolve("plain.pack"), false);
      searched = write(loose, blobs, searchedFile, true);
    }
    assertTrue(searched.bytes() * 5 < plain.bytes(),
        "with the search " + searched.bytes() + " bytes, without " + plain.bytes());

    // A big merge: the packs it reads already hold deltas, and it writes without a search.
    Path stored = dir.resolve(searched.id() + ".pack");
    Files.move(searchedFile, stored);
    try (Repository packed = Repos.initBare(dir.resolve("packed.git")); RevWalk walk = new RevWalk(packed)) {
      PackFiles.installStored(packed, stored, searched.bytes(), "pack " + searched.id());
      PackInfo kept = write(packed, Compactor.everyPackedObject(packed, walk), dir.resolve("kept.pack"), false);
      assertTrue(kept.bytes() <= searched.bytes() + 64,
          "kept " + kept.bytes() + " bytes, the deltified pack " + searched.bytes());
      // Same objects, same pack name as the one it was merged from: another folder.
      Path keptStored = Files.createDirectories(dir.resolve("kept")).resolve(kept.id() + ".pack");
      Files.move(dir.resolve("kept.pack"), keptStored);
      try (Repository target = Repos.initBare(dir.resolve("target.git"))) {
        PackFiles.installStored(target, keptStored, kept.bytes(), "pack " + kept.id());
        for (int i = 0; i < ids.size(); i++) {
          assertArrayEquals(versions.get(i), target.open(ids.get(i)).getBytes(), "version " + i);
        }
      }
    }
  }
}
