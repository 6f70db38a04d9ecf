package io.branchwork.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.Bus;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Cli;
import io.branchwork.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Branches that come back together: merge (every mode), revert, cherry-pick, restore, compare,
 * tags and log of any revision, checked against the real git: a clean merge has the tree that
 * {@code git merge} makes of the same commits, and what the ops store clones and passes
 * {@code git fsck --strict}.
 */
@Timeout(180)
class MergeOpsTest {

  @TempDir
  static Path dir;
  static TestNode node;
  static String token;
  static final AtomicInteger PROJECTS = new AtomicInteger();

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"));
    token = node.login("meg");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** A new project with main at "a.txt", "b.txt", "c.txt" (three lines each), committed. */
  private static WorkspaceKey project() {
    String id = "mg" + PROJECTS.incrementAndGet();
    WorkspaceKey main = node.openNewProject(token, id, "h-" + id);
    for (String f : List.of("a.txt", "b.txt", "c.txt")) {
      write(main, f, f + " one\n" + f + " two\n" + f + " three\n");
    }
    op(main, "commit", new JsonObject().put("message", "three files"));
    return main;
  }

  private static WorkspaceKey branch(WorkspaceKey main, String name) {
    op(main, "branch.create", new JsonObject().put("name", name));
    WorkspaceKey key = new WorkspaceKey(main.project(), name);
    node.allocator("register", key, "h-" + main.project() + "-" + name);
    return key;
  }

  private static JsonObject op(WorkspaceKey key, String op, JsonObject args) {
    return node.ws(key, "meg", op, args);
  }

  private static void write(WorkspaceKey key, String path, String text) {
    node.writeText(key, "meg", path, text);
  }

  private static String read(WorkspaceKey key, String path) {
    return new String(op(key, "read", new JsonObject().put("path", path)).getBinary("content"), StandardCharsets.UTF_8);
  }

  private static String head(WorkspaceKey key) {
    return op(key, "log", new JsonObject().put("limit", 1)).getJsonArray("commits").getJsonObject(0).getString("commit");
  }

  private static void commit(WorkspaceKey key, String path, String text, String message) {
    write(key, path, text);
    op(key, "commit", new JsonObject().put("message", message));
  }

  private static ErrorCode fails(WorkspaceKey key, String op, JsonObject args) {
    return assertThrows(BranchworkException.class, () -> op(key, op, args)).code();
  }

  private static Path clone(WorkspaceKey key) {
    Path to = dir.resolve("clone-" + key.project() + "-" + System.nanoTime());
    Cli.run(dir, "git", "clone", "-q", "http://meg:" + token + "@127.0.0.1:" + node.node.port() + "/git/"
        + key.project() + ".git", to.toString());
    Cli.run(to, "git", "fetch", "-q", "origin", "+refs/tags/*:refs/tags/*");
    Cli.run(to, "git", "fsck", "--strict");
    return to;
  }

