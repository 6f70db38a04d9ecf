package io.branchwork.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.support.Await;
import io.branchwork.support.Cli;
import io.branchwork.support.TestNode;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class WorkspaceGitTest {

  @TempDir
  static Path dir;

  static TestNode node;
  static String token;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"));
    token = node.login("alice");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static WorkspaceKey project(String id) {
    return node.openNewProject(token, id, "h-" + id);
  }

  private static JsonObject op(WorkspaceKey key, String op, JsonObject args) {
    return node.ws(key, "alice", op, args);
  }

  private static ErrorCode fails(WorkspaceKey key, String op, JsonObject args) {
    return assertThrows(BranchworkException.class, () -> op(key, op, args)).code();
  }

  private static void write(WorkspaceKey key, String path, String content) {
    op(key, "write", new JsonObject().put("path", path).put("content", content.getBytes(StandardCharsets.UTF_8)));
  }

  /** Saves, downloads the snapshot over HTTP and unpacks it with the real tar. */
  private static Path savedCopy(WorkspaceKey key) throws Exception {
    op(key, "save", new JsonObject());
    String enc = key.branch().replace("/", "%2F");
    byte[] tgz = node.http.get("/api/projects/" + key.project() + "/branches/" + enc + "/snapshot", token)
        .expect(200).body();
    Path out = Files.createTempDirectory(dir, "copy");
    Files.write(out.resolve("s.tar.gz"), tgz);
    Path wc = Files.createDirectory(out.resolve("wc"));
    Cli.run(wc, "tar", "-xzf", "../s.tar.gz");
    Cli.run(wc, "git", "fsck", "--strict");
    return wc;
  }

  @Test
  @DisplayName("status, diff, commit, log agree with each other and with the real git on the saved snapshot")
  void dayOfWork() throws Exception {
    WorkspaceKey key = project("day");
    write(key, "a.txt", "hello\n");
    JsonObject st = op(key, "status", new JsonObject());
    assertEquals(false, st.getBoolean("clean"));
    assertEquals(new JsonArray().add(new JsonObject().put("path", "a.txt").put("change", "untracked")), st.getJsonArray("changes"));
    assertTrue(op(key, "diff", new JsonObject()).getString("patch").contains("+hello"));
    String c1 = op(key, "commit", new JsonObject().put("message", "first file")).getString("commit");
    assertTrue(op(key, "status", new JsonObject()).getBoolean("clean"));
    assertEquals(ErrorCode.NOTHING_TO_COMMIT, fails(key, "commit", new JsonObject().put("message", "again")));

    write(key, "a.txt", "hello\nworld\n");
    write(key, "b.txt", "b\n");
    String c2 = op(key, "commit", new JsonObject().put("message", "only a").put("paths", new JsonArray().add("a.txt")))
        .getString("commit");
    JsonArray left = op(key, "status", new JsonObject()).getJsonArray("changes");
    assertEquals(new JsonArray().add(new JsonObject().put("path", "b.txt").put("change", "untracked")), left);
    assertTrue(op(key, "diff", new JsonObject().put("path", "a.txt")).getString("patch").isEmpty());

    JsonArray log = op(key, "log", new JsonObject()).getJsonArray("commits");
    assertEquals(3, log.size(), "the two commits and the initial one");
    assertEquals(c2, log.getJsonObject(0).getString("commit"));
    assertEquals(new JsonArray().add(c1), log.getJsonObject(0).getJsonArray("parents"));
    assertEquals("alice", log.getJsonObject(0).getString("author"));
    assertTrue(Math.abs(log.getJsonObject(0).getLong("time") - System.currentTimeMillis() / 1000) < 120);
    assertEquals(1, op(key, "log", new JsonObject().put("limit", 1)).getJsonArray("commits").size());
    assertEquals(2, op(key, "log", new JsonObject().put("path", "a.txt")).getJsonArray("commits").size());

    // a commit of nothing but a deletion
    op(key, "delete", new JsonObject().put("path", "a.txt"));
    String c3 = op(key, "commit", new JsonObject().put("message", "drop a").put("paths", new JsonArray().add("a.txt")))
        .getString("commit");
    assertEquals(new JsonArray().add(new JsonObject().put("path", "b.txt").put("change", "untracked")),
        op(key, "status", new JsonObject()).getJsonArray("changes"));

    Path wc = savedCopy(key);
    assertEquals(c3 + "\n" + c2 + "\n" + c1, Cli.run(wc, "git", "log", "--format=%H", "-3").trim());
    assertTrue(Files.notExists(wc.resolve("a.txt")));
    assertEquals("alice", Cli.run(wc, "git", "log", "-1", "--format=%an").trim());
    assertEquals("alice@users.branchwork.invalid", Cli.run(wc, "git", "log", "-1", "--format=%ce").trim());
    assertEquals("?? b.txt", Cli.run(wc, "git", "status", "--porcelain").trim());
    assertEquals(ErrorCode.BAD_REQUEST, fails(key, "commit", new JsonObject().put("message", "")));
    assertEquals(ErrorCode.BAD_REQUEST, fails(key, "commit", new JsonObject().put("message", "x")
        .put("paths", new JsonArray().add("../etc"))));
  }

  @Test
  @DisplayName("branch.create makes a real branch that is saved and opens at once; bad, taken and unknown names fail")
  void branchCreate() throws Exception {
    WorkspaceKey key = project("bc");
    write(key, "m.txt", "on main\n");
    String head = op(key, "commit", new JsonObject().put("message", "m")).getString("commit");
    JsonObject made = op(key, "branch.create", new JsonObject().put("name", "feature/x"));
    assertEquals(new JsonObject().put("name", "feature/x").put("head", head), made);
    JsonObject branches = op(key, "branches", new JsonObject());
    assertEquals("main", branches.getString("current"));
    assertEquals(2, branches.getJsonArray("branches").size());

    WorkspaceKey feature = new WorkspaceKey("bc", "feature/x");
    node.allocator("register", feature, "h2");
    assertEquals("on main\n", new String(node.ws(feature, "alice", "read", new JsonObject().put("path", "m.txt"))
        .getBinary("content"), StandardCharsets.UTF_8));
    assertEquals("feature/x", node.ws(feature, "alice", "branches", new JsonObject()).getString("current"));
    assertTrue(node.ws(feature, "alice", "status", new JsonObject()).getBoolean("clean"));

    assertEquals(ErrorCode.CONFLICT, fails(key, "branch.create", new JsonObject().put("name", "feature/x")));
    assertEquals(ErrorCode.BAD_REQUEST, fails(key, "branch.create", new JsonObject().put("name", "bad..name")));
    assertEquals(ErrorCode.BAD_REQUEST, fails(key, "branch.create", new JsonObject().put("name", "-x")));
    assertEquals(ErrorCode.NOT_FOUND, fails(key, "branch.create", new JsonObject().put("name", "y").put("from", "nowhere")));
    op(key, "branch.create", new JsonObject().put("name", "old").put("from", head));

    Path wc = savedCopy(feature);
    assertEquals("feature/x", Cli.run(wc, "git", "rev-parse", "--abbrev-ref", "HEAD").trim());
    assertEquals("", Cli.run(wc, "git", "status", "--porcelain").trim());
  }

  @Test
  @DisplayName("branch.rename is a real git rename and a close-and-reopen: snapshots and unsaved work move to the new name, the old workspace closes with closing {renamed, branch}, a holder reopens the new name")
  void branchRename() throws Exception {
    WorkspaceKey key = project("rn");
    write(key, "r.txt", "r\n");
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    MessageConsumer<JsonObject> c = node.vertx.eventBus().consumer(key.eventAddress(), m -> events.add(m.body()));
    c.completion().await();
    assertEquals(new JsonObject().put("name", "trunk"), op(key, "branch.rename", new JsonObject().put("to", "trunk")));
    Await.until("renamed event", 5_000, () -> events.stream().anyMatch(e -> "renamed".equals(e.getString("event"))
        && "trunk".equals(e.getString("branch"))));
    Await.until("closing event", 5_000, () -> events.stream().anyMatch(e -> "closing".equals(e.getString("event"))
        && "renamed".equals(e.getString("reason")) && "trunk".equals(e.getString("branch"))));
    c.unregister();

    WorkspaceKey trunk = new WorkspaceKey("rn", "trunk");
    Await.until("the old workspace closed", 5_000, () -> node.holders(key) == 0);
    assertEquals(ErrorCode.NO_WORKSPACE, fails(key, "list", new JsonObject()));
    // the holder reopens the new name, as the closing event says; the unsaved write came along
    node.allocator("register", trunk, "h-rn");
    assertEquals("r\n", new String(node.ws(trunk, "alice", "read", new JsonObject().put("path", "r.txt"))
        .getBinary("content"), StandardCharsets.UTF_8));
    assertEquals(1, node.holders(trunk));
    JsonArray stored = node.http.get("/api/projects/rn/branches", token).expect(200).array();
    assertEquals(1, stored.size());
    assertEquals("trunk", stored.getJsonObject(0).getString("name"));

    Path wc = savedCopy(trunk);
    assertEquals("trunk", Cli.run(wc, "git", "rev-parse", "--abbrev-ref", "HEAD").trim());
    assertEquals("* trunk", Cli.run(wc, "git", "branch").trim());
    assertEquals(ErrorCode.BAD_REQUEST, node.ws(trunk, "alice", "branches", new JsonObject()) == null
        ? null : assertThrows(BranchworkException.class, () -> node.ws(trunk, "alice", "branch.rename",
            new JsonObject().put("to", "a..b"))).code());
  }

  @Test
  @DisplayName("A rename refused partway leaves the old name fully in place: it still writes, commits and saves on its branch")
  void refusedRenameKeepsOldName() throws Exception {
    WorkspaceKey key = project("rk");
    op(key, "branch.create", new JsonObject().put("name", "taken"));
    write(key, "k.txt", "kept\n");
    assertEquals(ErrorCode.CONFLICT, fails(key, "branch.rename", new JsonObject().put("to", "taken")));
    op(key, "commit", new JsonObject().put("message", "still here"));
    Path wc = savedCopy(key);
    assertEquals("main", Cli.run(wc, "git", "rev-parse", "--abbrev-ref", "HEAD").trim());
    assertEquals("still here", Cli.run(wc, "git", "log", "-1", "--format=%s").trim());
  }

  @Test
  @DisplayName("A rename cut off after the store moved (a crash before the save) heals on load: HEAD takes the stored name")
  void renameCutOffHealsOnLoad() throws Exception {
    WorkspaceKey key = project("rc");
    write(key, "c.txt", "c\n");
    op(key, "save", new JsonObject());
    node.allocator("kill", key, null);
    Await.until("closed", 5_000, () -> node.holders(key) == 0);
    node.node.services().store().renameBranch("rc", "main", "moved").toCompletionStage().toCompletableFuture().get();

    WorkspaceKey moved = new WorkspaceKey("rc", "moved");
    node.allocator("register", moved, "h");
    assertEquals("moved", node.ws(moved, "alice", "branches", new JsonObject()).getString("current"));
    node.ws(moved, "alice", "commit", new JsonObject().put("message", "after the heal"));
    Path wc = savedCopy(moved);
    assertEquals("moved", Cli.run(wc, "git", "rev-parse", "--abbrev-ref", "HEAD").trim());
  }

  @Test
  @DisplayName("branch.delete removes a branch, but never the open one nor one open elsewhere")
  void branchDelete() {
    WorkspaceKey key = project("bd");
    op(key, "branch.create", new JsonObject().put("name", "gone"));
    op(key, "branch.create", new JsonObject().put("name", "busy"));
    node.allocator("register", new WorkspaceKey("bd", "busy"), "other");
    assertEquals(ErrorCode.CONFLICT, fails(key, "branch.delete", new JsonObject().put("name", "main")));
    assertEquals(ErrorCode.CONFLICT, fails(key, "branch.delete", new JsonObject().put("name", "busy")));
    op(key, "branch.delete", new JsonObject().put("name", "gone"));
    assertEquals(ErrorCode.NOT_FOUND, fails(key, "branch.delete", new JsonObject().put("name", "gone")));
    JsonArray names = op(key, "branches", new JsonObject()).getJsonArray("branches");
    assertTrue(names.stream().noneMatch(b -> "gone".equals(((JsonObject) b).getString("name"))));
    assertTrue(node.http.get("/api/projects/bd/branches", token).expect(200).array().stream()
        .noneMatch(b -> "gone".equals(((JsonObject) b).getString("name"))));
  }

  @Test
  @DisplayName("An imported repository's hooks, filters and fsmonitor never make the server run anything")
  void importedRepositoryRunsNothing() throws Exception {
    node.createProject(token, "evil");
    Path repo = Files.createDirectories(dir.resolve("evil-src"));
    Path marker = dir.resolve("evil-markers");
    Files.createDirectories(marker);
    Cli.run(repo, "git", "init", "-q", "-b", "imported");
    for (String hook : List.of("pre-commit", "post-commit", "commit-msg", "prepare-commit-msg")) {
      Path h = repo.resolve(".git/hooks/" + hook);
      Files.writeString(h, "#!/bin/sh\ntouch " + marker.resolve(hook) + "\n");
      h.toFile().setExecutable(true);
    }
    Path script = repo.resolve(".git/run-me.sh");
    Files.writeString(script, "#!/bin/sh\ntouch " + marker.resolve("filter-or-fsmonitor") + "\ncat\n");
    script.toFile().setExecutable(true);
    Files.writeString(repo.resolve(".gitattributes"), "*.txt filter=evil\n");
    Files.writeString(repo.resolve("seed.md"), "seed\n");
    Cli.run(repo, "git", "add", ".");
    Cli.run(repo, "git", "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "seed");
    Cli.run(repo, "git", "config", "filter.evil.clean", script.toString());
    Cli.run(repo, "git", "config", "filter.evil.smudge", script.toString());
    Cli.run(repo, "git", "config", "core.fsmonitor", script.toString());
    Cli.run(repo, "git", "config", "core.hooksPath", repo.resolve(".git/hooks").toString());
    Path tgz = dir.resolve("evil.tar.gz");
    Cli.run(repo, "tar", "-czf", tgz.toString(), ".");
    node.http.postRaw("/api/projects/evil/import?branch=imported", token, Files.readAllBytes(tgz), "application/gzip").expect(201);
    try (var s = Files.list(marker)) {
      assertEquals(0, s.count(), "the test's own set-up ran a hook");
    }

    WorkspaceKey key = new WorkspaceKey("evil", "imported");
    node.allocator("register", key, "h");
    write(key, "notes.txt", "filtered?\n");
    op(key, "status", new JsonObject());
    op(key, "diff", new JsonObject());
    op(key, "commit", new JsonObject().put("message", "through branchwork"));
    op(key, "branch.create", new JsonObject().put("name", "side"));
    try (var s = Files.list(marker)) {
      assertEquals(List.of(), s.map(p -> p.getFileName().toString()).toList(), "the server ran a user's program");
    }
  }
}
