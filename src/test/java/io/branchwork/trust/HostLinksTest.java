package io.branchwork.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.gitstore.Repos;
import io.branchwork.support.Cli;
import io.branchwork.support.Http.Response;
import io.branchwork.support.Tars;
import io.branchwork.support.TestNode;
import io.branchwork.workspace.compile.CompileHandler;
import io.branchwork.workspace.compile.Compiler;
import io.branchwork.workspace.files.WorkingCopy;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, "host files reached through links" and the import's clear errors: archives built the
 * way an attacker builds them, imported over HTTP as any project owner can.
 */
@Timeout(120)
class HostLinksTest {

  @TempDir
  static Path dir;

  static TestNode node;
  static String token;
  static final AtomicInteger IDS = new AtomicInteger();

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"));
    token = node.login("mallory");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** A new project and a real repository on branch {@code imp}, for one attack. */
  private static String project() {
    String id = "p" + IDS.incrementAndGet();
    node.createProject(token, id);
    return id;
  }

  private static Path repo() throws Exception {
    return Tars.repo(dir.resolve("repo-" + IDS.incrementAndGet()), "imp");
  }

  private static Response importArchive(String project, byte[] tgz) {
    return node.http.postRaw("/api/projects/" + project + "/import?branch=imp", token, tgz, "application/gzip");
  }

  /** Every file under the data dir, as text, so a test can look for host content copied in. */
  private static boolean dataDirHolds(String needle) throws Exception {
    try (Stream<Path> all = Files.walk(node.dataDir)) {
      return all.filter(Files::isRegularFile).filter(p -> !p.toString().contains("/db/")).anyMatch(p -> {
        try {
          return Files.size(p) < (1 << 20) && Files.readString(p, StandardCharsets.ISO_8859_1).contains(needle);
        } catch (Exception e) {
          return false;
        }
      });
    }
  }

  @Test
  @DisplayName("A climbing link chain and a hard link 'stolen -> up24/etc/passwd' are refused; no host file is read")
  void hardLinkThroughChainToPasswd() throws Exception {
    String p = project();
    byte[] tgz = Tars.create().tree(repo()).climbingChain("", 24).hardlink("stolen", "up24/etc/passwd").gzip();
    assertEquals("bad_request", importArchive(p, tgz).expect(400).code());
    assertFalse(dataDirHolds("root:x:0:0"), "/etc/passwd was copied into the data dir");
    assertEquals(404, node.http.get("/api/projects/" + p + "/branches/imp/snapshot", token).status());
  }

  @Test
  @DisplayName("The chain with the data dir's own database as the target is refused too")
  void hardLinkToTheDatabase() throws Exception {
    String p = project();
    Path db = node.dataDir.resolve("db").toAbsolutePath();
    int depth = db.getNameCount();
    Path rel = db.getRoot().relativize(db);
    byte[] tgz = Tars.create().tree(repo()).climbingChain("", depth + 8)
        .hardlink("db.mv.db", "up" + (depth + 8) + "/" + rel + "/branchwork.mv.db").gzip();
    assertEquals("bad_request", importArchive(p, tgz).expect(400).code());
  }