  @Test
  @DisplayName("Verifies that a clean merge of two diverged branches has the tree git merge makes, two parents, and its files in the working copy")
  void cleanMergeAsGitMakesIt() throws Exception {
    WorkspaceKey main = project();
    WorkspaceKey feature = branch(main, "feature");
    commit(feature, "a.txt", "a.txt one\na.txt TWO (feature)\na.txt three\n", "feature edits a");
    commit(main, "b.txt", "b.txt one\nb.txt two\nb.txt THREE (main)\n", "main edits b");
    String before = head(main);
    String featureHead = head(feature);

    JsonObject dry = op(main, "merge", new JsonObject().put("from", "feature").put("dryRun", true));
    assertEquals("merged", dry.getString("result"));
    assertEquals(List.of("a.txt"), dry.getJsonArray("changed").getList());
    assertEquals(before, head(main), "a dry run changes nothing");

    JsonObject merged = op(main, "merge", new JsonObject().put("from", "feature"));
    assertEquals("merged", merged.getString("result"));
    assertEquals("a.txt one\na.txt TWO (feature)\na.txt three\n", read(main, "a.txt"));
    assertEquals("b.txt one\nb.txt two\nb.txt THREE (main)\n", read(main, "b.txt"));
    assertTrue(op(main, "status", new JsonObject()).getBoolean("clean"), "a merge leaves no uncommitted change");

    Path git = clone(main);
    assertEquals(merged.getString("commit"), Cli.run(git, "git", "rev-parse", "origin/main").trim());
    assertEquals(before + " " + featureHead, Cli.run(git, "git", "log", "-1", "--format=%P", "origin/main").trim());
    Cli.run(git, "git", "checkout", "-q", "-b", "reference", before);
    Cli.run(git, "git", "-c", "user.name=r", "-c", "user.email=r@x", "merge", "-q", "--no-edit", featureHead);
    assertEquals(Cli.run(git, "git", "rev-parse", "HEAD^{tree}").trim(),
        Cli.run(git, "git", "rev-parse", "origin/main^{tree}").trim(), "the same tree as git merge");

    assertEquals("up-to-date", op(main, "merge", new JsonObject().put("from", "feature")).getString("result"));
  }

  @Test
  @DisplayName("Verifies fast-forward, ff-only, no-ff and squash")
  void modes() throws Exception {
    WorkspaceKey main = project();
    WorkspaceKey ahead = branch(main, "ahead");
    commit(ahead, "c.txt", "c changed\n", "ahead");
    assertEquals("fast-forward", op(main, "merge", new JsonObject().put("from", "ahead").put("mode", "ff-only"))
        .getString("result"));
    assertEquals(head(ahead), head(main));
    assertEquals("c changed\n", read(main, "c.txt"));

    commit(ahead, "c.txt", "c again\n", "ahead 2");
    JsonObject noFf = op(main, "merge", new JsonObject().put("from", "ahead").put("mode", "no-ff")
        .put("message", "merge ahead, no-ff"));
    assertEquals("merged", noFf.getString("result"));
    Path git = clone(main);
    assertEquals(2, Cli.run(git, "git", "log", "-1", "--format=%P", "origin/main").trim().split(" ").length);
    assertEquals("merge ahead, no-ff", Cli.run(git, "git", "log", "-1", "--format=%s", "origin/main").trim());

    WorkspaceKey side = branch(main, "side");
    commit(side, "a.txt", "side a\n", "side");
    commit(main, "b.txt", "main b\n", "main moves");
    assertEquals(ErrorCode.CONFLICT, fails(main, "merge", new JsonObject().put("from", "side").put("mode", "ff-only")));
    JsonObject squash = op(main, "merge", new JsonObject().put("from", "side").put("mode", "squash"));
    assertEquals("squashed", squash.getString("result"));
    Path again = clone(main);
    assertEquals(1, Cli.run(again, "git", "log", "-1", "--format=%P", "origin/main").trim().split(" ").length);
    assertEquals("side a\n", read(main, "a.txt"));
  }

