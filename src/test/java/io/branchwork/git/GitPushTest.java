package io.branchwork.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Cli;
import io.branchwork.support.TestNode;
import io.branchwork.support.WsClient;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code git push} over smart HTTP with the stock client: an open clean branch follows the push
 * (its sessions hear {@code committed} and {@code changed}), an open dirty one refuses it and
 * keeps its work, a new branch opens at once, roles decide what may move, and objects git fsck
 * would refuse never reach the store.
 */
@Timeout(180)
class GitPushTest {

  @TempDir
  static Path dir;
  static TestNode node;
  static String owner;
  static String writer;
  static String reader;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"));
    owner = node.login("olga");
    writer = node.login("walt");
    reader = node.login("rosa");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** A new project with one commit (a.txt, gone.txt), its main open, and a clone of it. */
  private static Path project(String id, String... members) {
    WorkspaceKey key = node.openNewProject(owner, id, "setup-" + id);
    for (int i = 0; i < members.length; i += 2) {
      node.http.postJson("/api/projects/" + id + "/members", owner,
          new JsonObject().put("username", members[i]).put("role", members[i + 1])).expect(204);
    }
    node.writeText(key, "olga", "a.txt", "alpha\n");
    node.writeText(key, "olga", "gone.txt", "to be deleted\n");
    node.ws(key, "olga", "commit", new JsonObject().put("message", "first"));
    Path clone = dir.resolve("clone-" + id);
    Cli.run(dir, "git", "clone", "-q", url("olga", owner, id), clone.toString());
    return clone;
  }

  private static String url(String user, String token, String project) {
    return "http://" + user + ":" + token + "@127.0.0.1:" + node.node.port() + "/git/" + project + ".git";
  }

  private static String git(Path repo, String... args) {
    String[] cmd = new String[args.length + 5];
    cmd[0] = "git";
    cmd[1] = "-c";
    cmd[2] = "user.name=Test";
    cmd[3] = "-c";
    cmd[4] = "user.email=test@example.invalid";
    System.arraycopy(args, 0, cmd, 5, args.length);
    return Cli.run(repo, cmd).trim();
  }

  private static Cli.Result push(Path repo, String... args) {
    String[] cmd = new String[args.length + 4];
    cmd[0] = "env";
    cmd[1] = "GIT_TERMINAL_PROMPT=0";
    cmd[2] = "git";
    cmd[3] = "push";
    System.arraycopy(args, 0, cmd, 4, args.length);
    return Cli.exec(repo, cmd);
  }

  private static String head(WorkspaceKey key) {
    return node.ws(key, "olga", "log", new JsonObject().put("limit", 1)).getJsonArray("commits").getJsonObject(0)
        .getString("commit");
  }

