package io.branchwork.trust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.branchwork.contract.ErrorCode;
import io.branchwork.core.BranchworkException;
import io.branchwork.core.WorkspaceKey;
import io.branchwork.gitstore.WorkspacePaths;
import io.branchwork.support.Await;
import io.branchwork.support.Cli;
import io.branchwork.support.TestNode;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue 11, "names that break branches or alias .git": paths and branch names a client may send. */
@Timeout(120)
class NamesTest {

  @TempDir
  static Path dir;

  static TestNode node;
  static String token;
  static WorkspaceKey key;

  @BeforeAll
  static void start() {
    node = TestNode.start(dir.resolve("data"));
    token = node.login("nina");
    key = node.openNewProject(token, "names", "h");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static JsonObject op(String op, JsonObject args) {
    return node.ws(key, "nina", op, args);
  }

  private static ErrorCode fails(String op, JsonObject args) {
    return assertThrows(BranchworkException.class, () -> op(op, args)).code();
  }

  private static JsonObject write(String path, String content) {
    return new JsonObject().put("path", path).put("content", content.getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "''{0}''")
  @ValueSource(strings = {".git.", ".git ", "git~1", ".GIT~1", "GIT~2", ".g\u200cit", ".gi\u200dt", "a/.git./b",
      "dir/.GIT~1/x", "a\\b", "con", "nul.txt", "x:y", "a/b\u0001"})
  @DisplayName("Names that alias .git on some platform, or that git refuses to check out there, are bad_request")
  void aliasesRefused(String path) {
    assertEquals(ErrorCode.BAD_REQUEST, fails("write", write(path, "x")));
    assertEquals(ErrorCode.BAD_REQUEST, fails("move", new JsonObject().put("from", "nothing").put("to", path)));
  }

  @Test
  @DisplayName("After every refused alias, commit still works and the saved snapshot passes git fsck --strict")
  void branchStaysCommittable() throws Exception {
    for (String bad : new String[] {".git.", ".GIT~1", ".g\u200cit", "a\\b"}) {
      assertEquals(ErrorCode.BAD_REQUEST, fails("write", write(bad + "/f", "x")));
    }
    op("write", write("ok dir/ünïcode file.scad", "cube(1);"));
    assertEquals(40, op("commit", new JsonObject().put("message", "ok")).getString("commit").length());
    op("save", new JsonObject());
    Path out = Files.createTempDirectory(dir, "snap");
    Files.write(out.resolve("s.tgz"), node.http.get("/api/projects/names/branches/main/snapshot", token)
        .expect(200).body());
    Cli.run(out, "tar", "-xzf", "s.tgz");
    Cli.run(out, "git", "fsck", "--strict");
  }

  @Test
  @DisplayName("A path segment of 300 bytes is bad_request, not internal")
  void longSegment() {
    assertEquals(ErrorCode.BAD_REQUEST, fails("write", write("a".repeat(300), "x")));
    assertEquals(ErrorCode.BAD_REQUEST, fails("read", new JsonObject().put("path", "d/" + "é".repeat(150))));
    op("write", write("b".repeat(WorkspacePaths.MAX_SEGMENT_BYTES), "fits"));
  }

  @Test
  @DisplayName("What a write accepts survives eviction: the branch opens again and the file reads back")
  void whatSavesLoads() {
    WorkspaceKey k = node.openNewProject(token, "names2", "h2");
    node.ws(k, "nina", "write", write("sp ace/[odd] (name)+#.scad", "x"));
    assertEquals(ErrorCode.BAD_REQUEST, assertThrows(BranchworkException.class,
        () -> node.ws(k, "nina", "write", write("back\\slash", "x"))).code());
    node.allocator("kill", k, null);
    Await.until("evicted", 10_000, () -> node.holders(k) == 0);
    node.allocator("register", k, "h3");
    assertEquals("x", new String(node.ws(k, "nina", "read", new JsonObject().put("path", "sp ace/[odd] (name)+#.scad"))
        .getBinary("content"), StandardCharsets.UTF_8));
  }

  @Test
  @DisplayName("branch.create with a 253-byte component is bad_request; 250 bytes works and the branch opens")
  void branchNameBound() {
    assertEquals(ErrorCode.BAD_REQUEST, fails("branch.create", new JsonObject().put("name", "x".repeat(253))));
    assertEquals(ErrorCode.BAD_REQUEST, fails("branch.create", new JsonObject().put("name", "a/" + "y".repeat(251))));
    String longest = "z".repeat(250);
    assertEquals(longest, op("branch.create", new JsonObject().put("name", longest)).getString("name"));
    WorkspaceKey k = new WorkspaceKey("names", longest);
    node.allocator("register", k, "long");
    op("write", write("after.txt", "still fine"));
    assertEquals(40, op("commit", new JsonObject().put("message", "after")).getString("commit").length());
    assertTrue(node.ws(k, "nina", "branches", new JsonObject()).encode().contains(longest));
  }
}