  @Test
  @DisplayName("Verifies that a conflicting merge changes nothing and answers its conflicts as data, and that resolutions complete it with two parents")
  void conflictsAsData() throws Exception {
    WorkspaceKey main = project();
    WorkspaceKey feature = branch(main, "feature");
    commit(feature, "a.txt", "a.txt one\nFEATURE\na.txt three\n", "feature a");
    op(feature, "delete", new JsonObject().put("path", "c.txt"));
    op(feature, "commit", new JsonObject().put("message", "feature drops c"));
    commit(main, "a.txt", "a.txt one\nMAIN\na.txt three\n", "main a");
    commit(main, "c.txt", "c edited on main\n", "main c");
    String before = head(main);

    JsonObject r = op(main, "merge", new JsonObject().put("from", "feature"));
    assertEquals("conflicts", r.getString("result"));
    assertEquals(before, head(main), "a conflicting merge changes nothing");
    assertEquals("a.txt one\nMAIN\na.txt three\n", read(main, "a.txt"));
    JsonArray conflicts = r.getJsonArray("conflicts");
    JsonObject a = conflicts.getJsonObject(0);
    assertEquals("a.txt", a.getString("path"));
    assertEquals("content", a.getString("kind"));
    assertTrue(a.getString("text").contains("<<<<<<< main\nMAIN\n=======\nFEATURE\n>>>>>>> feature\n"), a.encode());
    JsonObject c = conflicts.getJsonObject(1);
    assertEquals("modify-delete", c.getString("kind"));
    assertNull(c.getString("theirs"));

    assertEquals(ErrorCode.BAD_REQUEST, fails(main, "merge", new JsonObject().put("from", "feature")
        .put("resolutions", new JsonObject().put("b.txt", new JsonObject().put("take", "ours")))),
        "a resolution for a path not in conflict");
    assertEquals(ErrorCode.BAD_REQUEST, fails(main, "merge", new JsonObject().put("from", "feature")
        .put("resolutions", new JsonObject().put("../x", new JsonObject().put("take", "ours")))));
    JsonObject partial = op(main, "merge", new JsonObject().put("from", "feature")
        .put("resolutions", new JsonObject().put("c.txt", new JsonObject().put("delete", true))));
    assertEquals("conflicts", partial.getString("result"), "resolutions that leave a conflict complete nothing");

    JsonObject done = op(main, "merge", new JsonObject().put("from", "feature").put("resolutions", new JsonObject()
        .put("a.txt", new JsonObject().put("content", "a.txt one\nBOTH\na.txt three\n".getBytes(StandardCharsets.UTF_8)))
        .put("c.txt", new JsonObject().put("take", "theirs"))));
    assertEquals("merged", done.getString("result"));
    assertEquals("a.txt one\nBOTH\na.txt three\n", read(main, "a.txt"));
    assertEquals(ErrorCode.NOT_FOUND, fails(main, "read", new JsonObject().put("path", "c.txt")));
    Path git = clone(main);
    assertEquals(2, Cli.run(git, "git", "log", "-1", "--format=%P", "origin/main").trim().split(" ").length);
    assertFalse(Files.exists(git.resolve("c.txt")));
  }

  @Test
  @DisplayName("Verifies that uncommitted changes on a path the merge changes refuse it, naming the path, and those elsewhere are kept")
  void uncommittedChanges() throws Exception {
    WorkspaceKey main = project();
    WorkspaceKey feature = branch(main, "feature");
    commit(feature, "a.txt", "feature a\n", "feature a");
    commit(main, "b.txt", "main b\n", "main b");
    write(main, "a.txt", "typing on a\n");
    BranchworkException e = assertThrows(BranchworkException.class,
        () -> op(main, "merge", new JsonObject().put("from", "feature")));
    assertEquals(ErrorCode.CONFLICT, e.code());
    assertTrue(e.getMessage().contains("a.txt"), e.getMessage());
    assertEquals("typing on a\n", read(main, "a.txt"));

    write(main, "a.txt", "a.txt one\na.txt two\na.txt three\n");
    write(main, "c.txt", "typing on c\n");
    assertEquals("merged", op(main, "merge", new JsonObject().put("from", "feature")).getString("result"));
    assertEquals("typing on c\n", read(main, "c.txt"), "an uncommitted change elsewhere is kept");
    assertEquals("feature a\n", read(main, "a.txt"));
  }

