package io.branchwork.workspace.git;

import org.eclipse.jgit.lib.Config;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.branchwork.support.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The top-down merge is JGit's merge, only cheaper: on random histories (files changed, added
 * and deleted on both sides in nested directories, same lines included) it gives the same tree,
 * or the same conflicts, as JGit's recursive merger over the whole trees, and the same tree as
 * {@code git merge} when that merges cleanly.
 */
class ThreeWayTest {

  @TempDir
  Path dir;

  private static final String[] NAMES = {"ours", "theirs"};

  private static void write(Path repo, String path, String text) throws Exception {
    Path f = repo.resolve(path);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
  }

  private static void commit(Path repo, String message) {
    Cli.run(repo, "git", "add", "-A");
    Cli.run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "--allow-empty", "-m", message);
  }

  /** Random edits on one side: change a line of some files, add some, delete some. */
  private static void edit(Path repo, List<String> files, Random r, String side) throws Exception {
    for (int i = 0; i < 1 + r.nextInt(4); i++) {
      String f = files.get(r.nextInt(files.size()));
      Path p = repo.resolve(f);
      if (!Files.exists(p)) {
        continue;
      }
      switch (r.nextInt(4)) {
        case 0 -> Files.delete(p);
        case 1 -> write(repo, "n" + r.nextInt(3) + "/new-" + side + r.nextInt(1000) + ".txt", side + " new " + r.nextLong() + "\n");
        default -> {
          List<String> lines = new ArrayList<>(Files.readAllLines(p));
          lines.set(r.nextInt(lines.size()), side + " " + (r.nextBoolean() ? "same" : Long.toString(r.nextLong())));
          Files.write(p, lines);
        }
      }
    }
  }

  @Test
  @DisplayName("Verifies on random histories that the top-down merge gives JGit's result over the whole trees, and git merge's tree when clean")
  void sameAsJgitAndGit() throws Exception {
    Random r = new Random(7);
    for (int trial = 0; trial < 25; trial++) {
      Path repo = dir.resolve("t" + trial);
      Files.createDirectories(repo);
      Cli.run(repo, "git", "init", "-q", "-b", "main");
      List<String> files = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        String f = "d" + (i % 3) + "/" + (i % 2 == 0 ? "e" + (i % 4) + "/" : "") + "f" + i + ".txt";
        files.add(f);
        write(repo, f, "line one of " + i + "\nline two\nline three of " + i + "\nline four\n");
      }
      commit(repo, "base");
      Cli.run(repo, "git", "checkout", "-q", "-b", "other");
      edit(repo, files, r, "theirs");
      commit(repo, "theirs");
      Cli.run(repo, "git", "checkout", "-q", "main");
      edit(repo, files, r, "ours");
      commit(repo, "ours");
      try (Repository git = new FileRepositoryBuilder().setGitDir(repo.resolve(".git").toFile()).build();
           ObjectInserter ins = git.newObjectInserter()) {
        ObjectId ours = git.resolve("main");
        ObjectId theirs = git.resolve("other");
        ThreeWay.Result fast = ThreeWay.merge(git, ins, null, ours, theirs, NAMES, Map.of(), 1 << 20);
        ThreeWay.Result whole = ThreeWay.whole(git, ins, new Config(), ours, theirs, NAMES,
            Map.of(), 1 << 20);
        ins.flush();
        assertEquals(whole.tree(), fast.tree(), "trial " + trial);
        assertEquals(whole.conflicts(), fast.conflicts(), "trial " + trial);
        assertEquals(whole.changed(), fast.changed(), "trial " + trial);
        Cli.Result merged = Cli.exec(repo, "git", "-c", "user.name=t", "-c", "user.email=t@x", "merge", "-q",
            "--no-edit", "other");
        if (merged.exit() == 0 && fast.clean()) {
          assertEquals(Cli.run(repo, "git", "rev-parse", "HEAD^{tree}").trim(), fast.tree().name(), "trial " + trial);
        }
      }
    }
  }
}