  private static String read(WorkspaceKey key, String path) {
    return new String(node.ws(key, "olga", "read", new JsonObject().put("path", path)).getBinary("content"),
        StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("Verifies that a push to an open, clean branch moves its live workspace, whose sessions hear committed and one changed per file that differs")
  void pushToOpenCleanBranch() throws Exception {
    Path clone = project("pclean");
    WorkspaceKey key = new WorkspaceKey("pclean", "main");
    try (WsClient c = WsClient.connect(node.vertx, node.node.port(), owner)) {
      c.ok("open", "project", "pclean", "branch", "main");
      Files.writeString(clone.resolve("a.txt"), "alpha, pushed\n");
      Files.createDirectories(clone.resolve("dir"));
      Files.writeString(clone.resolve("dir/new.txt"), "new\n");
      git(clone, "rm", "-q", "gone.txt");
      git(clone, "add", "-A");
      git(clone, "commit", "-q", "-m", "pushed");
      String pushed = git(clone, "rev-parse", "HEAD");

      Cli.Result r = push(clone, "origin", "main");
      assertEquals(0, r.exit(), r.out());

      JsonObject committed = c.event("committed");
      assertEquals(pushed, committed.getString("commit"));
      assertEquals("olga", committed.getString("by"));
      Map<String, String> changed = new HashMap<>();
      for (int i = 0; i < 3; i++) {
        JsonObject e = c.event("changed");
        changed.put(e.getString("path"), String.valueOf(e.getString("blob")));
      }
      assertEquals(Map.of("a.txt", git(clone, "rev-parse", "HEAD:a.txt"), "dir/new.txt",
          git(clone, "rev-parse", "HEAD:dir/new.txt"), "gone.txt", "null"), changed);

      assertEquals(pushed, head(key));
      assertEquals("alpha, pushed\n", read(key, "a.txt"));
      assertEquals("new\n", read(key, "dir/new.txt"));
      JsonObject status = node.ws(key, "olga", "status", new JsonObject());
      assertTrue(status.getBoolean("clean"), status.encode());
      assertTrue(node.ws(key, "olga", "list", new JsonObject()).encode().contains("dir"));

      // The move is durable: a workspace loaded afresh from the store is at the pushed commit.
      node.allocator("kill", key, null);
      c.event("closing");
      node.allocator("register", key, "after-kill");
      assertEquals(pushed, head(key));
      assertEquals("alpha, pushed\n", read(key, "a.txt"));
      assertTrue(node.ws(key, "olga", "status", new JsonObject()).getBoolean("clean"));

      // The workspace goes on from the pushed commit, and a fetch sees what it commits next.
      node.writeText(key, "olga", "after.txt", "after the push\n");
      String next = node.ws(key, "olga", "commit", new JsonObject().put("message", "after")).getString("commit");
      git(clone, "pull", "-q", "--ff-only");
      assertEquals(next, git(clone, "rev-parse", "HEAD"));
      assertEquals(pushed, git(clone, "rev-parse", "HEAD~1"));
    }
  }

  @Test
  @DisplayName("Verifies that a push to an open branch with uncommitted changes is refused, naming the branch and why, and nothing in the workspace changes")
  void pushToOpenDirtyBranch() throws Exception {
    Path clone = project("pdirty");
    WorkspaceKey key = new WorkspaceKey("pdirty", "main");
    String before = head(key);
    node.writeText(key, "olga", "a.txt", "edited in Branchwork, not committed\n");
    Files.writeString(clone.resolve("a.txt"), "edited in a clone\n");
    git(clone, "commit", "-q", "-am", "from the clone");

    Cli.Result r = push(clone, "origin", "main");
    assertNotEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("main") && r.out().contains("uncommitted changes"), r.out());
    assertEquals(before, head(key));
    assertEquals("edited in Branchwork, not committed\n", read(key, "a.txt"));

    // Once committed there, the clone is behind: a plain push is refused as git refuses it.
    node.ws(key, "olga", "commit", new JsonObject().put("message", "there"));
    Cli.Result behind = push(clone, "origin", "main");
    assertNotEquals(0, behind.exit(), behind.out());
    assertEquals("edited in Branchwork, not committed\n", read(key, "a.txt"));
  }

  @Test
  @DisplayName("Verifies that a pushed new branch exists at once: a /ws client opens it and reads the pushed file")
  void pushNewBranchThenOpen() throws Exception {
    Path clone = project("pnew");
    git(clone, "checkout", "-q", "-b", "feature/x");
    Files.writeString(clone.resolve("f.txt"), "feature\n");
    git(clone, "add", "f.txt");
    git(clone, "commit", "-q", "-m", "feature");
    Cli.Result atomic = push(clone, "--atomic", "origin", "feature/x");
    assertNotEquals(0, atomic.exit(), "refs move one by one, so atomic pushes are not offered: " + atomic.out());
    assertTrue(atomic.out().contains("atomic"), atomic.out());
    Cli.Result r = push(clone, "origin", "feature/x");
    assertEquals(0, r.exit(), r.out());
    try (WsClient c = WsClient.connect(node.vertx, node.node.port(), owner)) {
      c.ok("open", "project", "pnew", "branch", "feature/x");
      assertEquals("feature\n", new String(c.ok("read", "path", "f.txt").getBinary("content"), StandardCharsets.UTF_8));
      assertEquals(git(clone, "rev-parse", "HEAD"), c.ok("log", "limit", 1).getJsonArray("commits").getJsonObject(0)
          .getString("commit"));
    }
  }

  @Test
  @DisplayName("Verifies roles: a reader may not push, a writer may fast-forward and create but not force or delete, an owner may; an open branch is never deleted; a bad token is refused")
  void roles() throws Exception {
    Path clone = project("proles", "walt", "writer", "rosa", "reader");
    WorkspaceKey key = new WorkspaceKey("proles", "main");
    Path asWriter = dir.resolve("proles-walt");
    Cli.run(dir, "git", "clone", "-q", url("walt", writer, "proles"), asWriter.toString());
    Path asReader = dir.resolve("proles-rosa");
    Cli.run(dir, "git", "clone", "-q", url("rosa", reader, "proles"), asReader.toString());

    Files.writeString(asReader.resolve("r.txt"), "reader\n");
    git(asReader, "add", "r.txt");
    git(asReader, "commit", "-q", "-m", "reader");
    Cli.Result denied = push(asReader, "origin", "main");
    assertNotEquals(0, denied.exit(), denied.out());
    assertTrue(denied.out().contains("403") || denied.out().contains("writer"), denied.out());

    Cli.Result badToken = push(asReader, url("rosa", "not-a-token", "proles"), "main");
    assertNotEquals(0, badToken.exit(), badToken.out());

    Files.writeString(asWriter.resolve("w.txt"), "writer\n");
    git(asWriter, "add", "w.txt");
    git(asWriter, "commit", "-q", "-m", "writer");
    Cli.Result ff = push(asWriter, "origin", "main", "main:topic");
    assertEquals(0, ff.exit(), ff.out());
    assertEquals(git(asWriter, "rev-parse", "HEAD"), head(key));

    git(asWriter, "commit", "-q", "--amend", "-m", "rewritten");
    Cli.Result force = push(asWriter, "--force", "origin", "main");
    assertNotEquals(0, force.exit(), force.out());
    assertTrue(force.out().contains("owner role"), force.out());
    Cli.Result delete = push(asWriter, "origin", "--delete", "topic");
    assertNotEquals(0, delete.exit(), delete.out());
    assertTrue(delete.out().contains("owner role"), delete.out());

    // The owner may force the open branch (it is clean) and delete a closed one, not the open one.
    git(clone, "fetch", "-q");
    git(clone, "reset", "-q", "--hard", "origin/main~1");
    Files.writeString(clone.resolve("o.txt"), "owner\n");
    git(clone, "add", "o.txt");
    git(clone, "commit", "-q", "-m", "owner rewrites");
    Cli.Result ownerForce = push(clone, "--force", "origin", "main");
    assertEquals(0, ownerForce.exit(), ownerForce.out());
    assertEquals(git(clone, "rev-parse", "HEAD"), head(key));
    assertEquals("owner\n", read(key, "o.txt"));
    assertFalse(node.ws(key, "olga", "list", new JsonObject()).encode().contains("w.txt"));

    Cli.Result ownerDelete = push(clone, "origin", "--delete", "topic");
    assertEquals(0, ownerDelete.exit(), ownerDelete.out());
    assertFalse(node.ws(key, "olga", "branches", new JsonObject()).encode().contains("topic"));
    Cli.Result openDelete = push(clone, "origin", "--delete", "main");
    assertNotEquals(0, openDelete.exit(), openDelete.out());
    assertTrue(openDelete.out().contains("is open"), openDelete.out());
    Cli.Result hidden = push(clone, "origin", "HEAD:refs/branchwork/wip/main");
    assertNotEquals(0, hidden.exit(), hidden.out());
    assertTrue(hidden.out().contains("branches and tags only"), hidden.out());
  }

  @Test
  @DisplayName("Verifies that a tree git fsck refuses (a .git entry, a '..' entry) is refused before it reaches the store, and the branch stays where it was")
  void malformedTreesAreRefused() throws Exception {
    Path clone = project("pfsck");
    WorkspaceKey key = new WorkspaceKey("pfsck", "main");
    String before = head(key);
    String blob = Cli.run(clone, "sh", "-c", "echo '[core]' | git hash-object -w --stdin").trim();
    int n = 0;
    for (String name : new String[] {".git", "..", ".GIT", "a/b"}) {
      // Written raw: git's own tree writers refuse such names.
      java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
      raw.writeBytes(("100644 " + name + "\0").getBytes(StandardCharsets.UTF_8));
      raw.writeBytes(java.util.HexFormat.of().parseHex(blob));
      Path file = dir.resolve("tree-" + n++);
      Files.write(file, raw.toByteArray());
      String tree = git(clone, "hash-object", "--literally", "-t", "tree", "-w", file.toString());
      String commit = git(clone, "commit-tree", tree, "-p", "HEAD", "-m", "bad " + name);
      Cli.Result r = push(clone, "origin", commit + ":refs/heads/main");
      assertNotEquals(0, r.exit(), r.out());
      assertEquals(before, head(key));
      Cli.Result asNew = push(clone, "origin", commit + ":refs/heads/bad");
      assertNotEquals(0, asNew.exit(), asNew.out());
      assertTrue(asNew.out().contains("remote rejected") || asNew.out().contains("unpack"), asNew.out());
    }
    assertFalse(node.ws(key, "olga", "branches", new JsonObject()).encode().contains("\"bad\""));
    // A .gitmodules whose URL is an option (CVE-2018-17456's shape) fails fsck too.
    Files.writeString(clone.resolve(".gitmodules"), "[submodule \"x\"]\n\tpath = x\n\turl = --upload-pack=touch /tmp/pwned\n");
    git(clone, "add", ".gitmodules");
    git(clone, "commit", "-q", "-m", "hostile submodule");
    Cli.Result modules = push(clone, "origin", "HEAD:refs/heads/modules");
    assertNotEquals(0, modules.exit(), modules.out());
    assertTrue(modules.out().contains("unpack"), modules.out());
    git(clone, "reset", "-q", "--hard", "HEAD~1");
    // A link out of the tree passes fsck but no open could check it out: refused too.
    Files.createSymbolicLink(clone.resolve("out"), Path.of("../../etc"));
    git(clone, "add", "out");
    git(clone, "commit", "-q", "-m", "link out");
    Cli.Result link = push(clone, "origin", "HEAD:refs/heads/linked");
    assertNotEquals(0, link.exit(), link.out());
    assertFalse(node.ws(key, "olga", "branches", new JsonObject()).encode().contains("linked"));
  }
}