  @Test
  @DisplayName("Verifies revert and cherry-pick, and that a change already undone is nothing_to_commit")
  void revertAndCherryPick() throws Exception {
    WorkspaceKey main = project();
    commit(main, "a.txt", "a.txt one\nA TWO\na.txt three\n", "edit a");
    String edit = head(main);
    JsonObject reverted = op(main, "revert", new JsonObject().put("commit", edit));
    assertEquals("reverted", reverted.getString("result"));
    assertEquals("a.txt one\na.txt two\na.txt three\n", read(main, "a.txt"));
    assertEquals(ErrorCode.NOTHING_TO_COMMIT, fails(main, "revert", new JsonObject().put("commit", edit)));

    WorkspaceKey other = branch(main, "other");
    JsonObject picked = op(other, "cherry-pick", new JsonObject().put("commit", edit.substring(0, 10)));
    assertEquals("picked", picked.getString("result"));
    assertEquals("a.txt one\nA TWO\na.txt three\n", read(other, "a.txt"));
    Path git = clone(main);
    assertEquals("meg", Cli.run(git, "git", "log", "-1", "--format=%an", "origin/other").trim());
    assertEquals("edit a", Cli.run(git, "git", "log", "-1", "--format=%s", "origin/other").trim());
    assertTrue(Cli.run(git, "git", "log", "-1", "--format=%B", "origin/main").contains("This reverts commit " + edit));
  }

  @Test
  @DisplayName("Verifies restore of a file, a deleted file and a directory at a revision, as uncommitted changes")
  void restore() throws Exception {
    WorkspaceKey main = project();
    String first = head(main);
    commit(main, "a.txt", "changed a\n", "change a");
    op(main, "delete", new JsonObject().put("path", "b.txt"));
    write(main, "dir/x.txt", "x\n");
    op(main, "commit", new JsonObject().put("message", "drop b, add dir"));
    JsonObject r = op(main, "restore", new JsonObject().put("paths", new JsonArray().add("a.txt").add("b.txt"))
        .put("at", first));
    assertEquals(List.of("a.txt", "b.txt"), r.getJsonArray("changed").getList());
    assertEquals("a.txt one\na.txt two\na.txt three\n", read(main, "a.txt"));
    assertEquals("b.txt one\nb.txt two\nb.txt three\n", read(main, "b.txt"));
    assertEquals(2, op(main, "status", new JsonObject()).getJsonArray("changes").size());
    JsonObject gone = op(main, "restore", new JsonObject().put("paths", new JsonArray().add("dir")).put("at", "HEAD~1"));
    assertEquals(List.of("dir/x.txt"), gone.getJsonArray("changed").getList());
    assertEquals(ErrorCode.NOT_FOUND, fails(main, "read", new JsonObject().put("path", "dir/x.txt")));
    assertEquals(ErrorCode.BAD_REQUEST, fails(main, "restore", new JsonObject()
        .put("paths", new JsonArray().add("../etc/passwd")).put("at", "HEAD")));
    assertEquals(ErrorCode.NOT_FOUND, fails(main, "restore", new JsonObject()
        .put("paths", new JsonArray().add("nowhere.txt")).put("at", "HEAD")));
  }

