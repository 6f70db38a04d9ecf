package io.branchwork.gitstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A working copy's repository has a {@code packed-refs} file from the start (JGit reads a missing
 * one again at every ref lookup), and it stays a file that git and JGit read and write as their own.
 */
class PackedRefsTest {

  @TempDir
  Path dir;

  @Test
  void aNewWorkingCopyHasAnEmptyPackedRefsThatGitReads() throws Exception {
    Path work = dir.resolve("w");
    Cli.run(dir, "git", "init", "-q", "-b", "main", work.toString());
    Files.writeString(work.resolve("a.txt"), "a\n");
    Cli.run(work, "git", "add", "a.txt");
    Cli.run(work, "git", "commit", "-q", "-m", "a");
    String head = Cli.run(work, "git", "rev-parse", "HEAD").trim();

    try (Repository repo = Repos.open(work)) {
      Path packed = work.resolve(".git").resolve(Constants.PACKED_REFS);
      assertTrue(Files.isRegularFile(packed), "open gave the repository a packed-refs file");
      assertEquals(head, repo.resolve(Constants.HEAD).name());

      // A ref JGit makes, then deletes: the packed-refs file does not keep it alive.
      RefUpdate make = repo.updateRef("refs/heads/side");
      make.setNewObjectId(ObjectId.fromString(head));
      assertEquals(RefUpdate.Result.NEW, make.update());
      Cli.run(work, "git", "pack-refs", "--all");
      assertTrue(Files.readString(packed).contains("refs/heads/side"), "git packed the refs into the same file");
      RefUpdate delete = repo.updateRef("refs/heads/side");
      delete.setForceUpdate(true);
      assertEquals(RefUpdate.Result.FORCED, delete.delete());
      assertNull(repo.exactRef("refs/heads/side"));
    }
    Cli.run(work, "git", "fsck", "--strict");
    assertEquals("main\n", Cli.run(work, "git", "for-each-ref", "--format=%(refname:short)"));
  }

  @Test
  void anExistingPackedRefsIsKept() throws Exception {
    Path work = dir.resolve("w");
    Cli.run(dir, "git", "init", "-q", "-b", "main", work.toString());
    Cli.run(work, "git", "commit", "-q", "--allow-empty", "-m", "a");
    Cli.run(work, "git", "pack-refs", "--all");
    Path packed = work.resolve(".git").resolve(Constants.PACKED_REFS);
    String before = Files.readString(packed);
    assertTrue(before.contains("refs/heads/main"));

    try (Repository repo = Repos.open(work)) {
      assertEquals(before, Files.readString(packed));
      assertEquals(Cli.run(work, "git", "rev-parse", "HEAD").trim(), repo.resolve(Constants.HEAD).name());
    }
  }
}
