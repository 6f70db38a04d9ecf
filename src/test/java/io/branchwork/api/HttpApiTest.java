package io.branchwork.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.support.Cli;
import io.branchwork.support.Http.Response;
import io.branchwork.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class HttpApiTest {

  @TempDir
  static Path dir;

  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static JsonObject creds(String u, String p) {
    return new JsonObject().put("username", u).put("password", p);
  }

  @Test
  @DisplayName("Register, log in, use the token, log out: the token is dead at once")
  void sessions() {
    node.http.postJson("/api/users", null, creds("bob", "correct horse")).expect(201);
    assertEquals("conflict", node.http.postJson("/api/users", null, creds("bob", "another pw")).expect(409).code());
    assertEquals("unauthenticated", node.http.postJson("/api/sessions", null, creds("bob", "wrong password")).expect(401).code());
    assertEquals("unauthenticated", node.http.postJson("/api/sessions", null, creds("nobody", "whatever1")).expect(401).code());
    JsonObject login = node.http.postJson("/api/sessions", null, creds("bob", "correct horse")).expect(200).json();
    String token = login.getString("token");
    assertTrue(token.length() >= 22, "token too short for 128 bits");
    assertTrue(login.getLong("expiresAt") > System.currentTimeMillis());
    node.http.get("/api/projects", token).expect(200);
    node.http.delete("/api/sessions", token).expect(204);
    assertEquals("unauthenticated", node.http.get("/api/projects", token).expect(401).code());
    assertEquals("unauthenticated", node.http.get("/api/projects", null).expect(401).code());
    assertEquals("unauthenticated", node.http.get("/api/projects", "garbage").expect(401).code());
  }

  @Test
  @DisplayName("Passwords are stored as PBKDF2 hashes and tokens only as SHA-256 hashes")
  void secretsAreHashed() {
    String token = node.login("carol");
    String stored = node.node.services().store().findUser("carol").await().orElseThrow().passwordHash();
    assertTrue(stored.startsWith("pbkdf2-sha256$"), stored);
    assertTrue(!stored.contains("password-carol"));
    assertTrue(node.node.services().store().findToken(token).await().isEmpty(), "token stored in the clear");
    assertTrue(node.node.services().store().findToken(io.branchwork.auth.Tokens.hash(token)).await().isPresent());
  }

  @Test
  @DisplayName("Bad bodies are bad_request with the contract's error body")
  void badBodies() {
    assertEquals("bad_request", node.http.postRaw("/api/users", null, "{not json".getBytes(StandardCharsets.UTF_8), "application/json").expect(400).code());
    assertEquals("bad_request", node.http.postJson("/api/users", null, new JsonObject().put("username", "x")).expect(400).code());
    assertEquals("bad_request", node.http.postJson("/api/users", null, creds("bad name!", "password1")).expect(400).code());
    assertEquals("bad_request", node.http.postJson("/api/users", null, creds("shorty", "pw")).expect(400).code());
    byte[] huge = ("{\"username\":\"" + "x".repeat(100_000) + "\"}").getBytes(StandardCharsets.UTF_8);
    assertEquals("too_large", node.http.postRaw("/api/users", null, huge, "application/json").expect(413).code());
    assertEquals("not_found", node.http.get("/api/nothing-here", null).expect(404).code());
    assertEquals("bad_request", node.http.get("/api/users", null).expect(405).code());
  }

  @Test
  @DisplayName("Projects: create with an initial commit on main, list with roles, members and their rights")
  void projectsAndMembers() {
    String dave = node.login("dave");
    String erin = node.login("erin");
    node.http.postJson("/api/projects", dave, new JsonObject().put("id", "proj-1").put("name", "Project One")).expect(201);
    assertEquals("conflict", node.http.postJson("/api/projects", erin, new JsonObject().put("id", "proj-1")).expect(409).code());
    assertEquals("bad_request", node.http.postJson("/api/projects", dave, new JsonObject().put("id", "has.dot")).expect(400).code());

    JsonArray list = node.http.get("/api/projects", dave).expect(200).array();
    assertEquals(new JsonObject().put("id", "proj-1").put("name", "Project One").put("role", "owner"), list.getJsonObject(0));
    assertEquals(0, node.http.get("/api/projects", erin).expect(200).array().size());

    JsonArray branches = node.http.get("/api/projects/proj-1/branches", dave).expect(200).array();
    assertEquals(1, branches.size());
    assertEquals("main", branches.getJsonObject(0).getString("name"));
    assertEquals(40, branches.getJsonObject(0).getString("head").length());

    // a non-member cannot see it at all; a reader can read but not manage members
    assertEquals("not_found", node.http.get("/api/projects/proj-1/branches", erin).expect(404).code());
    node.http.postJson("/api/projects/proj-1/members", dave, new JsonObject().put("username", "erin").put("role", "reader")).expect(204);
    node.http.get("/api/projects/proj-1/branches", erin).expect(200);
    assertEquals("forbidden", node.http.postJson("/api/projects/proj-1/members", erin,
        new JsonObject().put("username", "erin").put("role", "owner")).expect(403).code());
    assertEquals("reader", node.http.get("/api/projects", erin).expect(200).array().getJsonObject(0).getString("role"));
    assertEquals("not_found", node.http.postJson("/api/projects/proj-1/members", dave,
        new JsonObject().put("username", "ghost").put("role", "writer")).expect(404).code());
    assertEquals("bad_request", node.http.postJson("/api/projects/proj-1/members", dave,
        new JsonObject().put("username", "erin").put("role", "emperor")).expect(400).code());
  }

  @Test
  @DisplayName("The snapshot the API serves unpacks with the real tar and passes the real git fsck")
  void snapshotDownload() throws Exception {
    String token = node.login("frank");
    node.createProject(token, "snap");
    Response r = node.http.get("/api/projects/snap/branches/main/snapshot", token).expect(200);
    assertEquals("application/gzip", r.raw().headers().firstValue("content-type").orElse(""));
    Path out = Files.createTempDirectory(dir, "dl");
    Files.write(out.resolve("s.tar.gz"), r.body());
    Path wc = Files.createDirectory(out.resolve("wc"));
    Cli.run(wc, "tar", "-xzf", "../s.tar.gz");
    Cli.run(wc, "git", "fsck", "--strict");
    assertEquals("main", Cli.run(wc, "git", "rev-parse", "--abbrev-ref", "HEAD").trim());
    assertEquals("Initial commit", Cli.run(wc, "git", "log", "-1", "--format=%s").trim());
    assertEquals("frank", Cli.run(wc, "git", "log", "-1", "--format=%an").trim());
    assertEquals("", Cli.run(wc, "git", "status", "--porcelain").trim());
    assertEquals("not_found", node.http.get("/api/projects/snap/branches/nope/snapshot", token).expect(404).code());
  }

  @Test
  @DisplayName("Import of a working copy on main (the common case) replaces a new project's initial commit, keeps its uncommitted files and brings its other branches")
  void importOntoNewProjectsMain() throws Exception {
    String token = node.login("iris");
    node.http.postJson("/api/projects", token, new JsonObject().put("id", "onmain")).expect(201);
    Path repo = Files.createDirectories(dir.resolve("main-repo"));
    Cli.run(repo, "git", "init", "-q", "-b", "main");
    Files.writeString(repo.resolve("a.scad"), "cube(1);\n");
    Cli.run(repo, "git", "add", ".");
    Cli.run(repo, "git", "commit", "-q", "-m", "first");
    Cli.run(repo, "git", "branch", "dev");
    // a name git takes but the contract cannot address (longer than 255 bytes in all)
    String unaddressable = "x".repeat(100) + "/" + "y".repeat(100) + "/" + "z".repeat(100);
    Cli.run(repo, "git", "branch", unaddressable);
    Files.writeString(repo.resolve("draft.scad"), "sphere(1);\n");
    String head = Cli.run(repo, "git", "rev-parse", "HEAD").trim();
    Path tgz = dir.resolve("main-repo.tar.gz");
    Cli.run(repo, "tar", "-czf", tgz.toString(), ".");
    byte[] body = Files.readAllBytes(tgz);

    JsonObject imported = node.http.postRaw("/api/projects/onmain/import", token, body, "application/gzip")
        .expect(201).json();
    assertEquals("main", imported.getString("branch"));
    assertEquals(head, imported.getString("head"));
    assertEquals(new JsonArray().add("dev"), imported.getJsonArray("branches"));
    assertEquals(new JsonArray().add(unaddressable), imported.getJsonArray("skipped"));
    // main now has data of its own: a second import is refused
    assertEquals("conflict", node.http.postRaw("/api/projects/onmain/import", token, body, "application/gzip")
        .expect(409).code());
    // as another branch it goes in, and its dev, whose name is taken now, is left out and said so
    JsonObject again = node.http.postRaw("/api/projects/onmain/import?branch=second", token, body, "application/gzip")
        .expect(201).json();
    assertEquals(new JsonArray(), again.getJsonArray("branches"));
    assertEquals(new JsonArray().add("dev").add(unaddressable), again.getJsonArray("skipped"));
    var key = new io.branchwork.core.WorkspaceKey("onmain", "main");
    node.allocator("register", key, "h-onmain");
    assertEquals("sphere(1);\n", new String(node.ws(key, "iris", "read", new JsonObject().put("path", "draft.scad"))
        .getBinary("content"), StandardCharsets.UTF_8));
    JsonArray changes = node.ws(key, "iris", "status", new JsonObject()).getJsonArray("changes");
    assertEquals(new JsonArray().add(new JsonObject().put("path", "draft.scad").put("change", "untracked")), changes);
    node.allocator("deregister", key, "h-onmain");
  }

  @Test
  @DisplayName("An import whose history holds a tree git fsck refuses (an entry named .git) is 400 and stores nothing")
  void importWithMalformedTreeIsRefused() throws Exception {
    String token = node.login("mona");
    node.http.postJson("/api/projects", token, new JsonObject().put("id", "badtree")).expect(201);
    Path repo = Files.createDirectories(dir.resolve("bad-tree-repo"));
    Cli.run(repo, "git", "init", "-q", "-b", "main");
    Files.writeString(repo.resolve("ok.txt"), "ok\n");
    Cli.run(repo, "git", "add", ".");
    Cli.run(repo, "git", "commit", "-q", "-m", "good");
    String blob = Cli.run(repo, "git", "hash-object", "-w", "ok.txt").trim();
    // git mktree writes what it is given: a tree with a ".git" entry, committed into history
    Path listing = dir.resolve("bad-tree.txt");
    Files.writeString(listing, "100644 blob " + blob + "\t.git\n");
    String tree = Cli.run(repo, "sh", "-c", "git mktree < " + listing).trim();
    String bad = Cli.run(repo, "git", "commit-tree", tree, "-p", "HEAD", "-m", "evil").trim();
    Cli.run(repo, "git", "update-ref", "refs/heads/main", bad);
    Cli.run(repo, "git", "reset", "-q", "--soft", "HEAD~1");
    Cli.run(repo, "git", "update-ref", "refs/heads/evil", bad);
    Path tgz = dir.resolve("bad-tree.tar.gz");
    Cli.run(repo, "tar", "-czf", tgz.toString(), ".");
    JsonArray before = node.http.get("/api/projects/badtree/branches", token).expect(200).array();
    JsonObject refused = node.http.postRaw("/api/projects/badtree/import?branch=imported", token,
        Files.readAllBytes(tgz), "application/gzip").expect(400).json();
    assertEquals("bad_request", refused.getString("code"));
    assertTrue(refused.getString("message").contains("git refuses"), refused.encode());
    assertEquals(before, node.http.get("/api/projects/badtree/branches", token).expect(200).array());

    // a repository whose HEAD has no commit yet
    Path unborn = Files.createDirectories(dir.resolve("unborn-repo"));
    Cli.run(unborn, "git", "init", "-q", "-b", "main");
    Files.writeString(unborn.resolve("x.txt"), "x\n");
    Path unbornTgz = dir.resolve("unborn.tar.gz");
    Cli.run(unborn, "tar", "-czf", unbornTgz.toString(), ".");
    JsonObject noCommit = node.http.postRaw("/api/projects/badtree/import?branch=imported", token,
        Files.readAllBytes(unbornTgz), "application/gzip").expect(400).json();
    assertTrue(noCommit.getString("message").contains("no commit"), noCommit.encode());
    assertEquals(before, node.http.get("/api/projects/badtree/branches", token).expect(200).array());
  }

  @Test
  @DisplayName("Import takes a tar.gz of a real git working copy; a second import of the branch is 409")
  void importRepository() throws Exception {
    String token = node.login("gina");
    node.createProject(token, "imp");
    Path repo = Files.createDirectories(dir.resolve("src-repo"));
    Cli.run(repo, "git", "init", "-q", "-b", "feature/x");
    Files.writeString(repo.resolve("hello.scad"), "cube(1);\n");
    Cli.run(repo, "git", "add", ".");
    Cli.run(repo, "git", "commit", "-q", "-m", "first");
    String head = Cli.run(repo, "git", "rev-parse", "HEAD").trim();
    Path tgz = dir.resolve("repo.tar.gz");
    Cli.run(repo, "tar", "-czf", tgz.toString(), ".");
    byte[] body = Files.readAllBytes(tgz);

    JsonObject imported = node.http.postRaw("/api/projects/imp/import?branch=feature/x", token, body, "application/gzip")
        .expect(201).json();
    assertEquals(head, imported.getString("head"));
    assertEquals("conflict", node.http.postRaw("/api/projects/imp/import?branch=feature/x", token, body, "application/gzip")
        .expect(409).code());
    // HEAD on any branch: ?branch names what it becomes in the project
    JsonObject renamed = node.http.postRaw("/api/projects/imp/import?branch=other", token, body, "application/gzip")
        .expect(201).json();
    assertEquals("other", renamed.getString("branch"));
    assertEquals(head, renamed.getString("head"));
    assertEquals("bad_request", node.http.postRaw("/api/projects/imp/import?branch=..bad", token, body, "application/gzip")
        .expect(400).code());
    assertEquals("bad_request", node.http.postRaw("/api/projects/imp/import?branch=junk", token,
        "junk".getBytes(StandardCharsets.UTF_8), "application/gzip").expect(400).code());

    JsonArray branches = node.http.get("/api/projects/imp/branches", token).expect(200).array();
    assertTrue(branches.contains(new JsonObject().put("name", "feature/x").put("head", head)), branches::encode);
    assertTrue(branches.contains(new JsonObject().put("name", "other").put("head", head)), branches::encode);

    // the branch name travels percent-encoded in the snapshot path
    Response r = node.http.get("/api/projects/imp/branches/feature%2Fx/snapshot", token).expect(200);
    Path wc = Files.createDirectories(dir.resolve("imp-wc"));
    Files.write(dir.resolve("imp.tar.gz"), r.body());
    Cli.run(wc, "tar", "-xzf", dir.resolve("imp.tar.gz").toString());
    assertEquals("cube(1);\n", Files.readString(wc.resolve("hello.scad")));
    Cli.run(wc, "git", "fsck", "--strict");

    // and it opens as a workspace at once
    var key = new io.branchwork.core.WorkspaceKey("imp", "feature/x");
    node.allocator("register", key, "h");
    assertEquals("cube(1);\n", new String(node.ws(key, "gina", "read", new JsonObject().put("path", "hello.scad"))
        .getBinary("content"), StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("Only the owner may import")
  void importNeedsOwner() {
    String owner = node.login("hank");
    String writer = node.login("ivy");
    node.createProject(owner, "imp2");
    node.http.postJson("/api/projects/imp2/members", owner, new JsonObject().put("username", "ivy").put("role", "writer")).expect(204);
    assertEquals("forbidden", node.http.postRaw("/api/projects/imp2/import?branch=b", writer, new byte[] {1, 2},
        "application/gzip").expect(403).code());
  }

  @Test
  @DisplayName("/health is 200 with details; /metrics speaks Prometheus with Branchwork's own figures")
  void healthAndMetrics() {
    JsonObject health = node.http.get("/health", null).expect(200).json();
    assertEquals("up", health.getString("status"));
    String metrics = node.http.get("/metrics", null).expect(200).text();
    for (String name : new String[] {"branchwork_workspaces_open", "branchwork_workspace_holders",
        "branchwork_workspace_deploys_total", "branchwork_workspace_evictions_total", "branchwork_snapshot_bytes",
        "branchwork_snapshot_save_seconds", "branchwork_snapshot_load_seconds"}) {
      assertTrue(metrics.contains(name), name);
    }
  }
}