  @Test
  @DisplayName("Verifies compare against the merge base, tags visible to git, and log of any revision")
  void compareTagsAndLog() throws Exception {
    WorkspaceKey main = project();
    WorkspaceKey feature = branch(main, "feature");
    commit(feature, "a.txt", "a.txt one\nnew two\na.txt three\nfour\n", "feature a");
    commit(main, "b.txt", "main only\n", "main b");
    JsonObject cmp = op(main, "compare", new JsonObject().put("from", "main").put("to", "feature"));
    assertEquals(1, cmp.getJsonArray("commits").size());
    assertEquals("feature a", cmp.getJsonArray("commits").getJsonObject(0).getString("message").trim());
    JsonArray files = cmp.getJsonArray("files");
    assertEquals(1, files.size(), "only what feature brings, not main's own change: " + files.encode());
    assertEquals(new JsonObject().put("path", "a.txt").put("change", "modified").put("additions", 2)
        .put("deletions", 1).put("binary", false), files.getJsonObject(0));
    assertTrue(cmp.getString("patch").contains("+new two"), cmp.getString("patch"));

    assertEquals("feature a", op(main, "log", new JsonObject().put("ref", "feature").put("limit", 1))
        .getJsonArray("commits").getJsonObject(0).getString("message").trim());
    op(main, "tag.create", new JsonObject().put("name", "v1"));
    op(main, "tag.create", new JsonObject().put("name", "v1-notes").put("at", "HEAD~1").put("message", "release 1"));
    assertEquals(ErrorCode.CONFLICT, fails(main, "tag.create", new JsonObject().put("name", "v1")));
    JsonArray tags = op(main, "tags", new JsonObject()).getJsonArray("tags");
    assertEquals("v1", tags.getJsonObject(0).getString("name"));
    assertEquals(head(main), tags.getJsonObject(0).getString("commit"));
    assertEquals("release 1\n", tags.getJsonObject(1).getString("message"));
    assertEquals("meg", tags.getJsonObject(1).getString("tagger"));
    String remote = Cli.run(dir, "git", "ls-remote", "--tags", "http://meg:" + token + "@127.0.0.1:"
        + node.node.port() + "/git/" + main.project() + ".git");
    assertTrue(remote.contains("refs/tags/v1\n") && remote.contains("refs/tags/v1-notes^{}"), remote);
    clone(main);
    assertEquals(head(main), op(main, "log", new JsonObject().put("ref", "v1").put("limit", 1))
        .getJsonArray("commits").getJsonObject(0).getString("commit"));
    op(main, "tag.delete", new JsonObject().put("name", "v1"));
    assertEquals(1, op(main, "tags", new JsonObject()).getJsonArray("tags").size());
    assertEquals(ErrorCode.NOT_FOUND, fails(main, "tag.delete", new JsonObject().put("name", "v1")));
  }

  @Test
  @DisplayName("Verifies that a resolution past limits.maxFileBytes is too_large, and that restore refuses a link at the revision, writing nothing")
  void oversizedResolutionsAndLinks() throws Exception {
    WorkspaceKey main = project();
    WorkspaceKey feature = branch(main, "feature");
    commit(feature, "a.txt", "feature a\n", "feature a");
    commit(main, "a.txt", "main a\n", "main a");
    byte[] big = new byte[node.node.services().config().maxFileBytes + 1];
    assertEquals(ErrorCode.TOO_LARGE, fails(main, "merge", new JsonObject().put("from", "feature")
        .put("resolutions", new JsonObject().put("a.txt", new JsonObject().put("content", big)))));
    assertEquals("main a\n", read(main, "a.txt"), "a refused merge changes nothing");

    Path git = clone(main);
    Files.createSymbolicLink(git.resolve("link.txt"), Path.of("b.txt"));
    Cli.run(git, "git", "add", "link.txt");
    Cli.run(git, "git", "-c", "user.name=meg", "-c", "user.email=meg@example.com", "commit", "-q", "-m", "a link");
    Cli.run(git, "git", "push", "-q", "origin", "HEAD:main");
    String linked = Cli.run(git, "git", "rev-parse", "HEAD").trim();
    Cli.run(git, "git", "rm", "-q", "link.txt");
    Cli.run(git, "git", "-c", "user.name=meg", "-c", "user.email=meg@example.com", "commit", "-q", "-m", "no link");
    Cli.run(git, "git", "push", "-q", "origin", "HEAD:main");
    commit(main, "a.txt", "later a\n", "later a");
    BranchworkException link = assertThrows(BranchworkException.class, () -> op(main, "restore", new JsonObject()
        .put("paths", new JsonArray().add("link.txt").add("a.txt")).put("at", linked)));
    assertEquals(ErrorCode.BAD_REQUEST, link.code());
    assertTrue(link.getMessage().contains("link.txt is a link"), link.getMessage());
    assertEquals("later a\n", read(main, "a.txt"), "a refused restore writes nothing");
    assertEquals(ErrorCode.NOT_FOUND, fails(main, "read", new JsonObject().put("path", "link.txt")));
  }