  @Test
  @DisplayName(".git/branchwork or .git/logs linked out through the chain is refused: nothing under .git may be a link")
  void gitSubdirsLinkedOut() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    for (String linked : new String[] {".git/branchwork", ".git/logs"}) {
      String p = project();
      Path r = repo();
      Cli.run(r, "rm", "-rf", ".git/logs");
      byte[] tgz = Tars.create().tree(r).climbingChain(".git/", 24)
          .symlink(linked, "up24" + outside.toAbsolutePath()).gzip();
      Response resp = importArchive(p, tgz).expect(400);
      assertTrue(resp.json().getString("message").contains(".git"), resp.text());
    }
    try (Stream<Path> s = Files.list(outside)) {
      assertEquals(0, s.count(), "something was written outside the data dir");
    }
  }

  @Test
  @DisplayName("Compile never follows a link under .git: with .git/branchwork linked out, it writes nothing outside")
  void compileCacheDoesNotFollowLinks() throws Exception {
    Path wc = repo();
    Path outside = Files.createDirectories(dir.resolve("outside-compile"));
    Files.createSymbolicLink(wc.resolve(".git/branchwork"), outside);
    CompileHandler compiler = new CompileHandler(new WorkingCopy(wc.toRealPath(), 1 << 20),
        wc.resolve(".git"), new Compiler.Limits(1 << 20, 64, 10_000));
    assertThrows(Exception.class, () -> compiler.compile("main.scad"));
    try (Stream<Path> s = Files.list(outside)) {
      assertEquals(0, s.count(), "the compile cache was written through the link");
    }
    // and opening such a repository is refused outright
    assertEquals(ErrorCode.BAD_REQUEST, assertThrows(BranchworkException.class, () -> Repos.open(wc)).code());
  }

  @Test
  @DisplayName("[include] and [includeIf] are dropped on import, so a filter in an included file cannot break commit")
  void includesDropped() throws Exception {
    String p = project();
    Path r = repo();
    Path evil = Files.writeString(dir.resolve("evil-" + p + ".config"), "[filter \"x\"]\n\tclean = touch /tmp/pwned\n");
    Files.writeString(r.resolve(".gitattributes"), "*.scad filter=x\n");
    Cli.run(r, "git", "add", ".gitattributes");
    Cli.run(r, "git", "commit", "-q", "-m", "attrs");
    Files.writeString(r.resolve(".git/config"), Files.readString(r.resolve(".git/config"))
        + "[include]\n\tpath = " + evil + "\n[includeIf \"gitdir:/\"]\n\tpath = /etc/passwd\n"
        + "[core]\n\thooksPath = /tmp\n\tattributesFile = /etc/passwd\n"
        + "[extensions]\n\tworktreeConfig = true\n");
    Files.writeString(r.resolve(".git/config.worktree"), "[include]\n\tpath = " + evil + "\n");
    importArchive(p, Tars.create().tree(r).gzip()).expect(201);

    WorkspaceKey key = new WorkspaceKey(p, "imp");
    node.allocator("register", key, "h-" + p);
    node.ws(key, "mallory", "write", new JsonObject().put("path", "main.scad").put("content", "cube(2);\n".getBytes()));
    assertTrue(node.ws(key, "mallory", "commit", new JsonObject().put("message", "m")).getString("commit").length() == 40);
    node.ws(key, "mallory", "save", new JsonObject());
    Path out = Files.createTempDirectory(dir, "snap");
    Files.write(out.resolve("s.tgz"), node.http.get("/api/projects/" + p + "/branches/imp/snapshot", token)
        .expect(200).body());
    Cli.run(out, "tar", "-xzf", "s.tgz");
    String config = Files.readString(out.resolve(".git/config"));
    assertFalse(config.contains("include"), config);
    assertFalse(config.contains("hooksPath"), config);
    assertFalse(config.contains("attributesFile"), config);
    assertFalse(config.contains("worktree"), config);
  }

  @Test
  @DisplayName("An import with an /etc/passwd include answers 201 with the include gone, not 500")
  void includeOfAHostFile() throws Exception {
    String p = project();
    Path r = repo();
    Files.writeString(r.resolve(".git/config"), Files.readString(r.resolve(".git/config"))
        + "[include]\n\tpath = /etc/passwd\n");
    importArchive(p, Tars.create().tree(r).gzip()).expect(201);
  }

  @Test
  @DisplayName("commondir and object alternates that point elsewhere are refused at the door with bad_request")
  void redirectsRefused() throws Exception {
    String p = project();
    Path r = repo();
    Files.writeString(r.resolve(".git/commondir"), "/var/lib\n");
    assertEquals("bad_request", importArchive(p, Tars.create().tree(r).gzip()).expect(400).code());
    Path r2 = repo();
    Files.createDirectories(r2.resolve(".git/objects/info"));
    Files.writeString(r2.resolve(".git/objects/info/alternates"), node.dataDir.toAbsolutePath() + "\n");
    assertEquals("bad_request", importArchive(p, Tars.create().tree(r2).gzip()).expect(400).code());
  }

  @Test
  @DisplayName("An import whose .git/index JGit refuses is bad_request at the door; the branch is not created")
  void brokenIndexRefused() throws Exception {
    String p = project();
    Path r = repo();
    byte[] index = Files.readAllBytes(r.resolve(".git/index"));
    for (int i = 12; i < index.length - 20; i++) {
      index[i] ^= 0x5a;
    }
    Files.write(r.resolve(".git/index"), index);
    assertEquals("bad_request", importArchive(p, Tars.create().tree(r).gzip()).expect(400).code());
    assertEquals(404, node.http.get("/api/projects/" + p + "/branches/imp/snapshot", token).status());
  }

  @Test
  @DisplayName("branch.create from a commit whose tree holds escaping links is bad_request, and the branch stays absent")
  void branchFromCommitWithEscapingLinks() throws Exception {
    String p = project();
    Path r = repo();
    Files.createSymbolicLink(r.resolve("up0"), Path.of("."));
    Files.createSymbolicLink(r.resolve("up1"), Path.of("up0/.."));
    Cli.run(r, "git", "add", "up0", "up1");
    Cli.run(r, "git", "commit", "-q", "-m", "links");
    String bad = Cli.run(r, "git", "rev-parse", "HEAD").trim();
    Cli.run(r, "git", "rm", "-q", "up0", "up1");
    Cli.run(r, "git", "commit", "-q", "-m", "gone");
    importArchive(p, Tars.create().tree(r).gzip()).expect(201);

    WorkspaceKey key = new WorkspaceKey(p, "imp");
    node.allocator("register", key, "h-" + p);
    BranchworkException e = assertThrows(BranchworkException.class, () -> node.ws(key, "mallory", "branch.create",
        new JsonObject().put("name", "evil").put("from", bad)));
    assertEquals(ErrorCode.BAD_REQUEST, e.code());
    assertFalse(node.ws(key, "mallory", "branches", new JsonObject()).encode().contains("\"evil\""));
    assertEquals("good", node.ws(key, "mallory", "branch.create", new JsonObject().put("name", "good"))
        .getString("name"));
  }

  @Test
  @DisplayName("An upload with one GNU long-name entry of 1.5 GiB is 413 too_large from its header, heap untouched")
  void longNameBombOverHttp() throws Exception {
    String p = project();
    byte[] data = new byte[1_500_000];
    java.util.Arrays.fill(data, (byte) 'a');
    byte[] tgz = Tars.gzip(Tars.concat(Tars.header("././@LongLink", 'L', 1536L << 20), data));
    Runtime rt = Runtime.getRuntime();
    long before = rt.totalMemory() - rt.freeMemory();
    Response r = importArchive(p, tgz).expect(413);
    assertEquals("too_large", r.code());
    long grew = rt.totalMemory() - rt.freeMemory() - before;
    assertTrue(grew < 512L << 20, "heap grew by " + (grew >> 20) + " MiB");
  }
}