  @Test
  @DisplayName("Verifies that merges racing each other and a write never lose an update: each is applied, or refused with conflict")
  void racingMergesLoseCleanly() throws Exception {
    WorkspaceKey main = project();
    for (int i = 0; i < 3; i++) {
      WorkspaceKey b = branch(main, "race" + i);
      commit(b, "r" + i + ".txt", "race " + i + "\n", "race " + i);
    }
    commit(main, "a.txt", "main moved\n", "main moves");
    List<Future<JsonObject>> sent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sent.add(Bus.request(node.vertx, main.address(), new JsonObject().put("op", "merge")
          .put("from", "race" + i).put("user", "meg"), 20_000));
    }
    write(main, "c.txt", "written meanwhile\n");
    int merged = 0;
    for (int i = 0; i < 3; i++) {
      try {
        assertEquals("merged", sent.get(i).await(30, TimeUnit.SECONDS).getString("result"));
        assertEquals("race " + i + "\n", read(main, "r" + i + ".txt"), "an acknowledged merge is there");
        merged++;
      } catch (BranchworkException e) {
        assertEquals(ErrorCode.CONFLICT, e.code(), e.getMessage());
        assertEquals(ErrorCode.NOT_FOUND, fails(main, "read", new JsonObject().put("path", "r" + i + ".txt")));
      }
    }
    assertTrue(merged >= 1, "the first merge cannot lose");
    assertEquals("written meanwhile\n", read(main, "c.txt"));
    assertEquals("main moved\n", read(main, "a.txt"));
  }

  @Test
  @DisplayName("Verifies that hostile revisions and names get clear errors, never internal")
  void hostileRevisions() throws Exception {
    WorkspaceKey main = project();
    for (String rev : List.of("../x", "HEAD@{-1}", "main^{/re}", "x".repeat(1000), "main..feature", "-x", "",
        "HEAD:a.txt", "main~99999", "@", "refs/heads/main/../x")) {
      ErrorCode code = fails(main, "merge", new JsonObject().put("from", rev));
      assertTrue(code == ErrorCode.BAD_REQUEST || code == ErrorCode.NOT_FOUND, rev + ": " + code);
      assertEquals(code, fails(main, "log", new JsonObject().put("ref", rev)), rev);
    }
    assertEquals(ErrorCode.NOT_FOUND, fails(main, "merge", new JsonObject().put("from", "12")));
    assertEquals(ErrorCode.NOT_FOUND, fails(main, "merge", new JsonObject().put("from", "nosuchbranch")));
    assertEquals(ErrorCode.NOT_FOUND, fails(main, "log", new JsonObject().put("ref", "HEAD~50")));
    assertEquals(ErrorCode.NOT_FOUND, fails(main, "revert", new JsonObject().put("commit", "deadbeef")));
    assertEquals(ErrorCode.BAD_REQUEST, fails(main, "merge", new JsonObject().put("from", "main").put("mode", "rebase")));
    assertEquals(ErrorCode.BAD_REQUEST, fails(main, "tag.create", new JsonObject().put("name", "bad..name")));
    assertEquals(ErrorCode.BAD_REQUEST, fails(main, "merge", new JsonObject().put("from", 12)));
    JsonArray many = new JsonArray();
    for (int i = 0; i <= 10_000; i++) {
      many.add("f" + i + ".txt");
    }
    assertEquals(ErrorCode.BAD_REQUEST, fails(main, "commit", new JsonObject().put("message", "m").put("paths", many)),
        "a commit naming more than 10,000 paths");
    assertEquals(ErrorCode.BAD_REQUEST, fails(main, "restore", new JsonObject().put("paths", many).put("at", "HEAD")),
        "a restore naming more than 1,000 paths");
    assertEquals(ErrorCode.BAD_REQUEST, fails(main, "restore", new JsonObject().put("paths", new JsonArray().add(7))
        .put("at", "HEAD")));
  }
}
